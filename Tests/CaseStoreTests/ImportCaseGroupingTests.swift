import CaseStore
import Foundation
import SQLite
import Testing

extension ReportedIssue {
    /// Whether the message mentions `number` (to check that an error names a line, whatever its wording).
    func mentions(_ number: Int) -> Bool {
        message.split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }.contains(number)
    }
}

/// The spec's "Rows" rules: one row per victim, cases grouped wherever their rows are, case columns agreeing,
/// victims identified by victim_id or position.
@Suite("Import: rows and cases")
struct ImportCaseGroupingTests {
    let harness: ImportHarness
    init() throws { harness = try ImportHarness() }

    @Test func rowsOfACaseNeedNotBeAdjacent() throws {
        let summary = try harness.importRows([
            ExportRow.victim("G-1", id: "a", age: "30"),   // line 2
            ExportRow(caseID: "G-2"),                      // line 3
            ExportRow.victim("G-3", gender: "Male"),       // line 4
            ExportRow.victim("G-1", id: "b", age: "12"),   // line 5
            ExportRow.victim("G-3", gender: "Female"),     // line 6
            ExportRow.victim("G-1", id: "c"),              // line 7
        ])
        #expect(summary.outcome == .imported)
        #expect(summary.counts == SummaryCounts(read: 6, imported: 6, rejected: 0, cases: 3, victims: 5))
        #expect(try harness.caseRefs() == ["G-1", "G-2", "G-3"])
        #expect(try harness.field("source_line", ofCase: "G-1") == 2)
        #expect(try harness.victims(of: "G-1").map { [$0[0], $0[1], $0[6]] }
            == [[1, "a", 2], [2, "b", 5], [3, "c", 7]])
        #expect(try harness.victims(of: "G-3").map { [$0[0], $0[2], $0[6]] }
            == [[1, "male", 4], [2, "female", 6]])
    }

    @Test func victimsWithoutVictimIDGetTheirPositionAmongTheirCasesRows() throws {
        let summary = try harness.importRows([
            ExportRow.victim("P-1", gender: "F"),
            ExportRow.victim("P-1", gender: "M"),
            ExportRow.victim("P-2", gender: "F"),
            ExportRow.victim("P-1", gender: "Transgender"),
        ])
        #expect(summary.outcome == .imported)
        #expect(try harness.victims(of: "P-1").map { [$0[0], $0[1], $0[2]] }
            == [[1, nil, "female"], [2, nil, "male"], [3, nil, "gender_minority"]])
        #expect(try harness.victims(of: "P-2").map { [$0[0], $0[1]] } == [[1, nil]])
    }

    @Test func aRowWithNoVictimDetailAddsNoVictimNorAPosition() throws {
        let summary = try harness.importRows([
            ExportRow(caseID: "E-1"),
            ExportRow(caseID: "E-2"),
            ExportRow.victim("E-2", gender: "Girl"),
            ExportRow(caseID: "E-2", victimID: " ", gender: "", ageGroup: "  "),
            ExportRow.victim("E-2", gender: "Boy"),
        ])
        #expect(summary.outcome == .imported)
        #expect(summary.counts == SummaryCounts(read: 5, imported: 5, rejected: 0, cases: 2, victims: 2))
        #expect(try harness.victims(of: "E-1").isEmpty)
        #expect(try harness.victims(of: "E-2").map { [$0[0], $0[2], $0[6]] } == [[1, "female", 4], [2, "male", 6]])
    }

    @Test func rowsThatSpellTheSameCaseValuesDifferentlyAgree() throws {
        let summary = try harness.importRows([
            ExportRow(caseID: "S-1", state: "CA", county: "Los Angeles", type: "Sex", venues: "Hotel/Motel;Online Ads"),
            ExportRow(caseID: "S-2"),
            ExportRow(caseID: "S-1", state: "california", county: "06037", type: "sex trafficking",
                      venues: "online_ad; Hotels/Motels; Hotel/Motel"),
        ])
        #expect(summary.outcome == .imported)
        #expect(try harness.venues(of: "S-1") == ["hotel_motel", "online_ad"])
    }

    /// Each case column, the value of the first row, and a different value for a later row.
    static let disagreements: [(String, ExportRow, ExportRow)] = [
        ("reported_on", ExportRow(caseID: "D-1"), ExportRow(caseID: "D-1", reportedOn: "2021-03-05")),
        ("state", ExportRow(caseID: "D-1"), ExportRow(caseID: "D-1", state: "NV")),
        ("county", ExportRow(caseID: "D-1", county: "Orange"), ExportRow(caseID: "D-1", county: "Kern")),
        ("county", ExportRow(caseID: "D-1", county: "Orange"), ExportRow(caseID: "D-1")),
        ("city", ExportRow(caseID: "D-1", city: "Irvine"), ExportRow(caseID: "D-1", city: "Anaheim")),
        ("city", ExportRow(caseID: "D-1"), ExportRow(caseID: "D-1", city: "Anaheim")),
        ("trafficking_type", ExportRow(caseID: "D-1", type: "Sex"), ExportRow(caseID: "D-1", type: "Sex and Labor")),
        ("venues", ExportRow(caseID: "D-1", venues: "Hotel/Motel"),
         ExportRow(caseID: "D-1", venues: "Hotel/Motel;Truck Stop")),
    ]

    @Test(arguments: disagreements)
    func caseColumnsThatDisagreeAreAnErrorNamingBothLines(column: String, first: ExportRow, later: ExportRow) throws {
        // Adjacent (lines 2 and 3) and not adjacent (lines 2 and 4).
        for rows in [[first, later, ExportRow(caseID: "D-2")], [first, ExportRow(caseID: "D-2"), later]] {
            let path = try harness.write("disagree.csv", csvText(rows))
            let summary = try harness.importFile(path)
            #expect(summary.outcome == .failed)
            let laterLine = rows.lastIndex { $0.fields == later.fields }! + 2
            let issues = harness.issues(in: path)
            #expect(issues.map(\.location) == [IssueLocation(laterLine, column)])
            #expect(issues.first?.mentions(2) == true, "the first line of the case is named")
            #expect(try harness.count("cases") == 0)
        }
    }

    @Test func aDisagreeingCaseIsRejectedWholeUnderSkip() throws {
        let path = try harness.write("disagree.csv", csvText([
            ExportRow.victim("D-1", id: "a"),
            ExportRow(caseID: "D-2"),
            ExportRow(caseID: "D-1", city: "Elsewhere", victimID: "b"),
            ExportRow.victim("D-1", id: "c"),
        ]))
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.outcome == .imported)
        #expect(summary.counts == SummaryCounts(read: 4, imported: 1, rejected: 3, cases: 1, victims: 0))
        #expect(harness.issueLocations(in: path) == [IssueLocation(4, "city")])
        #expect(try harness.caseRefs() == ["D-2"])
        #expect(try harness.count("victims") == 0)
    }

    @Test func aVictimIDRepeatedWithinACaseIsAnErrorNamingBothLines() throws {
        for rows in [[ExportRow.victim("R-1", id: "V1"), ExportRow.victim("R-1", id: "V1"), ExportRow(caseID: "R-2")],
                     [ExportRow.victim("R-1", id: "V1"), ExportRow(caseID: "R-2"), ExportRow.victim("R-1", id: " V1 ")]] {
            let path = try harness.write("repeat.csv", csvText(rows))
            let summary = try harness.importFile(path)
            #expect(summary.outcome == .failed)
            let issues = harness.issues(in: path)
            let line = rows[1].caseID == "R-1" ? 3 : 4
            #expect(issues.map(\.location) == [IssueLocation(line, "victim_id")])
            #expect(issues.first?.mentions(2) == true)
            #expect(try harness.count("cases") == 0)
            #expect(try harness.count("victims") == 0)
        }
    }

    @Test func theSameVictimIDInDifferentCasesIsAccepted() throws {
        let summary = try harness.importRows([
            ExportRow.victim("R-1", id: "V1"), ExportRow.victim("R-2", id: "V1"), ExportRow.victim("R-1", id: "V2"),
        ])
        #expect(summary.outcome == .imported)
        #expect(try harness.victims(of: "R-1").map(\.[1]) == ["V1", "V2"])
        #expect(try harness.victims(of: "R-2").map(\.[1]) == ["V1"])
    }

    @Test func anEmptyVictimIDMayRepeat() throws {
        let summary = try harness.importRows([
            ExportRow.victim("R-1", gender: "F"), ExportRow.victim("R-1", gender: "F"),
        ])
        #expect(summary.outcome == .imported)
        #expect(try harness.victims(of: "R-1").count == 2)
    }

    @Test func aCaseIDIsTrimmedBeforeRowsAreGrouped() throws {
        let summary = try harness.importRows([
            ExportRow.victim("T-1", id: "a"), ExportRow.victim("  T-1 ", id: "b"),
        ])
        #expect(summary.outcome == .imported)
        #expect(try harness.caseRefs() == ["T-1"])
        #expect(try harness.victims(of: "T-1").count == 2)
    }
}

@Suite("Import: where row conflicts are reported")
struct ImportConflictLocationTests {
    let harness: ImportHarness
    init() throws { harness = try ImportHarness() }

    /// A conflict between rows is reported under the file's own header spelling, like any other problem.
    @Test func aConflictNamesTheColumnAsTheFileSpellsIt() throws {
        let text = "CASE_ID,Reported_On,State,Trafficking_Type,City,Victim_ID\n"
            + "K-1,2021-01-01,CA,Sex,Fresno,a\n"
            + "K-1,2021-01-01,CA,Sex,Visalia,b\n"
            + "K-2,2021-01-01,CA,Sex,,a\n"
            + "K-2,2021-01-01,CA,Sex,,a\n"
        let path = try harness.write("conflicts.csv", text)
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.counts == SummaryCounts(read: 4, imported: 0, rejected: 4, cases: 0, victims: 0))
        #expect(harness.issueLocations(in: path) == [IssueLocation(3, "City"), IssueLocation(5, "Victim_ID")])

        _ = try harness.importRows([ExportRow(caseID: "K-3")], name: "earlier.csv")
        let again = try harness.write("again.csv", "Case_Id,reported_on,state,trafficking_type\nK-3,2021-01-01,CA,\n")
        #expect(try harness.importFile(again).outcome == .failed)
        #expect(harness.issueLocations(in: again) == [IssueLocation(2, "Case_Id")])
    }
}
