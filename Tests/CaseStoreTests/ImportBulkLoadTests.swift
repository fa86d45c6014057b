import CaseStore
import Foundation
import SQLite
import Testing

/// The bulk-load paths of the importer: multi-row INSERTs with a row-by-row replay when a staged row conflicts,
/// and a user's indexes on cases set aside during a large load and built again in the same transaction.
@Suite("Import: multi-row inserts and the index set aside")
struct ImportBulkLoadTests {
    let harness: ImportHarness

    init() throws {
        harness = try ImportHarness()
        // The schema has no index on cases of its own since migration 0013; users may make one.
        try harness.connection.execute("CREATE INDEX cases_by_city ON cases (city, year)")
    }

    private func userIndexSQL() throws -> String? {
        let rows = try harness.connection.prepare(
            "SELECT sql FROM sqlite_schema WHERE type = 'index' AND name = 'cases_by_city'").allRows()
        if case .text(let sql)? = rows.first?.first { return sql }
        return nil
    }

    /// `count` cases, case i with 1 + i % 3 victims, each victim with its own victim_id.
    private func cases(_ count: Int, prefix: String = "K", year: Int = 2021) -> [ExportRow] {
        (0..<count).flatMap { index in
            (0..<(1 + index % 3)).map { victim in
                var row = ExportRow.victim("\(prefix)-\(index)", id: "v\(victim)", gender: victim == 0 ? "Male" : "Female")
                row.reportedOn = "\(year)-05-0\(1 + index % 9)"
                row.venues = index % 2 == 0 ? "Hotel/Motel" : ""
                return row
            }
        }
    }

    @Test func theIndexIsBuiltAgainAfterALargeLoadAndKeptWhenTheLoadFails() throws {
        let before = try #require(try userIndexSQL())
        let loaded = try harness.importRows(cases(600), name: "big.csv")
        #expect(loaded.outcome == .imported)
        #expect(try userIndexSQL() == before)
        #expect(try DatabaseCheck.run(harness.connection).isOK)

        var failing = cases(300, prefix: "F")
        failing[150].gender = "Robot"
        let failed = try harness.importRows(failing, name: "failing.csv")
        #expect(failed.outcome == .failed)
        #expect(try userIndexSQL() == before)
        #expect(try harness.count("cases") == 600)

        // A small file next to many stored cases keeps the index as it is.
        let small = try harness.importRows(cases(3, prefix: "S"), name: "small.csv")
        #expect(small.outcome == .imported)
        #expect(try userIndexSQL() == before)
    }

    private func triggerSQL() throws -> [SQLValue] {
        try harness.connection.prepare(
            "SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'victims' ORDER BY name").allRows()
            .map { $0[0] }
    }

    /// The triggers that keep a victim_ref unique in its case (migration 8) are set aside for each file's
    /// transaction, which checks the rule itself, and are back after it: imported, failed, dry run; they then hold
    /// for other writers again.
    @Test func theVictimRefTriggersAreBackAfterEveryImport() throws {
        let before = try triggerSQL()
        #expect(before.count == 2)
        #expect(try harness.importRows(cases(600), name: "big.csv").outcome == .imported)
        #expect(try triggerSQL() == before)
        var failing = cases(300, prefix: "F")
        failing[150].gender = "Robot"
        #expect(try harness.importRows(failing, name: "failing.csv").outcome == .failed)
        #expect(try triggerSQL() == before)
        #expect(try harness.importRows(cases(5, prefix: "D"), name: "dry.csv") { $0.dryRun = true }.outcome == .dryRun)
        #expect(try triggerSQL() == before)
        #expect(try harness.importRows(cases(3, prefix: "S"), name: "small.csv").outcome == .imported)
        #expect(try triggerSQL() == before)
        let id = try #require(try harness.connection.scalarInt("SELECT id FROM cases WHERE case_ref = 'K-2'"))
        #expect(throws: SQLiteError.self) {
            try harness.connection.execute(
                "INSERT INTO victims (case_id, position, victim_ref, source_line) VALUES (\(id), 99, 'v0', 1)")
        }
    }

    /// A victim_id repeated where the import checks it without the database's help: in a case continued row by row
    /// (its rows not adjacent), then in rows staged after it; in one NDJSON line; and a case whose adjacent rows
    /// follow a row stored row by row. Each repeat rejects its case, reported on its line, nothing else.
    @Test func aRepeatedVictimIdIsFoundOnEveryPath() throws {
        var rows = cases(40)
        // K-5 (three victims) gets a row after K-6 repeating v1: stored row by row, found in the database.
        var late = try #require(rows.first { $0.caseID == "K-5" })
        late.victimID = "v1"
        let lateAt = try #require(rows.firstIndex { $0.caseID == "K-7" })
        rows.insert(late, at: lateAt)
        // K-8 (three victims) gets a row after K-9 with a new id, then one adjacent to it repeating v0: the adjacent
        // row follows a row stored row by row, whose case's references this thread does not hold.
        var again = try #require(rows.first { $0.caseID == "K-8" })
        again.victimID = "v3"
        var repeatAgain = again
        repeatAgain.victimID = "v0"
        let againAt = try #require(rows.firstIndex { $0.caseID == "K-10" })
        rows.insert(contentsOf: [again, repeatAgain], at: againAt)
        let summary = try harness.importRows(rows, name: "paths.csv") { $0.onError = .skip }
        #expect(summary.outcome == .imported)
        #expect(harness.issueLocations(in: harness.folder.path("paths.csv"))
                    == [IssueLocation(lateAt + 2, "victim_id"), IssueLocation(againAt + 3, "victim_id")])
        #expect(try harness.victims(of: "K-5").isEmpty)
        #expect(try harness.victims(of: "K-8").isEmpty)
        #expect(try harness.victims(of: "K-4").map(\.[1]) == ["v0", "v1"])
        #expect(summary.casesImported == 38)
        #expect(try DatabaseCheck.run(harness.connection).isOK)
    }

    /// The load runs with CHECK constraints ignored: values at the edge of every CHECK are stored (both the
    /// multi-row and the row-by-row path: the second case's rows are not adjacent) and SQLite's own
    /// `integrity_check` finds them within the constraints (the harness also runs `quick_check` after each import).
    @Test func valuesAtTheEdgeOfEveryCheckAreStoredAndPassSQLitesCheck() throws {
        var rows: [ExportRow] = []
        for (index, age) in ["0", "17", "18", "120", ""].enumerated() {
            var row = ExportRow.victim(String(repeating: "é", count: 64), id: String(repeating: "ü", count: 63) + "\(index)")
            row.reportedOn = "2020-02-29"
            row.city = String(repeating: "ñ", count: 128)
            row.age = age
            row.ageGroup = age.isEmpty ? "Minor" : ""
            rows.append(row)
        }
        var other = ExportRow.victim("K-2", id: "a")
        other.reportedOn = "2000-12-31"
        rows.insert(other, at: 2)
        rows.append(other)
        rows[rows.count - 1].victimID = "b"
        let summary = try harness.importRows(rows, name: "edges.csv")
        #expect(summary.outcome == .imported)
        #expect(summary.victimsImported == 7)
        #expect(try DatabaseCheck.run(harness.connection).isOK)
        let ages = try harness.connection.prepare(
            "SELECT age, age_group FROM victims ORDER BY position, case_id").allRows()
        #expect(ages.count == 7)
        #expect(ages.contains([.integer(120), .text("adult")]) && ages.contains([.integer(0), .text("minor")]))
    }

    @Test func everyRowOfManyFlushesIsStoredWithItsPosition() throws {
        let rows = cases(1000)
        let summary = try harness.importRows(rows, name: "many.csv")
        #expect(summary.outcome == .imported)
        #expect(summary.casesImported == 1000)
        #expect(summary.victimsImported == rows.count)
        let positions = try harness.connection.prepare(
            "SELECT count(*), sum(position), max(position) FROM victims").allRows()
        // Case i has victims 1 ... 1 + i % 3.
        let expectedSum = (0..<1000).reduce(0) { sum, index in sum + (1...(1 + index % 3)).reduce(0, +) }
        #expect(positions == [[.integer(Int64(rows.count)), .integer(Int64(expectedSum)), .integer(3)]])
        let lines = try harness.connection.prepare(
            "SELECT min(source_line), max(source_line) FROM victims").allRows()
        #expect(lines == [[.integer(2), .integer(Int64(rows.count + 1))]])
        #expect(try DatabaseCheck.run(harness.connection).isOK)
    }

    @Test func aConflictDeepInAFileIsFoundByTheReplayAndOnlyItsCaseIsRejected() throws {
        _ = try harness.importRows([ExportRow.victim("K-700", id: "old")], name: "earlier.csv")
        let rows = cases(1000)
        let summary = try harness.importRows(rows, name: "later.csv") { $0.onError = .skip }
        #expect(summary.outcome == .imported)
        #expect(summary.casesImported == 999)
        let firstLine = 2 + (0..<700).reduce(0) { $0 + 1 + $1 % 3 }
        #expect(harness.issueLocations(in: harness.folder.path("later.csv")) == [IssueLocation(firstLine, "case_id")])
        #expect(try harness.victims(of: "K-700").map(\.[1]) == ["old"])
        #expect(try DatabaseCheck.run(harness.connection).isOK)
    }

    @Test func aVictimIdRepeatedInAStagedCaseIsReportedOnItsLine() throws {
        var rows = cases(400)
        // Case 301 has two victims (v0, v1); make the second repeat the first.
        let index = try #require(rows.firstIndex { $0.caseID == "K-301" && $0.victimID == "v1" })
        rows[index].victimID = "v0"
        let summary = try harness.importRows(rows, name: "repeat.csv") { $0.onError = .skip }
        #expect(summary.outcome == .imported)
        #expect(summary.casesImported == 399)
        #expect(harness.issueLocations(in: harness.folder.path("repeat.csv")) == [IssueLocation(index + 2, "victim_id")])
        #expect(try DatabaseCheck.run(harness.connection).isOK)
    }

    /// A case whose rows straddle two staged batches (its first victim written with the first batch) and whose
    /// later victim repeats a victim_id: the second batch is undone and replayed, the whole case is rejected (its
    /// victim from the first batch too), and every other row of both batches is stored once.
    @Test func aConflictInACaseSpanningTwoBatchesUndoesOnlyWhatTheSecondBatchWrote() throws {
        var rows = cases(600)
        // Case 255 is the 256th case, the last of the first batch; give it two more victims, the last repeating v0.
        let at = try #require(rows.firstIndex { $0.caseID == "K-255" })
        var second = rows[at]
        second.victimID = "v1"
        var repeated = rows[at]
        repeated.victimID = "v0"
        rows.insert(contentsOf: [second, repeated], at: at + 1)
        let summary = try harness.importRows(rows, name: "span.csv") { $0.onError = .skip }
        #expect(summary.outcome == .imported)
        #expect(summary.casesImported == 599)
        #expect(summary.rowsRejected == 3)
        #expect(summary.victimsImported == rows.count - 3)
        #expect(harness.issueLocations(in: harness.folder.path("span.csv")) == [IssueLocation(at + 4, "victim_id")])
        #expect(try harness.count("cases") == 599)
        #expect(try harness.count("victims") == rows.count - 3)
        #expect(try harness.victims(of: "K-255").isEmpty)
        #expect(try harness.victims(of: "K-256").map(\.[1]) == ["v0", "v1"])
        #expect(try DatabaseCheck.run(harness.connection).isOK)
    }
}
