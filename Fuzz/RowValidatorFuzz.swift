// libFuzzer target for row validation (Sources/CaseStore/Import). Built by scripts/fuzz.sh; see Fuzz/README.md.
//
// Byte 0 is a flag; the rest is split on 0x1F (unit separator) into up to 12 fields, decoded with
// String(decoding:as: UTF8.self) (invalid UTF-8 becomes U+FFFD, as a CSV field decoded leniently would).
//   flag % 4 == 0: RowValidator with the built-in hotline profile validates the fields as a RawRow
//   flag % 4 == 1: the same with the 2019 sample profile (MM/dd/yyyy dates, `|` venues, extra labels); with
//                  flag bit 0x10 the venues come as a ready list (NDJSON style) split on 0x1E
//   flag % 4 == 2: DateFormat(field 0) parses field 1; a parsed date must format and parse back to itself;
//                  LabelMap.key/fold on every field
//   flag % 4 == 3: Profile.parse on the rest as JSON; a profile that parses builds a RowValidator (which may
//                  throw Profile.Invalid) and validates a fixed row and the fields
// Fields beyond the 12th are dropped; missing ones are nil (the file has no such column).
import CaseStore
import Foundation
import SQLite

/// States and counties from the bundled migrations, loaded once into memory.
let geography: Geography = {
    do {
        let db = try Connection(path: ":memory:")
        _ = try Migrator().migrate(db)
        return try Geography(db)
    } catch {
        fatalError("cannot load geography: \(error)")
    }
}()

let today = (year: 2026, month: 11, day: 29)

let profile2019: Profile = {
    let json = #"""
    {
      "name": "hotline-2019",
      "columns": {
        "case_id": "Case Number", "reported_on": "Date Reported", "state": "State", "county": "County",
        "city": "City", "trafficking_type": "Type of Trafficking", "venues": "Venue/Industry",
        "victim_id": "Victim Number", "victim_gender": "Gender", "victim_age_group": "Age Group",
        "victim_age": "Age at Intake", "victim_citizenship": "Citizenship Status"
      },
      "labels": {
        "trafficking_type": {"Sex Trafficking Only": "sex", "Labor Trafficking Only": "labor",
                             "Both Sex and Labor": "sex_and_labor", "Type Unknown": "not_specified"},
        "venues": {"Hotel": "hotel_motel", "Online": "online_ad", "Street": "outdoor_solicitation"},
        "state": {"Calif.": "CA"}
      },
      "date_format": "MM/dd/yyyy",
      "venue_separator": "|"
    }
    """#
    do { return try Profile.parse(Data(json.utf8), source: "fuzz-2019.json") } catch {
        fatalError("cannot parse the 2019 profile: \(error)")
    }
}()

let hotlineValidator: RowValidator = try! RowValidator(profile: .hotline, geography: geography, today: today)
let validator2019: RowValidator = try! RowValidator(profile: profile2019, geography: geography, today: today)

let columnNames = ExportColumn.allCases.map(\.rawValue)

func fields(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
    bytes.split(separator: 0x1F, maxSplits: 12, omittingEmptySubsequences: false).prefix(12).map {
        String(decoding: UnsafeBufferPointer(rebasing: $0), as: UTF8.self)
    }
}

func row(_ texts: [String], venueList: [String]? = nil) -> RawRow {
    var values: [String?] = Array(repeating: nil, count: ExportColumn.allCases.count)
    for (index, text) in texts.enumerated() where index < values.count { values[index] = text }
    return RawRow(line: 2, values: values, venueList: venueList, columnNames: columnNames)
}

func check(_ result: RowValidation) {
    if result.isValid {
        precondition(result.issues.isEmpty)
        guard let record = result.caseRecord else { preconditionFailure("valid without a case record") }
        precondition(DateFormat.iso.parse(record.reportedOn) != nil, "stored date is not ISO")
        precondition(geography.states[record.state] != nil, "stored state is not a state code")
        if let fips = record.countyFIPS { precondition(geography.counties[fips] != nil, "unknown county FIPS") }
        precondition(record.venueIDs == Array(Set(record.venueIDs)).sorted(), "venue ids not ascending and unique")
        if let age = result.victim?.age { precondition((0...120).contains(age)) }
    } else {
        precondition(!result.issues.isEmpty || result.caseRecord == nil)
        precondition(result.caseRecord == nil, "an invalid row has a case record")
    }
}

func labels(_ texts: [String]) {
    for text in texts {
        let key = LabelMap<String>.key(text)
        let fold = LabelMap<String>.fold(text)
        _ = LabelMap<String>.key(fold)
        _ = LabelMap<String>.fold(key)
        precondition(fold.utf8.count <= text.utf8.count, "fold made the text longer")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let flag = data[0]
    let rest = UnsafeBufferPointer(start: data + 1, count: size - 1)
    switch flag % 4 {
    case 0:
        check(hotlineValidator.validate(row(fields(rest))))
    case 1:
        var venueList: [String]?
        let texts = fields(rest)
        if flag & 0x10 != 0, texts.count > 6 {
            venueList = texts[6].utf8.split(separator: 0x1E, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
        }
        check(validator2019.validate(row(texts, venueList: venueList)))
    case 2:
        let texts = fields(rest)
        labels(texts)
        if let pattern = texts.first, let format = try? DateFormat(pattern) {
            for text in texts.dropFirst() {
                if let date = format.parse(text) {
                    precondition((1...12).contains(date.month) && (1...31).contains(date.day))
                    let written = format.format(year: date.year, month: date.month, day: date.day)
                    guard let back = format.parse(written) else { preconditionFailure("formatted date does not parse") }
                    precondition(back == date, "date changed on format and parse")
                    _ = DateFormat.iso.format(year: date.year, month: date.month, day: date.day)
                }
            }
        }
    default:
        guard let profile = try? Profile.parse(Data(rest), source: "fuzz.json") else { return 0 }
        _ = profile.header(for: .caseID)
        guard let validator = try? RowValidator(profile: profile, geography: geography, today: today) else {
            return 0
        }
        check(validator.validate(row(["HT-1", "2021-03-04", "CA", "Los Angeles County", "", "sex", "hotel",
                                      "V1", "female", "adult", "30", "us citizen"])))
        check(validator.validate(row(["HT-1", profile.dateFormat.format(year: 2021, month: 3, day: 4), "CA"])))
    }
    return 0
}
