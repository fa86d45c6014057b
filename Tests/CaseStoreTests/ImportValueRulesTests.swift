import CaseStore
import Foundation
import SQLite
import Testing

/// The spec's "Columns" and "Vocabulary" rules, one value at a time, through `RowValidator` (and through the
/// importer where the location a problem is reported at matters).
/// Checks that only read the geography share one copy of it; tests that import get their own database.
@Suite("Import: column values")
struct ImportValueRulesTests {
    let validator: RowValidator

    init() throws {
        validator = try RowValidator(profile: .hotline, geography: try ImportHarness.sharedGeography.get(),
                                     today: ImportHarness.today)
    }

    private func validate(_ row: ExportRow) -> RowValidation {
        validator.validate(rawRow(row))
    }

    /// The columns the row's problems name (in the spec's header naming).
    private func rejected(_ row: ExportRow) -> [String] {
        validate(row).issues.map(\.column)
    }

    /// Spellings of a label the spec says must match: as given, lower- and upper-cased, padded, inner spaces doubled.
    private static func spellings(_ label: String) -> [String] {
        [label, label.lowercased(), label.uppercased(), "  \(label)\t", label.replacingOccurrences(of: " ", with: "  \t ")]
    }

    // MARK: Trafficking type

    @Test func everyTraffickingTypeLabelAndCodeIsAccepted() {
        for (code, label, others) in SpecVocabulary.traffickingTypes {
            for text in ([code, label] + others).flatMap(Self.spellings) {
                let result = validate(ExportRow(type: text))
                #expect(result.issues.isEmpty, "\(text)")
                #expect(result.caseRecord?.traffickingType.code == code, "\(text)")
            }
        }
    }

    @Test(arguments: ["", "   "])
    func anEmptyTraffickingTypeIsNotSpecified(text: String) {
        let result = validate(ExportRow(type: text))
        #expect(result.isValid)
        #expect(result.caseRecord?.traffickingType == .notSpecified)
    }

    @Test(arguments: ["Sexual", "Labor only", "sex_labor", "Sex Labor", "Sex;Labor"])
    func anUnknownTraffickingTypeIsRejected(text: String) {
        #expect(rejected(ExportRow(type: text)) == ["trafficking_type"])
    }

    // MARK: Victim vocabularies

    @Test func everyVictimLabelAndCodeIsAccepted() {
        for (code, label, others) in SpecVocabulary.genders {
            for text in ([code, label] + others).flatMap(Self.spellings) {
                let result = validate(ExportRow(gender: text))
                #expect(result.issues.isEmpty, "\(text)")
                #expect(result.victim?.gender.code == code, "\(text)")
            }
        }
        for (code, label, others) in SpecVocabulary.ageGroups {
            for text in ([code, label] + others).flatMap(Self.spellings) {
                let result = validate(ExportRow(ageGroup: text))
                #expect(result.issues.isEmpty, "\(text)")
                #expect(result.victim?.ageGroup.code == code, "\(text)")
            }
        }
        for (code, label, others) in SpecVocabulary.citizenships {
            for text in ([code, label] + others).flatMap(Self.spellings) {
                let result = validate(ExportRow(citizenship: text))
                #expect(result.issues.isEmpty, "\(text)")
                #expect(result.victim?.citizenship.code == code, "\(text)")
            }
        }
    }

    @Test func emptyVictimValuesAreUnknown() {
        let result = validate(ExportRow(victimID: "V1"))
        #expect(result.isValid)
        #expect(result.victim?.gender == .unknown)
        #expect(result.victim?.ageGroup == .unknown)
        #expect(result.victim?.citizenship == .unknown)
        #expect(result.victim?.age == nil)
    }

    @Test func unknownVictimLabelsAreRejectedInTheirColumns() {
        #expect(rejected(ExportRow(gender: "Fem")) == ["victim_gender"])
        #expect(rejected(ExportRow(gender: "F M")) == ["victim_gender"])
        #expect(rejected(ExportRow(ageGroup: "Teen")) == ["victim_age_group"])
        #expect(rejected(ExportRow(ageGroup: "Minor/Adult")) == ["victim_age_group"])
        #expect(rejected(ExportRow(citizenship: "Citizen")) == ["victim_citizenship"])
        #expect(rejected(ExportRow(citizenship: "foreign")) == ["victim_citizenship"])
    }

    // MARK: Venues

    @Test func everyVenueLabelAndCodeIsAccepted() {
        for (id, venue) in SpecVocabulary.venues.enumerated() {
            let (code, label, _, others) = venue
            for text in ([code, label] + others).flatMap(Self.spellings) {
                let result = validate(ExportRow(venues: text))
                #expect(result.issues.isEmpty, "\(text)")
                #expect(result.caseRecord?.venueIDs == [id + 1], "\(text)")
            }
        }
    }

    @Test func aVenueListIsSplitOnSemicolonsAndRepeatsCountOnce() {
        let result = validate(ExportRow(venues: "Hotel/Motel; hotel_motel ;HOTEL/MOTEL-BASED;Agriculture;; Farming ;"))
        #expect(result.issues.isEmpty)
        #expect(result.caseRecord?.venueIDs == [7, 16])
        #expect(validate(ExportRow(venues: "")).caseRecord?.venueIDs == [])
    }

    @Test func anUnknownVenueRejectsTheRow() {
        #expect(rejected(ExportRow(venues: "Hotel/Motel;Casino")) == ["venues"])
        #expect(rejected(ExportRow(venues: "Hotel/Motel, Online Ads")) == ["venues"])
    }

    @Test func repeatedVenuesAreStoredOnce() throws {
        let harness = try ImportHarness()
        let summary = try harness.importRows([
            ExportRow(caseID: "V-1", venues: "Truck Stop;truck_stop; TRUCK   STOP ;Massage Parlor"),
        ])
        #expect(summary.outcome == .imported)
        #expect(try harness.venues(of: "V-1") == ["illicit_massage", "truck_stop"])
    }

    // MARK: State

    @Test(arguments: [("CA", "CA"), ("ca", "CA"), (" California ", "CA"), ("CALIFORNIA", "CA"),
                      ("District of Columbia", "DC"), ("dc", "DC"), ("new   york", "NY"), ("PR", "PR"),
                      ("Puerto Rico", "PR"), ("Guam", "GU"), ("vi", "VI"), ("AS", "AS"), ("MP", "MP")])
    func aStateIsAcceptedByCodeOrName(text: String, code: String) {
        let result = validate(ExportRow(state: text))
        #expect(result.issues.isEmpty)
        #expect(result.caseRecord?.state == code)
    }

    @Test(arguments: ["XX", "Calif.", "C A", "06", "Ontario", "Virgin Islands of the US"])
    func anUnknownStateIsRejected(text: String) {
        #expect(rejected(ExportRow(state: text)) == ["state"])
    }

    @Test func anEmptyRequiredValueIsRejected() {
        #expect(rejected(ExportRow(caseID: " ")) == ["case_id"])
        #expect(rejected(ExportRow(reportedOn: "")) == ["reported_on"])
        #expect(rejected(ExportRow(state: "")) == ["state"])
    }

    // MARK: County

    @Test(arguments: [
        ("CA", "Los Angeles", "06037"), ("CA", "Los Angeles County", "06037"), ("CA", "los angeles COUNTY", "06037"),
        ("CA", "  LOS   ANGELES ", "06037"), ("CA", "06037", "06037"),
        ("LA", "Orleans Parish", "22071"), ("LA", "orleans", "22071"), ("NY", "Orleans", "36073"),
        ("CA", "Orange", "06059"), ("FL", "Orange", "12095"),
        ("NM", "Doña Ana", "35013"), ("NM", "DOÑA ANA COUNTY", "35013"),
        ("VA", "Fairfax", "51059"), ("VA", "Fairfax County", "51059"), ("VA", "fairfax", "51059"),
        ("VA", "Fairfax city", "51600"), ("VA", "FAIRFAX CITY", "51600"), ("VA", "51600", "51600"),
        ("MD", "Baltimore", "24005"), ("MD", "Baltimore city", "24510"),
        ("DC", "District of Columbia", "11001"),
    ])
    func aCountyIsAcceptedByNameWithOrWithoutSuffixAnyCaseOrFIPS(state: String, text: String, fips: String) {
        let result = validate(ExportRow(state: state, county: text))
        #expect(result.issues.isEmpty)
        #expect(result.caseRecord?.countyFIPS == fips)
    }

    /// Every state where a county and an independent city share a name: the bare name is the county.
    @Test(arguments: [("MD", "Baltimore", "24005", "24510"), ("MO", "St. Louis", "29189", "29510"),
                      ("VA", "Fairfax", "51059", "51600"), ("VA", "Franklin", "51067", "51620"),
                      ("VA", "Richmond", "51159", "51760"), ("VA", "Roanoke", "51161", "51770")])
    func aBareNameSharedWithAnIndependentCityIsTheCounty(state: String, name: String, county: String, city: String) {
        #expect(validate(ExportRow(state: state, county: name)).caseRecord?.countyFIPS == county)
        #expect(validate(ExportRow(state: state, county: name + " County")).caseRecord?.countyFIPS == county)
        #expect(validate(ExportRow(state: state, county: name + " city")).caseRecord?.countyFIPS == city)
        #expect(validate(ExportRow(state: state, county: city)).caseRecord?.countyFIPS == city)
    }

    @Test(arguments: [
        ("CT", "Fairfield", "09001"), ("CT", "Hartford County", "09003"), ("CT", "09015", "09015"),
        ("CT", "Capitol", "09110"), ("CT", "Capitol Planning Region", "09110"),
        ("CT", "western connecticut planning region", "09190"), ("CT", "09170", "09170"),
    ])
    func connecticutAcceptsOldCountiesAndPlanningRegions(state: String, text: String, fips: String) {
        let result = validate(ExportRow(state: state, county: text))
        #expect(result.issues.isEmpty)
        #expect(result.caseRecord?.countyFIPS == fips)
    }

    @Test(arguments: [
        ("TX", "Los Angeles"), ("CA", "48201"), ("CA", "Harris"), ("CA", "Nowhere"), ("CA", "99999"), ("CA", "6037"),
        ("CA", "Los Angeles Parish"), ("VA", "Fairfax town"), ("NY", "Orleans Parish"), ("MD", "Fairfax city"),
    ])
    func aCountyNotInTheRowsStateIsRejected(state: String, text: String) {
        #expect(rejected(ExportRow(state: state, county: text)) == ["county"])
    }

    @Test func anEmptyCountyIsNotRecorded() {
        let result = validate(ExportRow(county: "  "))
        #expect(result.isValid)
        #expect(result.caseRecord?.countyFIPS == nil)
    }

    @Test func theStoredCountyIsTheResolvedFIPSCode() throws {
        let harness = try ImportHarness()
        let summary = try harness.importRows([
            ExportRow(caseID: "F-1", state: "Virginia", county: "Fairfax"),
            ExportRow(caseID: "F-2", state: "VA", county: "Fairfax city"),
            ExportRow(caseID: "F-3", state: "ct", county: "Naugatuck Valley Planning Region"),
            ExportRow(caseID: "F-4", state: "CT", county: "New Haven County"),
        ])
        #expect(summary.outcome == .imported)
        #expect(try harness.field("county_fips", ofCase: "F-1") == "51059")
        #expect(try harness.field("county_fips", ofCase: "F-2") == "51600")
        #expect(try harness.field("county_fips", ofCase: "F-3") == "09140")
        #expect(try harness.field("county_fips", ofCase: "F-4") == "09009")
        #expect(try harness.field("state", ofCase: "F-3") == "CT")
    }

    // MARK: City and identifiers

    @Test func aCityIsTrimmedAndKeepsItsInnerSpacing() {
        #expect(validate(ExportRow(city: "  San  Jose \t")).caseRecord?.city == "San  Jose")
        #expect(validate(ExportRow(city: " ")).caseRecord?.city == nil)
    }

    @Test func aCityMayHave128CharactersButNotMore() {
        #expect(validate(ExportRow(city: String(repeating: "a", count: 128))).isValid)
        #expect(validate(ExportRow(city: String(repeating: "é", count: 128))).isValid)
        #expect(rejected(ExportRow(city: String(repeating: "a", count: 129))) == ["city"])
        #expect(rejected(ExportRow(city: String(repeating: "é", count: 129))) == ["city"])
    }

    /// C0 controls, DEL and C1 controls (U+0080 to U+009F) are refused in a city and an identifier; the characters
    /// around them in UTF-8 (U+00A0, U+00C2 "Â" followed by ASCII, U+0100, emoji) are not.
    @Test(arguments: ["\u{1}", "\u{1F}", "\u{7F}", "\u{80}", "\u{85}", "\u{9F}", "\u{0}"])
    func aControlCharacterIsRefusedInACityAndAnID(control: String) {
        #expect(rejected(ExportRow(city: "San\(control)Jose")) == ["city"])
        #expect(rejected(ExportRow(caseID: "C\(control)1")) == ["case_id"])
        #expect(rejected(ExportRow(victimID: "V\(control)1")) == ["victim_id"])
    }

    @Test(arguments: ["\u{A0}", "Â", "Â\u{7E}", "\u{100}", "é", "\u{1F600}", "~"])
    func charactersNextToTheControlRangesAreAccepted(text: String) {
        #expect(validate(ExportRow(city: "San\(text)Jose")).isValid, "\(text.unicodeScalars.map(\.value))")
        #expect(validate(ExportRow(caseID: "C\(text)1")).isValid)
    }

    @Test func aCaseIDMayHave64CharactersButNotMore() {
        let longest = String(repeating: "c", count: 64)
        #expect(validate(ExportRow(caseID: longest)).caseRecord?.caseRef == longest)
        #expect(validate(ExportRow(caseID: " \(longest) ")).caseRecord?.caseRef == longest)
        #expect(rejected(ExportRow(caseID: longest + "c")) == ["case_id"])
        // Characters, not bytes: 64 two-byte characters are allowed, 65 are not.
        #expect(validate(ExportRow(caseID: String(repeating: "é", count: 64))).isValid)
        #expect(rejected(ExportRow(caseID: String(repeating: "é", count: 65))) == ["case_id"])
    }

    @Test func aVictimIDMayHave64CharactersButNotMore() {
        let longest = String(repeating: "v", count: 64)
        #expect(validate(ExportRow(victimID: longest)).victim?.ref == longest)
        #expect(rejected(ExportRow(victimID: longest + "v")) == ["victim_id"])
    }

    // MARK: Dates

    @Test(arguments: [("2020-02-29", 2020), ("2000-02-29", 2000), ("2000-01-01", 2000), ("2024-06-30", 2024),
                      ("2023-12-31", 2023), (" 2021-03-04 ", 2021)])
    func aRealCalendarDateFrom2000ToTodayIsAccepted(text: String, year: Int) {
        let result = validate(ExportRow(reportedOn: text))
        #expect(result.issues.isEmpty)
        #expect(result.caseRecord?.reportedOn == text.trimmingCharacters(in: .whitespaces))
        #expect(result.caseRecord?.year == year)
    }

    @Test(arguments: ["2021-02-29", "2023-02-29", "2021-04-31", "2021-06-31", "2021-13-01", "2021-00-10",
                      "2021-01-00", "2021-01-32"])
    func anImpossibleDateIsRejected(text: String) {
        #expect(rejected(ExportRow(reportedOn: text)) == ["reported_on"])
    }

    @Test(arguments: ["1999-12-31", "1900-02-28", "2024-07-01", "2025-01-01", "9999-12-31"])
    func aDateBefore2000OrAfterTodayIsRejected(text: String) {
        #expect(rejected(ExportRow(reportedOn: text)) == ["reported_on"])
    }

    @Test func theLatestDateIsTheGivenToday() throws {
        let earlier = try RowValidator(profile: .hotline, geography: try ImportHarness.sharedGeography.get(),
                                       today: (2021, 3, 3))
        #expect(earlier.validate(rawRow(ExportRow(reportedOn: "2021-03-03"))).isValid)
        #expect(earlier.validate(rawRow(ExportRow(reportedOn: "2021-03-04"))).issues.map(\.column) == ["reported_on"])
    }

    @Test(arguments: ["2021/03/04", "03/04/2021", "04-03-2021", "20210304", "2021-03-04T10:00", "2021-03-04 10:00",
                      "21-03-04", "2021-03", "March 4, 2021", "２０２１-03-04", "2021-03-04x", "+2021-03-04"])
    func aDateInAnotherFormatIsRejected(text: String) {
        #expect(rejected(ExportRow(reportedOn: text)) == ["reported_on"])
    }

    // MARK: Age

    @Test(arguments: [("0", 0, AgeGroup.minor), ("17", 17, .minor), ("18", 18, .adult), ("120", 120, .adult),
                      (" 42 ", 42, .adult)])
    func aWholeAgeFrom0To120IsAcceptedAndDecidesAnEmptyAgeGroup(text: String, age: Int, group: AgeGroup) {
        let result = validate(ExportRow(age: text))
        #expect(result.issues.isEmpty)
        #expect(result.victim?.age == age)
        #expect(result.victim?.ageGroup == group)
    }

    @Test(arguments: ["-1", "121", "17.5", "abc", "1e2", "+5", "1 7", "18.0", "999", "0x10", "٣"])
    func anAgeThatIsNotAWholeNumberFrom0To120IsRejected(text: String) {
        #expect(rejected(ExportRow(age: text)) == ["victim_age"])
    }

    @Test func anAgeAndAnAgeGroupThatAgreeAreAccepted() {
        #expect(validate(ExportRow(ageGroup: "Minor", age: "17")).victim?.ageGroup == .minor)
        #expect(validate(ExportRow(ageGroup: "adults", age: "18")).victim?.ageGroup == .adult)
    }

    @Test(arguments: [("Minor", "18"), ("Adult", "17"), ("child", "40"), ("adults", "0")])
    func anAgeAndAnAgeGroupThatDisagreeAreRejected(group: String, age: String) {
        let columns = rejected(ExportRow(ageGroup: group, age: age))
        #expect(columns.count == 1)
        #expect(columns.allSatisfy { $0 == "victim_age_group" || $0 == "victim_age" })
    }

    @Test func anUnknownAgeGroupWithAnAgeTakesTheAgesGroup() {
        #expect(validate(ExportRow(ageGroup: "Unknown", age: "12")).victim?.ageGroup == .minor)
    }

    @Test func anAgeDecidesTheStoredGroup() throws {
        let harness = try ImportHarness()
        let summary = try harness.importRows([
            ExportRow.victim("A-1", age: "9"), ExportRow.victim("A-1", age: "18"), ExportRow.victim("A-1", age: "70"),
        ])
        #expect(summary.outcome == .imported)
        #expect(try harness.victims(of: "A-1").map { [$0[3], $0[4]] } == [["minor", 9], ["adult", 18], ["adult", 70]])
    }

    // MARK: Victim columns

    @Test func aRowWhoseVictimColumnsAreAllEmptyHasNoVictim() {
        let result = validate(ExportRow(victimID: " ", gender: "", ageGroup: "\t", age: "", citizenship: " "))
        #expect(result.isValid)
        #expect(result.victim == nil)
    }

    @Test(arguments: [ExportRow(victimID: "V"), ExportRow(gender: "M"), ExportRow(ageGroup: "Adult"),
                      ExportRow(age: "30"), ExportRow(citizenship: "LPR")])
    func anyVictimValueMakesAVictim(row: ExportRow) {
        let result = validate(row)
        #expect(result.isValid)
        #expect(result.victim != nil)
    }

    @Test func everyProblemOfARowIsReported() {
        let columns = rejected(ExportRow(reportedOn: "2021-02-30", state: "ZZ", type: "x", venues: "y", gender: "z",
                                         age: "200", citizenship: "w"))
        #expect(Set(columns) == ["reported_on", "state", "trafficking_type", "venues", "victim_gender", "victim_age",
                                 "victim_citizenship"])
    }

    // MARK: Where problems are reported

    @Test func aProblemIsReportedAtItsFileLineAndHeaderName() throws {
        let harness = try ImportHarness()
        let text = "Case_ID,Reported_On,STATE,County,trafficking_type,victim_age\n"
            + "P-1,2021-01-01,CA,,Sex,\n"
            + "P-2,2021-01-01,TX,Los Angeles,Sex,\n"
            + "P-3,2021-02-30,CA,,Sex,130\n"
        let path = try harness.write("where.csv", text)
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(summary.issueCount == 3)
        #expect(harness.log.issues.count == 3)
        #expect(harness.issueLocations(in: path)
            == [IssueLocation(3, "County"), IssueLocation(4, "Reported_On"), IssueLocation(4, "victim_age")])
    }
}

extension ExportRow: CustomTestStringConvertible {
    var testDescription: String { csvLine(fields) }
}
