import CaseStore
import Foundation
import SQLite
import Testing

/// The spec's "Profiles": renamed headers, extra labels, another date format and venue separator; invalid profiles.
@Suite("Import: profiles")
struct ImportProfileTests {
    let harness: ImportHarness
    init() throws { harness = try ImportHarness() }

    static let profileJSON = #"""
        {
          "name": "hotline-2019",
          "description": "the 2019 export",
          "columns": {"case_id": "Case Number", "reported_on": "Date Reported", "state": "State/Territory",
                      "trafficking_type": "Type", "venues": "Venues / Industries", "victim_gender": "Sex"},
          "labels": {"trafficking_type": {"Sex Trafficking Only": "sex"},
                     "venues": {"Motel Room": "hotel_motel", "Fields": "agriculture"},
                     "victim_gender": {"W": "female"},
                     "victim_age_group": {"Juvenile": "minor"},
                     "victim_citizenship": {"Foreign": "foreign_national"},
                     "state": {"Calif": "CA"}},
          "date_format": "MM/dd/yyyy",
          "venue_separator": "|"
        }
        """#

    private func profile() throws -> Profile {
        try Profile.parse(Data(Self.profileJSON.utf8), source: "hotline-2019.json")
    }

    @Test func aProfileParses() throws {
        let profile = try profile()
        #expect(profile.name == "hotline-2019")
        #expect(profile.header(for: .caseID) == "Case Number")
        #expect(profile.header(for: .city) == "city")
        #expect(profile.dateFormat.pattern == "MM/dd/yyyy")
        #expect(profile.venueSeparator == "|")
        #expect(profile.labels[.venues]?["Motel Room"] == "hotel_motel")
    }

    @Test func aFileInTheProfilesLayoutImports() throws {
        let text = "case number,Date Reported,STATE/TERRITORY,Type,Venues / Industries,Sex,victim_age_group,"
            + "victim_citizenship,city\n"
            + "P-1,02/29/2020,Calif,Sex Trafficking Only,Motel Room | Online Ads|motel room,W,juvenile,Foreign,Fresno\n"
            + "P-2,12/31/2021,NV,Labor,Fields,,,,\n"
        let path = try harness.write("2019.csv", text)
        let profile = try profile()
        let summary = try harness.importFile(path) { $0.profile = profile }
        #expect(summary.outcome == .imported)
        #expect(harness.log.issues.isEmpty)
        #expect(harness.log.warnings.isEmpty)
        #expect(try harness.storedCase("P-1") == ["2020-02-29", 2020, "CA", nil, "Fresno", "sex", 2])
        #expect(try harness.venues(of: "P-1") == ["hotel_motel", "online_ad"])
        #expect(try harness.victims(of: "P-1") == [[1, nil, "female", "minor", nil, "foreign_national", 2]])
        #expect(try harness.storedCase("P-2") == ["2021-12-31", 2021, "NV", nil, nil, "labor", 3])
        #expect(try harness.venues(of: "P-2") == ["agriculture"])
        #expect(try harness.batches().first?.profile == "hotline-2019")
    }

    @Test func whatAProfileLeavesOutKeepsTheSpecsRule() throws {
        // The spec's own labels still resolve; the semicolon is no longer a separator.
        let validator = try harness.validator(profile: try profile())
        let row = { (date: String, venues: String, gender: String) in
            RawRow(line: 2, values: ["Q-1", date, "California", nil, nil, "Sex", venues, nil, gender, nil, nil, nil],
                   columnNames: specHeader)
        }
        let valid = validator.validate(row("01/02/2021", "Hotel/Motel|Truck Stop", "Female"))
        #expect(valid.isValid)
        #expect(valid.caseRecord?.venueIDs == [7, 8])
        #expect(valid.caseRecord?.reportedOn == "2021-01-02")
        #expect(valid.victim?.gender == .female)
        #expect(validator.validate(row("01/02/2021", "Hotel/Motel;Truck Stop", "")).issues.map(\.column) == ["venues"])
    }

    private func validateDate(_ text: String) throws -> RowValidation {
        let validator = try harness.validator(profile: try profile())
        let values: [String?] = ["Q-1", text, "CA", nil, nil, nil, nil, nil, nil, nil, nil, nil]
        return validator.validate(RawRow(line: 2, values: values, columnNames: specHeader))
    }

    @Test(arguments: [("01/02/2021", "2021-01-02"), (" 02/29/2020 ", "2020-02-29"), ("01/01/2000", "2000-01-01"),
                      ("06/30/2024", "2024-06-30")])
    func aDateInTheProfilesFormatIsAccepted(text: String, iso: String) throws {
        let result = try validateDate(text)
        #expect(result.issues.isEmpty)
        #expect(result.caseRecord?.reportedOn == iso)
    }

    @Test(arguments: ["2021-01-02", "02/30/2021", "02/29/2021", "13/01/2021", "01/02/21", "12/31/1999",
                      "07/01/2024", "01-02-2021", "01/02/2021x"])
    func aDateNotInTheProfilesFormatIsRejected(text: String) throws {
        #expect(try validateDate(text).issues.map(\.column) == ["reported_on"])
    }

    @Test func aMissingRenamedColumnIsNamedAsTheProfileNamesIt() throws {
        let path = try harness.write("2019.csv", "Case Number,Date Reported,state,Type\nP-1,01/02/2021,CA,Sex\n")
        let profile = try profile()
        let summary = try harness.importFile(path) { $0.profile = profile }
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(1, "State/Territory")])
        #expect(try harness.count("import_batches") == 0)
    }

    @Test func aRowProblemIsNamedByTheFilesHeader() throws {
        let path = try harness.write("2019.csv", "Case Number,Date Reported,State/Territory,Type\nP-1,2021-01-02,CA,Sex\n")
        let profile = try profile()
        let summary = try harness.importFile(path) { $0.profile = profile }
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(2, "Date Reported")])
    }

    @Test func anEmptyProfileIsTheSpecsLayoutNamedAfterItsFile() throws {
        let profile = try Profile.parse(Data("{}".utf8), source: "/some/where/plain.json")
        #expect(profile.name == "plain")
        #expect(profile.columns.isEmpty)
        #expect(profile.dateFormat == .iso)
        #expect(profile.venueSeparator == ";")
    }

    @Test func profilesLoadByNameOrPath() throws {
        #expect(try Profile.load("hotline").name == "hotline")
        let path = try harness.write("p2019.json", Self.profileJSON)
        #expect(try Profile.load(path).name == "hotline-2019")
        #expect(throws: Profile.Invalid.self) { try Profile.load("hotline-1999") }
        #expect(throws: Profile.Invalid.self) { try Profile.load(harness.folder.path("absent.json")) }
    }

    static let invalidProfiles: [String] = [
        "not json",
        "[1, 2]",
        #"{"name": "x", "colums": {}}"#,
        #"{"name": 5}"#,
        #"{"name": ""}"#,
        #"{"columns": ["case_id"]}"#,
        #"{"columns": {"case_number": "Case Number"}}"#,
        #"{"columns": {"case_id": 1}}"#,
        #"{"columns": {"case_id": "  "}}"#,
        #"{"columns": {"case_id": "Ref", "victim_id": " ref "}}"#,
        #"{"labels": {"city": {"LA": "Los Angeles"}}}"#,
        #"{"labels": {"trafficking_type": ["sex"]}}"#,
        #"{"labels": {"trafficking_type": {"Sex Only": "sex_only"}}}"#,
        #"{"labels": {"trafficking_type": {"Sex Only": 1}}}"#,
        #"{"labels": {"venues": {"Motel Room": "motel"}}}"#,
        #"{"labels": {"victim_gender": {"W": "woman"}}}"#,
        #"{"labels": {"victim_age_group": {"Teen": "teen"}}}"#,
        #"{"labels": {"victim_citizenship": {"Alien": "alien"}}}"#,
        #"{"labels": {"case_id": {"a": "b"}}}"#,
        #"{"date_format": "yyyy-MM"}"#,
        #"{"date_format": "dd/MM/yy"}"#,
        #"{"date_format": "yyyy-MM-dd-dd"}"#,
        #"{"date_format": 1}"#,
        #"{"venue_separator": ""}"#,
        #"{"venue_separator": " "}"#,
        #"{"venue_separator": 1}"#,
    ]

    @Test(arguments: invalidProfiles)
    func anInvalidProfileIsRejected(json: String) {
        let error = #expect(throws: Profile.Invalid.self) { try Profile.parse(Data(json.utf8), source: "bad.json") }
        #expect(error?.source == "bad.json")
    }

    @Test(arguments: [#"{"labels": {"trafficking_type": {"Sex Only": "sex"}}}"#,
                      #"{"labels": {"venues": {"Motel": "hotel_motel"}}}"#,
                      #"{"date_format": "dd.MM.yyyy"}"#, #"{"date_format": "yyyyMMdd"}"#,
                      #"{"venue_separator": "//"}"#, #"{"columns": {"case_id": "Ref", "victim_id": "Victim Ref"}}"#])
    func aValidProfileIsAccepted(json: String) throws {
        _ = try Profile.parse(Data(json.utf8), source: "good.json")
    }

    @Test func aProfileStateLabelMustNameAStateOfTheDatabase() throws {
        let bad = try Profile.parse(Data(#"{"labels": {"state": {"Atlantis": "AT"}}}"#.utf8), source: "s.json")
        #expect(throws: Profile.Invalid.self) {
            _ = try Importer(database: try harness.db, options: ImportHarness.options { $0.profile = bad })
        }
        let good = try Profile.parse(Data(#"{"labels": {"state": {"Calif.": "CA"}}}"#.utf8), source: "s.json")
        let validator = try harness.validator(profile: good)
        #expect(validator.validate(rawRow(ExportRow(state: "calif."))).caseRecord?.state == "CA")
    }

    @Test func aProfilesDateFormatReachesTheStoredCase() throws {
        let profile = try Profile.parse(Data(#"{"name": "eu", "date_format": "dd.MM.yyyy"}"#.utf8), source: "eu.json")
        let summary = try harness.importRows([ExportRow(caseID: "EU-1", reportedOn: "31.12.2021")]) {
            $0.profile = profile
        }
        #expect(summary.outcome == .imported)
        #expect(try harness.field("reported_on", ofCase: "EU-1") == "2021-12-31")
        #expect(try harness.field("year", ofCase: "EU-1") == 2021)
    }
}
