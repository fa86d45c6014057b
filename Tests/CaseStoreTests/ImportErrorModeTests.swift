import CaseStore
import Foundation
import SQLite
import Testing

/// A small RFC 4180 parser for reading rejects files back (the test target does not depend on the CSV module).
func parseCSV(_ text: String) -> [[String]] {
    var records: [[String]] = []
    var record: [String] = []
    var field = ""
    var quoted = false
    var atFieldStart = true
    var characters = text.unicodeScalars.makeIterator()
    var pending: Unicode.Scalar? = nil
    func next() -> Unicode.Scalar? {
        if let scalar = pending { pending = nil; return scalar }
        return characters.next()
    }
    while let c = next() {
        if quoted {
            if c == "\"" {
                let following = next()
                if following == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = following }
            } else {
                field.unicodeScalars.append(c)
            }
            continue
        }
        switch c {
        case "\"" where atFieldStart:
            quoted = true
            atFieldStart = false
        case ",":
            record.append(field)
            field = ""
            atFieldStart = true
        case "\r", "\n":
            if c == "\r" { let following = next(); if following != "\n" { pending = following } }
            record.append(field)
            records.append(record)
            record = []
            field = ""
            atFieldStart = true
        default:
            field.unicodeScalars.append(c)
            atFieldStart = false
        }
    }
    if !field.isEmpty || !record.isEmpty || !atFieldStart { record.append(field); records.append(record) }
    return records
}

/// `--on-error abort` and `skip`, the rejects file, the counts, and `--dry-run`.
@Suite("Import: abort, skip and dry run")
struct ImportErrorModeTests {
    let harness: ImportHarness
    init() throws { harness = try ImportHarness() }

    /// A first batch, so that "unchanged" is checked against a database that holds data.
    private func importFirstBatch() throws {
        let summary = try harness.importRows([ExportRow.victim("OLD-1", id: "x", age: "20"),
                                              ExportRow(caseID: "OLD-2", venues: "Pornography")], name: "first.csv")
        #expect(summary.outcome == .imported)
    }

    /// Cases A (lines 2-3, valid), B (lines 4-6 and 8, line 5 invalid), C (line 7, valid), D (line 9, valid).
    static let mixedRows: [ExportRow] = [
        ExportRow.victim("A", id: "a1", age: "30"),                 // 2
        ExportRow.victim("A", id: "a2", gender: "M"),               // 3
        ExportRow(caseID: "B", city: "Reno, NV", venues: "Truck Stop", victimID: "b1", gender: "F"),  // 4
        ExportRow(caseID: "B", city: "Reno, NV", venues: "Truck Stop", victimID: "b2", age: "abc"),   // 5: invalid
        ExportRow(caseID: "B", city: "Reno, NV", venues: "Truck Stop", victimID: "b3", gender: "M"),  // 6
        ExportRow(caseID: "C", type: "Labor", venues: "Domestic Work"),                               // 7
        ExportRow(caseID: "B", city: "Reno, NV", venues: "Truck Stop"),                               // 8
        ExportRow.victim("D", gender: "F"),                                                           // 9
    ]

    // MARK: Abort

    @Test func underAbortAnInvalidRowKeepsNothingAndTheDatabaseFileIsUnchanged() throws {
        try importFirstBatch()
        try harness.close()
        let before = databaseBytes(harness.dbPath)
        #expect(before[0] != nil)

        let path = try harness.write("mixed.csv", csvText(Self.mixedRows))
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(summary.batchID == nil)
        #expect(summary.rowsRead == 8)
        #expect(summary.casesImported == 0)
        #expect(summary.victimsImported == 0)
        #expect(summary.rowsImported == 0)
        #expect(summary.issueCount == 1)
        #expect(summary.rejectsPath == nil)
        #expect(harness.issueLocations(in: path) == [IssueLocation(5, "victim_age")])
        #expect(try harness.caseRefs() == ["OLD-1", "OLD-2"])
        #expect(try harness.batches().count == 1)
        #expect(!FileManager.default.fileExists(atPath: path + ".rejects.csv"))
        try harness.close()
        #expect(databaseBytes(harness.dbPath) == before)
    }

    @Test func underAbortAnInvalidLastRowUndoesEveryEarlierRow() throws {
        var rows = (1...300).map { ExportRow.victim("K-\($0)", id: "v", age: "\($0 % 100)") }
        rows.append(ExportRow(caseID: "K-bad", state: "Atlantis"))
        let path = try harness.write("long.csv", csvText(rows))
        try harness.close()
        let before = databaseBytes(harness.dbPath)
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(summary.rowsRead == 301)
        #expect(harness.issueLocations(in: path) == [IssueLocation(302, "state")])
        #expect(try harness.count("cases") == 0)
        #expect(try harness.count("victims") == 0)
        #expect(try harness.count("import_batches") == 0)
        try harness.close()
        #expect(databaseBytes(harness.dbPath) == before)
    }

    @Test func underAbortAValidFileIsImported() throws {
        let summary = try harness.importRows(Self.mixedRows.filter { $0.age != "abc" })
        #expect(summary.outcome == .imported)
        #expect(try harness.caseRefs() == ["A", "B", "C", "D"])
    }

    // MARK: Skip

    @Test func underSkipValidCasesAreImportedAndEveryRowOfAnInvalidCaseIsRejected() throws {
        try importFirstBatch()
        let path = try harness.write("mixed.csv", csvText(Self.mixedRows))
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.outcome == .imported)
        #expect(summary.counts == SummaryCounts(read: 8, imported: 4, rejected: 4, cases: 3, victims: 3))
        #expect(summary.rowsRead == summary.rowsImported + summary.rowsRejected)
        #expect(summary.issueCount == 1)
        #expect(harness.issueLocations(in: path) == [IssueLocation(5, "victim_age")])

        #expect(try harness.caseRefs() == ["A", "C", "D", "OLD-1", "OLD-2"])
        #expect(try harness.victims(of: "A").map { [$0[0], $0[1], $0[6]] } == [[1, "a1", 2], [2, "a2", 3]])
        #expect(try harness.venues(of: "C") == ["domestic_work"])
        #expect(try harness.field("source_line", ofCase: "D") == 9)
        #expect(try harness.connection.scalarInt("SELECT count(*) FROM victims WHERE victim_ref LIKE 'b%'") == 0)

        let batch = try #require(try harness.batches().last)
        #expect(batch.id == summary.batchID)
        #expect(batch.counts == BatchCounts(read: 8, imported: 4, rejected: 4, cases: 3, victims: 3, casesNow: 3))
        #expect(batch.rowsRead == batch.rowsImported + batch.rowsRejected)
    }

    @Test func theRejectsFileHoldsTheOriginalFieldsWithLineAndError() throws {
        let path = try harness.write("mixed.csv", csvText(Self.mixedRows))
        let summary = try harness.importFile(path) { $0.onError = .skip }
        let rejectsPath = path + ".rejects.csv"
        #expect(summary.rejectsPath == rejectsPath)
        let rejects = try #require(FileManager.default.contents(atPath: rejectsPath))
        let records = parseCSV(String(decoding: rejects, as: UTF8.self))
        let header = try #require(records.first)
        #expect(Set(header) == Set(specHeader + ["line", "error"]))
        #expect(header.count == specHeader.count + 2)
        let body = records.dropFirst().map { record in
            Dictionary(uniqueKeysWithValues: zip(header, record))
        }
        #expect(body.map { $0["line"] } == ["4", "5", "6", "8"])
        #expect(body.allSatisfy { !($0["error"] ?? "").isEmpty })
        for (reject, line) in zip(body, [4, 5, 6, 8]) {
            let original = Self.mixedRows[line - 2].fields
            #expect(specHeader.map { reject[$0] ?? "<absent>" } == original, "line \(line)")
        }
        // Only the invalid row's own reason names its column; the others are rejected with their case.
        #expect(body[1]["error"]?.contains("victim_age") == true)
        #expect(body[0]["error"]?.contains("victim_age") == false)
    }

    @Test func theRejectsFileIsPrivate() throws {
        let path = try harness.write("mixed.csv", csvText(Self.mixedRows))
        _ = try harness.importFile(path) { $0.onError = .skip }
        let attributes = try FileManager.default.attributesOfItem(atPath: path + ".rejects.csv")
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test func theRejectsPathOptionIsUsed() throws {
        let path = try harness.write("mixed.csv", csvText(Self.mixedRows))
        let chosen = harness.folder.path("chosen-rejects.csv")
        let summary = try harness.importFile(path) {
            $0.onError = .skip
            $0.rejectsPath = chosen
        }
        #expect(summary.rejectsPath == chosen)
        #expect(FileManager.default.fileExists(atPath: chosen))
        #expect(!FileManager.default.fileExists(atPath: path + ".rejects.csv"))
        #expect(parseCSV(try String(contentsOfFile: chosen, encoding: .utf8)).count == 5)
    }

    @Test func anInvalidFirstRowRejectsTheLaterRowsOfItsCase() throws {
        let path = try harness.write("first.csv", csvText([
            ExportRow.victim("F", id: "1", gender: "?"),   // 2: invalid
            ExportRow.victim("F", id: "2"),                // 3
            ExportRow(caseID: "G"),                        // 4
            ExportRow.victim("F", id: "3"),                // 5
        ]))
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.counts == SummaryCounts(read: 4, imported: 1, rejected: 3, cases: 1, victims: 0))
        #expect(harness.issueLocations(in: path) == [IssueLocation(2, "victim_gender")])
        #expect(try harness.caseRefs() == ["G"])
        let lines = parseCSV(try String(contentsOfFile: path + ".rejects.csv", encoding: .utf8)).dropFirst().map(\.[0])
        #expect(lines == ["2", "3", "5"])
    }

    @Test func aRowWithNoCaseIDIsRejectedAlone() throws {
        let path = try harness.write("noid.csv", csvText([ExportRow(caseID: "H"), ExportRow(caseID: ""),
                                                           ExportRow(caseID: "I")]))
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.counts == SummaryCounts(read: 3, imported: 2, rejected: 1, cases: 2, victims: 0))
        #expect(harness.issueLocations(in: path) == [IssueLocation(3, "case_id")])
        #expect(try harness.caseRefs() == ["H", "I"])
    }

    @Test func underSkipAFileWithoutProblemsWritesNoRejectsFile() throws {
        let path = try harness.write("clean.csv", csvText([ExportRow(caseID: "A"), ExportRow(caseID: "B")]))
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.outcome == .imported)
        #expect(summary.rejectsPath == nil)
        #expect(summary.counts == SummaryCounts(read: 2, imported: 2, rejected: 0, cases: 2, victims: 0))
        #expect(!FileManager.default.fileExists(atPath: path + ".rejects.csv"))
    }

    @Test func underSkipAFileWhoseRowsAreAllInvalidIsRecordedWithNoCase() throws {
        let path = try harness.write("bad.csv", csvText([ExportRow(caseID: "A", state: "??"),
                                                          ExportRow(caseID: "B", reportedOn: "yesterday")]))
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.outcome == .imported)
        #expect(summary.counts == SummaryCounts(read: 2, imported: 0, rejected: 2, cases: 0, victims: 0))
        #expect(try harness.batches().first?.counts
            == BatchCounts(read: 2, imported: 0, rejected: 2, cases: 0, victims: 0, casesNow: 0))
    }

    @Test func anUnwritableRejectsFileThrowsAndKeepsNothing() throws {
        try harness.close()
        let before = databaseBytes(harness.dbPath)
        let path = try harness.write("mixed.csv", csvText(Self.mixedRows))
        let nowhere = harness.folder.path("no-such-folder/rejects.csv")
        let error = #expect(throws: ImportError.self) {
            try harness.importFile(path) {
                $0.onError = .skip
                $0.rejectsPath = nowhere
            }
        }
        guard case .cannotWriteRejects(let reported, _) = error else {
            Issue.record("expected cannotWriteRejects, got \(String(describing: error))")
            return
        }
        #expect(reported == nowhere)
        #expect(try harness.count("cases") == 0)
        #expect(try harness.count("import_batches") == 0)
        try harness.close()
        #expect(databaseBytes(harness.dbPath) == before)
    }

    @Test func oneImporterTakesSeveralFilesWhateverBecameOfTheEarlierOnes() throws {
        let importer = try Importer(database: try harness.db, options: ImportHarness.options { $0.onError = .skip })
        let log = ImportLog()
        let mixed = try harness.write("mixed.csv", csvText(Self.mixedRows))
        let broken = try harness.write("broken.csv", csvText([ExportRow(caseID: "Q")]) + "Q2,\"open\n")
        let clean = try harness.write("clean.csv", csvText([ExportRow.victim("A", id: "dup"), ExportRow(caseID: "R"),
                                                             ExportRow.victim("R", id: "r1")]))
        #expect(try importer.importFile(mixed, events: log.events).outcome == .imported)
        #expect(try importer.importFile(broken, events: log.events).outcome == .failed)
        let third = try importer.importFile(clean, events: log.events)
        #expect(third.outcome == .imported)
        // A was imported by the first file: a conflict, rejected; R is new.
        #expect(third.counts == SummaryCounts(read: 3, imported: 2, rejected: 1, cases: 1, victims: 1))
        #expect(try importer.importFile(mixed, events: log.events).outcome == .alreadyImported)
        #expect(try harness.caseRefs() == ["A", "C", "D", "R"])
        #expect(try harness.batches().map(\.fileName) == ["mixed.csv", "clean.csv"])
    }

    // MARK: Dry run

    @Test func aDryRunReportsTheCountsAndChangesNothing() throws {
        try importFirstBatch()
        try harness.close()
        let before = databaseBytes(harness.dbPath)
        let rows = Self.mixedRows.filter { $0.age != "abc" }
        let summary = try harness.importRows(rows, name: "dry.csv") { $0.dryRun = true }
        #expect(summary.outcome == .dryRun)
        #expect(summary.batchID == nil)
        #expect(summary.counts == SummaryCounts(read: 7, imported: 7, rejected: 0, cases: 4, victims: 5))
        #expect(try harness.caseRefs() == ["OLD-1", "OLD-2"])
        #expect(try harness.batches().count == 1)
        try harness.close()
        #expect(databaseBytes(harness.dbPath) == before)

        // Not recorded: the same file imports for real afterwards.
        let real = try harness.importFile(harness.folder.path("dry.csv"))
        #expect(real.outcome == .imported)
        #expect(real.counts == summary.counts)
    }

    @Test func aDryRunUnderSkipCountsTheRejectedRowsAndChangesNothing() throws {
        try harness.close()
        let before = databaseBytes(harness.dbPath)
        let path = try harness.write("dry.csv", csvText(Self.mixedRows))
        let summary = try harness.importFile(path) {
            $0.dryRun = true
            $0.onError = .skip
        }
        #expect(summary.outcome == .dryRun)
        #expect(summary.counts == SummaryCounts(read: 8, imported: 4, rejected: 4, cases: 3, victims: 3))
        #expect(harness.issueLocations(in: path) == [IssueLocation(5, "victim_age")])
        #expect(try harness.count("cases") == 0)
        #expect(try harness.count("import_batches") == 0)
        try harness.close()
        #expect(databaseBytes(harness.dbPath) == before)
    }

    @Test func aDryRunUnderAbortWithAnInvalidRowFails() throws {
        let path = try harness.write("dry.csv", csvText(Self.mixedRows))
        let summary = try harness.importFile(path) { $0.dryRun = true }
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(5, "victim_age")])
        #expect(try harness.count("cases") == 0)
    }
}
