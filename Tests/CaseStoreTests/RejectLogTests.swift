@testable import CaseStore
import Foundation
import SQLite
import Testing

@Suite("Reject log: rejected lines and cases, and cases set aside, outside memory")
struct RejectLogTests {
    let folder: TemporaryDirectory
    let db: Connection

    init() throws {
        folder = try TemporaryDirectory()
        db = try CaseDatabase.openForWriting(at: folder.path("cases.db")).connection
        try RejectLog.createTables(db)
    }

    @Test func aCaseIsRejectedOnceAndFoundAgainBeyondTheCachedOnes() throws {
        let log = try RejectLog(db)
        #expect(log.isEmpty)
        #expect(try !log.isRejected("A"))
        #expect(try log.rejectCase("A", line: 7))
        #expect(try !log.rejectCase("A", line: 9))  // the first line stays
        #expect(try log.firstLine(ofCase: "A") == 7)
        #expect(!log.isEmpty)
        // Past the cached ones, the table answers.
        for index in 0..<(RejectLog.cachedCases + 10) {
            _ = try log.rejectCase("C\(index)", line: 100 + index)
        }
        let last = "C\(RejectLog.cachedCases + 9)"
        #expect(try log.isRejected(last))
        #expect(try log.firstLine(ofCase: last) == 100 + RejectLog.cachedCases + 9)
        #expect(try log.isRejected("C0"))
        #expect(try !log.isRejected("C\(RejectLog.cachedCases + 10)"))
        #expect(try !log.isRejected("B"))
        try log.clear()
        #expect(log.isEmpty)
        #expect(try !log.isRejected("A"))
        #expect(try !log.isRejected(last))
        #expect(try db.scalarInt("SELECT count(*) FROM temp.htdb_rejected_cases") == 0)
    }

    @Test func lineReasonsAreJoinedAndReadInOrderOrAgain() throws {
        let log = try RejectLog(db)
        try log.rejectLine(5, reason: "victim_age: not a number")
        try log.rejectLine(3, reason: "state: unknown")
        try log.rejectLine(5, reason: "victim_gender: unknown")
        try log.rejectLine(9, reason: "case_id: empty")
        let reasons = try (1...10).map { try log.reason(ofLine: $0) }
        #expect(reasons == [nil, nil, "state: unknown", nil, "victim_age: not a number; victim_gender: unknown", nil,
                            nil, nil, "case_id: empty", nil])
        // Asked again from an earlier line, and skipping lines.
        #expect(try log.reason(ofLine: 3) == "state: unknown")
        #expect(try log.reason(ofLine: 9) == "case_id: empty")
        #expect(try log.reason(ofLine: 4) == nil)
        #expect(try log.reason(ofLine: 5) == "victim_age: not a number; victim_gender: unknown")
        try log.endLineReads()
        #expect(try log.reason(ofLine: 9) == "case_id: empty")
        try log.endLineReads()
    }

    @Test func casesSetAsideComeBackInIdOrderOnce() throws {
        let log = try RejectLog(db)
        try log.setAside(caseRef: "Z", oldID: 30)
        try log.setAside(caseRef: "X", oldID: 4)
        try log.setAside(caseRef: "Y", oldID: 12)
        var seen: [String] = []
        try log.settleSetAside { caseRef, oldID in seen.append("\(caseRef)\(oldID)") }
        #expect(seen == ["X4", "Y12", "Z30"])
        seen = []
        try log.settleSetAside { caseRef, oldID in seen.append("\(caseRef)\(oldID)") }
        #expect(seen.isEmpty)
    }

    @Test func aRolledBackTransactionTakesTheRejectsWithIt() throws {
        let log = try RejectLog(db)
        struct Stop: Error {}
        #expect(throws: Stop.self) {
            try db.transaction(.immediate) {
                try log.rejectLine(2, reason: "r")
                _ = try log.rejectCase("A", line: 2)
                try log.setAside(caseRef: "A", oldID: 1)
                throw Stop()
            }
        }
        #expect(try db.scalarInt("SELECT count(*) FROM temp.htdb_rejected_lines") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM temp.htdb_rejected_cases") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM temp.htdb_replaced_cases") == 0)
        // Not in the database file: only the connection's temporary schema has the tables.
        #expect(try db.scalarInt("SELECT count(*) FROM main.sqlite_schema WHERE name LIKE 'htdb_re%'") == 0)
    }
}

@Suite("Import: more rejected cases than the reject log holds in memory")
struct ManyRejectedCasesTests {
    let harness: ImportHarness

    init() throws {
        harness = try ImportHarness()
    }

    @Test func laterRowsOfEveryRejectedCaseAreRejectedWithIt() throws {
        let rejectedCases = RejectLog.cachedCases + 20
        var lines = [specHeader.joined(separator: ",")]
        for index in 1...rejectedCases {
            lines.append("R\(index),2021-03-04,CA,,,Sex,,v1,Robot,,,")  // invalid gender: the case is rejected
        }
        lines.append("OK1,2021-03-04,CA,,,Sex,,v1,Female,,,")
        // Valid rows of rejected cases, away from their first rows: one among the cached cases, one beyond.
        lines.append("R1,2021-03-04,CA,,,Sex,,v2,Female,,,")
        lines.append("R\(rejectedCases),2021-03-04,CA,,,Sex,,v2,Female,,,")
        lines.append("OK2,2021-03-04,CA,,,Labor,,v1,Male,,,")
        let path = try harness.write("many.csv", lines.joined(separator: "\n") + "\n")
        let rejectsPath = harness.folder.path("many.rejects.csv")
        let summary = try harness.importFile(path) {
            $0.onError = .skip
            $0.rejectsPath = rejectsPath
        }
        #expect(summary.outcome == .imported)
        #expect(summary.rowsRead == rejectedCases + 4)
        #expect(summary.rowsRejected == rejectedCases + 2)
        #expect(summary.casesImported == 2)
        #expect(try harness.caseRefs() == ["OK1", "OK2"])

        let rejects = try String(contentsOfFile: rejectsPath, encoding: .utf8).split(whereSeparator: \.isNewline)
        #expect(rejects.count == 1 + rejectedCases + 2)
        #expect(rejects[1].hasPrefix("2,\"victim_gender: "))
        let firstOfLast = rejectedCases + 1  // R<last>'s first row, on this line
        #expect(rejects[rejects.count - 2]
            == "\(rejectedCases + 3),rejected with its case: line 2 of the same case is invalid,R1,2021-03-04,CA,,,Sex,,v2,Female,,,")
        #expect(rejects[rejects.count - 1]
            == "\(rejectedCases + 4),rejected with its case: line \(firstOfLast) of the same case is invalid,R\(rejectedCases),2021-03-04,CA,,,Sex,,v2,Female,,,")
    }
}

@Suite("Import: --replace of a file with many count combinations")
struct ReplaceManyCombinationsTests {
    let harness: ImportHarness

    init() throws {
        harness = try ImportHarness()
    }

    @Test func theCountTablesStayTheStoredRowsOnesAfterEveryRowIsReplaced() throws {
        // One case per county and year (three years, 1,400 counties): each case and victim its own combinations,
        // every one of them counted for the new case and subtracted for the old one it replaces.
        let counties = try harness.connection.prepare("SELECT state, fips FROM counties ORDER BY fips LIMIT 1400")
            .allRows().map { row -> (String, String) in
                guard case .text(let state) = row[0], case .text(let fips) = row[1] else { return ("", "") }
                return (state, fips)
            }
        #expect(counties.count == 1400)
        func rows(gender: String) -> [ExportRow] {
            counties.enumerated().flatMap { index, county in
                (2019...2021).map { year in
                    ExportRow(caseID: "K\(index)-\(year)", reportedOn: "\(year)-03-04", state: county.0,
                              county: county.1, type: ["Sex", "Labor", "Sex and Labor"][index % 3],
                              victimID: "v1", gender: gender, ageGroup: year == 2020 ? "Minor" : "Adult")
                }
            }
        }
        let first = try harness.importRows(rows(gender: "Female"), name: "first.csv")
        #expect(first.casesImported == 4200)
        let before = try harness.count("case_counts")
        let combinations = try ["case_counts", "state_case_counts", "state_case_venue_counts", "state_victim_counts",
                                "county_case_venue_counts", "case_venue_pair_counts", "venue_victim_counts"]
            .map { try harness.count($0) }.reduce(0, +)
        #expect(combinations > 4 * 1000)
        // Every case again, with other victims: each row is stored one by one (its case exists). The harness
        // compares every count table with the rows after it.
        let second = try harness.importRows(rows(gender: "Male"), name: "second.csv") { $0.replace = true }
        #expect(second.outcome == .imported)
        #expect(second.casesReplaced == 4200)
        #expect(try harness.count("case_counts") == before)
        #expect(try harness.connection.scalarInt("SELECT sum(gender_male) FROM case_counts") == 4200)
        #expect(try harness.connection.scalarInt("SELECT sum(gender_female) FROM case_counts") == 0)
    }
}
