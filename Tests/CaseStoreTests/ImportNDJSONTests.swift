import CaseStore
import Foundation
import SQLite
import Testing

/// The spec's "NDJSON form": one case per line, the same rules and vocabulary, errors naming the line.
@Suite("Import: NDJSON")
struct ImportNDJSONTests {
    let harness: ImportHarness
    init() throws { harness = try ImportHarness() }

    private func write(_ lines: [String], name: String = "export.ndjson") throws -> String {
        try harness.write(name, lines.joined(separator: "\n") + "\n")
    }

    @Test func aValidFileIsStored() throws {
        let path = try write([
            #"{"case_id": "J-1", "reported_on": "2021-07-08", "state": "Texas", "county": "Harris County", "city": "Houston", "trafficking_type": "Sex and Labor", "venues": ["Hotel/Motel", "construction", "hotel_motel"], "victims": [{"victim_id": "a", "gender": "Woman", "age_group": "Adult", "age": 33, "citizenship": "Foreign National"}, {"gender": "M", "age": "12"}]}"#,
            #"{"case_id": 42, "reported_on": "2022-01-02", "state": "ny", "trafficking_type": "Labor"}"#,
        ])
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .imported)
        #expect(summary.counts == SummaryCounts(read: 2, imported: 2, rejected: 0, cases: 2, victims: 2))
        #expect(harness.log.issues.isEmpty)
        #expect(harness.log.warnings.isEmpty)
        #expect(try harness.storedCase("J-1") == ["2021-07-08", 2021, "TX", "48201", "Houston", "sex_and_labor", 1])
        #expect(try harness.venues(of: "J-1") == ["hotel_motel", "construction"])
        #expect(try harness.victims(of: "J-1") == [
            [1, "a", "female", "adult", 33, "foreign_national", 1],
            [2, nil, "male", "minor", 12, "unknown", 1],
        ])
        #expect(try harness.storedCase("42") == ["2022-01-02", 2022, "NY", nil, nil, "labor", 2])
        #expect(try harness.batches().first?.counts
            == BatchCounts(read: 2, imported: 2, rejected: 0, cases: 2, victims: 2, casesNow: 2))
    }

    @Test func absentAndNullFieldsAreEmpty() throws {
        let path = try write([
            #"{"case_id": "N-1", "reported_on": "2021-01-01", "state": "CA", "county": null, "city": null, "trafficking_type": null, "venues": null, "victims": null}"#,
            #"{"case_id": "N-2", "reported_on": "2021-01-01", "state": "CA", "victims": [{"victim_id": null, "gender": null, "age_group": "Minor", "age": null, "citizenship": null}]}"#,
        ])
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .imported)
        #expect(try harness.storedCase("N-1") == ["2021-01-01", 2021, "CA", nil, nil, "not_specified", 1])
        #expect(try harness.venues(of: "N-1").isEmpty)
        #expect(try harness.victims(of: "N-1").isEmpty)
        #expect(try harness.victims(of: "N-2") == [[1, nil, "unknown", "minor", nil, "unknown", 2]])
    }

    @Test func anEmptyVictimsArrayAddsNoVictim() throws {
        let path = try write([
            #"{"case_id": "E-1", "reported_on": "2021-01-01", "state": "CA", "victims": []}"#,
            #"{"case_id": "E-2", "reported_on": "2021-01-01", "state": "CA", "victims": [{}, {"gender": "F"}]}"#,
        ])
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .imported)
        #expect(try harness.caseRefs() == ["E-1", "E-2"])
        #expect(try harness.victims(of: "E-1").isEmpty)
        #expect(try harness.victims(of: "E-2").map { [$0[0], $0[2]] } == [[1, "female"]])
    }

    @Test func requiredFieldsAreRequired() throws {
        let path = try write([#"{"case_id": "R-1", "state": "CA"}"#, #"{"reported_on": "2021-01-01", "state": "CA"}"#])
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(1, "reported_on"), IssueLocation(2, "case_id")])
    }

    /// A case line with `fields` after the required ones (or instead of them where a required key repeats).
    private static func caseLine(_ fields: String, caseID: String = #""T-1""#, state: String = #""CA""#,
                                 date: String = #""2021-01-01""#) -> String {
        #"{"case_id": \#(caseID), "reported_on": \#(date), "state": \#(state)"# + (fields.isEmpty ? "" : ", " + fields)
            + "}"
    }

    static let wrongTypes: [(String, String)] = [
        (caseLine("", state: "6"), "state"),
        (caseLine("", state: "true"), "state"),
        (caseLine("", date: "20210101"), "reported_on"),
        (caseLine("", caseID: "4.5"), "case_id"),
        (caseLine("", caseID: "false"), "case_id"),
        (caseLine(#""city": ["Austin"]"#), "city"),
        (caseLine(#""county": 48201"#), "county"),
        (caseLine(#""trafficking_type": {"code": "sex"}"#), "trafficking_type"),
        (caseLine(#""venues": "Hotel/Motel""#), "venues"),
        (caseLine(#""venues": [7]"#), "venues[0]"),
        (caseLine(#""venues": ["Hotel/Motel", null]"#), "venues[1]"),
        (caseLine(#""victims": {"gender": "F"}"#), "victims"),
        (caseLine(#""victims": ["F"]"#), "victims[0]"),
        (caseLine(#""victims": [{"gender": 1}]"#), "victims[0].gender"),
        (caseLine(#""victims": [{}, {"age": 17.5}]"#), "victims[1].age"),
        (caseLine(#""victims": [{"age": "17"}, {"age": true}]"#), "victims[1].age"),
        (caseLine(#""victims": [{"victim_id": ["a"]}]"#), "victims[0].victim_id"),
    ]

    @Test(arguments: wrongTypes)
    func aValueOfTheWrongJSONTypeIsRejected(line: String, column: String) throws {
        let path = try write([Self.caseLine("", caseID: #""T-0""#), line])
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(2, column)])
        #expect(try harness.count("cases") == 0)
    }

    @Test func aValueOfTheRightJSONTypeIsAccepted() throws {
        let path = try write([Self.caseLine(#""county": "48201", "city": "Austin", "venues": ["Hotel/Motel"], "#
            + #""victims": [{"victim_id": "a", "gender": "F", "age": 17}]"#, state: #""TX""#)])
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .imported)
        #expect(try harness.storedCase("T-1") == ["2021-01-01", 2021, "TX", "48201", "Austin", "not_specified", 1])
    }

    @Test func wholeNumbersAreAcceptedForCaseIDVictimIDAndAge() throws {
        let path = try write([
            #"{"case_id": 7, "reported_on": "2021-01-01", "state": "CA", "victims": [{"victim_id": 1, "age": 0}, {"victim_id": "2", "age": "120"}]}"#,
        ])
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .imported)
        #expect(try harness.victims(of: "7").map { [$0[1], $0[3], $0[4]] } == [["1", "minor", 0], ["2", "adult", 120]])
    }

    @Test func victimValuesAreCheckedAndReportedUnderTheirKeyPath() throws {
        let path = try write([
            #"{"case_id": "V-1", "reported_on": "2021-01-01", "state": "CA", "victims": [{"age": 30}, {"gender": "Robot", "age": 121}]}"#,
        ])
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(Set(harness.issueLocations(in: path).map(\.description)) == ["1:victims[1].gender", "1:victims[1].age"])
    }

    @Test func caseValuesAreCheckedWithTheSameRules() throws {
        let path = try write([
            #"{"case_id": "C-1", "reported_on": "2021-02-29", "state": "CA", "county": "Harris", "trafficking_type": "Sexy", "venues": ["Casino"]}"#,
        ])
        _ = try harness.importFile(path)
        #expect(Set(harness.issueLocations(in: path).map(\.description))
            == ["1:reported_on", "1:county", "1:trafficking_type", "1:venues"])
    }

    @Test func aLineThatIsNotJSONIsAnErrorNamingTheLine() throws {
        let path = try write([
            #"{"case_id": "A", "reported_on": "2021-01-01", "state": "CA"}"#,
            #"{"case_id": "B", "reported_on": "2021-01-01", "state": "CA""#,
            #"["case_id", "C"]"#,
            #"{"case_id": "D", "reported_on": "2021-01-01", "state": "CA"}"#,
        ])
        let aborted = try harness.importFile(path)
        #expect(aborted.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(2), IssueLocation(3)])
        #expect(try harness.count("cases") == 0)

        let skipped = try harness.importFile(path) { $0.onError = .skip }
        #expect(skipped.outcome == .imported)
        #expect(skipped.counts == SummaryCounts(read: 4, imported: 2, rejected: 2, cases: 2, victims: 0))
        #expect(try harness.caseRefs() == ["A", "D"])
    }

    @Test func blankLinesAndCRLFAreAllowedAndLinesArePhysical() throws {
        let text = #"{"case_id": "A", "reported_on": "2021-01-01", "state": "CA"}"# + "\r\n\r\n  \n"
            + #"{"case_id": "B", "reported_on": "2021-01-01", "state": "CA"}"# + "\r\n"
            + #"{"case_id": "C", "reported_on": "2021-01-01", "state": "ZZ"}"#
        let path = try harness.write("export.ndjson", text)
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.counts == SummaryCounts(read: 3, imported: 2, rejected: 1, cases: 2, victims: 0))
        #expect(try harness.field("source_line", ofCase: "B") == 4)
        #expect(harness.issueLocations(in: path) == [IssueLocation(5, "state")])
    }

    @Test func theSameCaseOnTwoLinesIsRejected() throws {
        let lines = [
            #"{"case_id": "D-1", "reported_on": "2021-01-01", "state": "CA", "victims": [{"gender": "F"}]}"#,
            #"{"case_id": "D-2", "reported_on": "2021-01-01", "state": "CA"}"#,
            #"{"case_id": "D-1", "reported_on": "2021-01-01", "state": "CA", "victims": [{"gender": "M"}]}"#,
            #"{"case_id": "D-3", "reported_on": "2021-01-01", "state": "CA"}"#,
            #"{"case_id": "D-3", "reported_on": "2021-01-01", "state": "CA"}"#,
        ]
        let path = try write(lines)
        let aborted = try harness.importFile(path)
        #expect(aborted.outcome == .failed)
        let issues = harness.issues(in: path)
        #expect(issues.map(\.location) == [IssueLocation(3, "case_id"), IssueLocation(5, "case_id")])
        #expect(issues.first?.mentions(1) == true)
        #expect(issues.last?.mentions(4) == true)

        let skipped = try harness.importFile(path) { $0.onError = .skip }
        #expect(skipped.counts == SummaryCounts(read: 5, imported: 1, rejected: 4, cases: 1, victims: 0))
        #expect(try harness.caseRefs() == ["D-2"])
    }

    @Test func aVictimIDRepeatedInACaseIsRejected() throws {
        let path = try write([
            #"{"case_id": "R-1", "reported_on": "2021-01-01", "state": "CA", "victims": [{"victim_id": "v"}, {"victim_id": "v"}]}"#,
            #"{"case_id": "R-2", "reported_on": "2021-01-01", "state": "CA", "victims": [{"victim_id": "v"}, {"victim_id": "w"}]}"#,
        ])
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.counts == SummaryCounts(read: 2, imported: 1, rejected: 1, cases: 1, victims: 2))
        #expect(harness.issueLocations(in: path).map(\.line) == [1])
        #expect(try harness.caseRefs() == ["R-2"])
    }

    @Test func unknownKeysAreWarnedOnceEach() throws {
        let path = try write([
            #"{"case_id": "K-1", "reported_on": "2021-01-01", "state": "CA", "notes": "x", "victims": [{"gender": "F", "name": "x"}]}"#,
            #"{"case_id": "K-2", "reported_on": "2021-01-01", "state": "CA", "notes": null, "victims": [{"name": null}]}"#,
            #"{"case_id": "K-3", "reported_on": "2021-01-01", "state": "CA", "source": 1}"#,
        ])
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .imported)
        #expect(summary.warningCount == 3)
        #expect(harness.warningLocations(in: path)
            == [IssueLocation(1, "notes"), IssueLocation(1, "victims[].name"), IssueLocation(3, "source")])
        #expect(try harness.caseRefs() == ["K-1", "K-2", "K-3"])
    }

    @Test func invalidUTF8IsAnErrorNamingTheLine() throws {
        var bytes = Array(#"{"case_id": "U-1", "reported_on": "2021-01-01", "state": "CA"}"#.utf8) + [0x0A]
        bytes += Array(#"{"case_id": "U-2", "reported_on": "2021-01-01", "state": "NM", "county": "Do"#.utf8)
        bytes += [0xF1] + Array(#"a Ana"}"#.utf8) + [0x0A]
        let path = try harness.write("latin1.ndjson", bytes: bytes)
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.counts == SummaryCounts(read: 2, imported: 1, rejected: 1, cases: 1, victims: 0))
        #expect(harness.issueLocations(in: path) == [IssueLocation(2)])
    }

    @Test func theRejectsFileHoldsTheLineItsErrorAndTheJSON() throws {
        let bad = #"{"case_id": "B", "reported_on": "2021-01-01", "state": "CA", "victims": [{"age": -1}]}"#
        let path = try write([#"{"case_id": "A", "reported_on": "2021-01-01", "state": "CA"}"#, bad])
        let summary = try harness.importFile(path) { $0.onError = .skip }
        let rejectsPath = try #require(summary.rejectsPath)
        let records = parseCSV(try String(contentsOfFile: rejectsPath, encoding: .utf8))
        #expect(records.first == ["line", "error", "json"])
        #expect(records.count == 2)
        #expect(records.last?[0] == "2")
        #expect(records.last?[1].isEmpty == false)
        #expect(records.last?[2] == bad)
    }

    @Test func aLeadingByteOrderMarkIsSkipped() throws {
        let path = try harness.write("bom.ndjson", "\u{FEFF}" + #"{"case_id": "B-1", "reported_on": "2021-01-01", "state": "CA"}"# + "\n")
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .imported)
        #expect(harness.log.issues.isEmpty)
        #expect(try harness.caseRefs() == ["B-1"])
    }
}
