import CaseStore
import Testing

@Suite("Date formats")
struct DateFormatTests {
    @Test func theSpecFormatIsStrictYYYYMMDD() {
        let iso = DateFormat.iso
        #expect(iso.parse("2021-03-04")! == (2021, 3, 4))
        for bad in ["2021-3-4", "2021-03-4", "21-03-04", "2021-03-04 ", "2021/03/04", "2021-13-01", "2021-00-10",
                    "2021-02-29", "2021-04-31", "", "２０２１-03-04"] {
            #expect(iso.parse(bad) == nil, "\(bad) should not parse")
        }
        #expect(iso.parse("2020-02-29")! == (2020, 2, 29))
        #expect(iso.parse("2000-02-29")! == (2000, 2, 29))
        #expect(iso.parse("1900-02-29") == nil)
    }

    @Test func singleLetterFieldsTakeOneOrTwoDigits() throws {
        let us = try DateFormat("M/d/yyyy")
        #expect(us.parse("3/4/2019")! == (2019, 3, 4))
        #expect(us.parse("03/04/2019")! == (2019, 3, 4))
        #expect(us.parse("3/4/19") == nil)
        let padded = try DateFormat("MM/dd/yyyy")
        #expect(padded.parse("3/4/2019") == nil)
        #expect(padded.format(year: 2019, month: 3, day: 4) == "03/04/2019")
        #expect(us.format(year: 2019, month: 3, day: 4) == "3/4/2019")
    }

    @Test func badPatternsAreRefused() {
        for pattern in ["yyyy-MM", "dd/MM/yy", "yyyy-MM-dd-dd", "", "yyyy-MM-dd é"] {
            #expect(throws: DateFormat.InvalidPattern.self) { try DateFormat(pattern) }
        }
    }
}

@Suite("Rows of a rejected case")
struct RejectedCaseRowsTests {
    @Test func laterRowsOfARejectedCaseStillReportTheirOwnProblems() throws {
        let harness = try ImportHarness()
        var bad = ExportRow.victim("C-1", age: "200")
        bad.caseID = "C-1"
        var worse = ExportRow.victim("C-1", gender: "Alien")
        worse.caseID = "C-1"
        let path = try harness.write("two.csv", csvText([bad, worse]))
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path).map(\.line) == [2, 3])
    }
}
