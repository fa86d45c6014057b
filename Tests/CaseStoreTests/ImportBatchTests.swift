import CaseStore
import Foundation
import SQLite
import Testing

/// Batches across files: re-imports, cases of earlier batches (conflict or `replace`), and deleting a batch.
@Suite("Import: batches, conflicts and replace")
struct ImportBatchTests {
    let harness: ImportHarness
    init() throws { harness = try ImportHarness() }

    /// Batch 1: case X (two victims, two venues) and case Y.
    private func importFirst() throws -> ImportSummary {
        let summary = try harness.importRows([
            ExportRow(caseID: "X", county: "Kern", type: "Sex", venues: "Hotel/Motel;Online Ads", victimID: "x1",
                      gender: "F", age: "15"),
            ExportRow(caseID: "X", county: "Kern", type: "Sex", venues: "Hotel/Motel;Online Ads", victimID: "x2",
                      gender: "F", age: "16"),
            ExportRow.victim("Y", id: "y1"),
        ], name: "2021.csv")
        #expect(summary.outcome == .imported)
        return summary
    }

    // MARK: Re-import

    @Test func theSameFileAgainIsAlreadyImportedAndChangesNothing() throws {
        let first = try importFirst()
        try harness.close()
        let before = databaseBytes(harness.dbPath)
        let again = try harness.importFile(harness.folder.path("2021.csv")) { $0.onError = .skip }
        #expect(again.outcome == .alreadyImported)
        #expect(again.batchID == first.batchID)
        #expect(again.sha256 == first.sha256)
        #expect(again.casesImported == 0)
        #expect(harness.log.issues.isEmpty)
        #expect(try harness.batches().count == 1)
        try harness.close()
        #expect(databaseBytes(harness.dbPath) == before)
    }

    // MARK: Journal

    /// Alone on the file, an import writes with the rollback journal (each new page written once) and leaves the
    /// file in WAL mode with no journal file; with another connection open, it stays in WAL mode, so that reader
    /// keeps reading while the file is imported.
    @Test func anImportAloneUsesTheRollbackJournalAndOneBesideAReaderTheWAL() throws {
        let first = try importFirst()
        #expect(first.journal == .rollback)
        #expect(try harness.connection.scalarText("PRAGMA journal_mode") == "wal")
        #expect(!FileManager.default.fileExists(atPath: harness.dbPath + "-journal"))

        let reader = try Connection(path: harness.dbPath, mode: .readOnly)
        #expect(try reader.scalarInt("SELECT count(*) FROM cases") == 2)
        let second = try harness.importRows([ExportRow.victim("Z", id: "z1")], name: "2022.csv")
        #expect(second.outcome == .imported)
        #expect(second.journal == .wal)
        #expect(try reader.scalarInt("SELECT count(*) FROM cases") == 3)
        #expect(try harness.connection.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try harness.connection.scalarText("PRAGMA integrity_check") == "ok")
    }

    @Test func theSameBytesUnderAnotherNameAreAlreadyImported() throws {
        let first = try importFirst()
        let copy = try harness.write("copy.csv", bytes: Array(try Data(contentsOf: URL(fileURLWithPath:
            harness.folder.path("2021.csv")))))
        let again = try harness.importFile(copy) { $0.replace = true }
        #expect(again.outcome == .alreadyImported)
        #expect(again.batchID == first.batchID)
        #expect(try harness.batches().count == 1)
    }

    /// A file of a size no batch has is hashed once it is read (Migrations/0014_batch_bytes.sql): its batch
    /// records the same sha256 and size as hashing it first does, also under --dry-run (which records nothing).
    @Test func aFileHashedWhileItIsReadRecordsItsHashAndSize() throws {
        let first = try importFirst()
        let path = harness.folder.path("2021.csv")
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(first.sha256 == SHA256.hash(bytes).hex)
        let row = try harness.connection.prepare("SELECT sha256, bytes FROM import_batches").allRows()
        #expect(row == [[.text(SHA256.hash(bytes).hex), .integer(Int64(bytes.count))]])
        // A second file, of another size: hashed after its load too.
        let other = try harness.write("2022.csv", csvText([ExportRow.victim("Z", id: "z1")]))
        let otherBytes = Array(try Data(contentsOf: URL(fileURLWithPath: other)))
        #expect(otherBytes.count != bytes.count)
        #expect(try harness.importFile(other) { $0.dryRun = true }.outcome == .dryRun)
        let second = try harness.importFile(other)
        #expect(second.outcome == .imported)
        #expect(second.sha256 == SHA256.hash(otherBytes).hex)
        #expect(try harness.connection.scalarText("SELECT sha256 FROM import_batches WHERE id = \(second.batchID ?? 0)")
                    == SHA256.hash(otherBytes).hex)
        #expect(try harness.connection.scalarInt("SELECT bytes FROM import_batches WHERE id = \(second.batchID ?? 0)")
                    == Int64(otherBytes.count))
    }

    /// A batch whose hash matches a file of another recorded size (the file changed while it was read, or the row
    /// was edited): the file is found to be that batch's only at the end, and nothing of it is kept.
    @Test func aFileFoundImportedOnlyOnceHashedChangesNothing() throws {
        let first = try importFirst()
        try harness.connection.execute("UPDATE import_batches SET bytes = 1")
        try harness.close()
        let before = databaseBytes(harness.dbPath)
        let copy = try harness.write("copy.csv", bytes: Array(try Data(contentsOf: URL(fileURLWithPath:
            harness.folder.path("2021.csv")))))
        let again = try harness.importFile(copy) { $0.replace = true }
        #expect(again.outcome == .alreadyImported)
        #expect(again.batchID == first.batchID)
        #expect(again.sha256 == first.sha256)
        try harness.close()
        #expect(databaseBytes(harness.dbPath) == before)
    }

    /// A batch from before version 14 has no size: every file is then hashed first, and a repeat is skipped at once.
    @Test func aBatchOfUnknownSizeMakesEveryFileHashedFirst() throws {
        let first = try importFirst()
        try harness.connection.execute("UPDATE import_batches SET bytes = NULL")
        let again = try harness.importFile(harness.folder.path("2021.csv"))
        #expect(again.outcome == .alreadyImported)
        #expect(again.batchID == first.batchID)
        let other = try harness.write("2022.csv", csvText([ExportRow.victim("Z", id: "z1")]))
        let second = try harness.importFile(other)
        #expect(second.outcome == .imported)
        #expect(try harness.connection.scalarInt("SELECT bytes FROM import_batches WHERE id = \(second.batchID ?? 0)")
                    == Int64(Array(try Data(contentsOf: URL(fileURLWithPath: other))).count))
    }

    @Test func aFailedFileIsNotRecordedSoItIsCheckedAgain() throws {
        let path = try harness.write("bad.csv", csvText([ExportRow(state: "??")]))
        #expect(try harness.importFile(path).outcome == .failed)
        #expect(try harness.importFile(path).outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(2, "state")])
    }

    // MARK: Conflicts with earlier batches

    @Test func aCaseOfAnEarlierBatchIsAConflictUnderAbort() throws {
        _ = try importFirst()
        try harness.close()
        let before = databaseBytes(harness.dbPath)
        let path = try harness.write("2022.csv", csvText([
            ExportRow(caseID: "Z"),
            ExportRow(caseID: "X", reportedOn: "2022-01-01", state: "NV"),
        ]))
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(3, "case_id")])
        #expect(try harness.caseRefs() == ["X", "Y"])
        #expect(try harness.storedCase("X") == ["2021-03-04", 2021, "CA", "06029", nil, "sex", 2])
        try harness.close()
        #expect(databaseBytes(harness.dbPath) == before)
    }

    @Test func aCaseOfAnEarlierBatchIsRejectedUnderSkipAndTheOldCaseStays() throws {
        let first = try importFirst()
        let path = try harness.write("2022.csv", csvText([
            ExportRow.victim("X", id: "new"),
            ExportRow(caseID: "Z"),
        ]))
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.outcome == .imported)
        #expect(summary.counts == SummaryCounts(read: 2, imported: 1, rejected: 1, cases: 1, victims: 0))
        #expect(harness.issueLocations(in: path) == [IssueLocation(2, "case_id")])
        #expect(try harness.caseRefs() == ["X", "Y", "Z"])
        #expect(try harness.field("batch_id", ofCase: "X") == .integer(first.batchID ?? -1))
        #expect(try harness.victims(of: "X").map(\.[1]) == ["x1", "x2"])
    }

    // MARK: Replace

    @Test func replaceReplacesTheCaseWithItsVictimsAndVenues() throws {
        let first = try importFirst()
        let path = try harness.write("2021-corrected.csv", csvText([
            ExportRow(caseID: "X", reportedOn: "2021-04-01", state: "NV", county: "Clark", type: "Labor",
                      venues: "Construction", victimID: "n1", gender: "M", age: "40"),
            ExportRow(caseID: "W"),
            ExportRow(caseID: "X", reportedOn: "2021-04-01", state: "NV", county: "Clark", type: "Labor",
                      venues: "Construction"),
        ]))
        let summary = try harness.importFile(path) { $0.replace = true }
        #expect(summary.outcome == .imported)
        #expect(summary.casesReplaced == 1)
        #expect(summary.counts == SummaryCounts(read: 3, imported: 3, rejected: 0, cases: 2, victims: 1))
        #expect(try harness.caseRefs() == ["W", "X", "Y"])
        #expect(try harness.storedCase("X") == ["2021-04-01", 2021, "NV", "32003", nil, "labor", 2])
        #expect(try harness.field("batch_id", ofCase: "X") == .integer(summary.batchID ?? -1))
        #expect(try harness.venues(of: "X") == ["construction"])
        #expect(try harness.victims(of: "X") == [[1, "n1", "male", "adult", 40, "unknown", 2]])
        // Nothing of the old case is left behind.
        #expect(try harness.count("cases") == 3)
        #expect(try harness.count("victims") == 2)
        #expect(try harness.count("case_venues") == 1)

        let batches = try harness.batches()
        #expect(batches.map(\.id) == [first.batchID, summary.batchID].compactMap { $0 })
        #expect(batches[0].counts == BatchCounts(read: 3, imported: 3, rejected: 0, cases: 2, victims: 3, casesNow: 1))
        #expect(batches[1].counts == BatchCounts(read: 3, imported: 3, rejected: 0, cases: 2, victims: 1, casesNow: 2))
    }

    /// A batch whose cases were all replaced by a later one is no data source of any fact sheet: not of the
    /// whole database (where each batch is looked up among the cases), of a venue (found through its links), nor
    /// of another filtered scope (one pass over the scope's cases).
    @Test func aBatchWithNoCaseLeftIsNoDataSource() throws {
        let first = try importFirst()
        let other = try harness.importRows([ExportRow(caseID: "Z", venues: "Construction", victimID: "z1")],
                                           name: "2021-other.csv")
        let path = try harness.write("2021-corrected.csv", csvText([
            ExportRow(caseID: "X", county: "Kern", type: "Labor", venues: "Construction", victimID: "x1"),
            ExportRow.victim("Y", id: "y1"),
        ]))
        let corrected = try harness.importFile(path) { $0.replace = true }
        #expect(corrected.casesReplaced == 2)
        let db = try harness.connection
        let geography = try Geography(db)
        func sources(_ filters: ReportFilters) throws -> [Int64] {
            try FactSheet.make(filters: filters, suppression: .hotline, in: db, geography: geography).sources
                .map { $0.batchID }
        }
        let expected = [other.batchID, corrected.batchID].compactMap { $0 }
        #expect(try harness.batches().map(\.id).contains(try #require(first.batchID)))
        #expect(try sources(ReportFilters()) == expected)
        #expect(try sources(ReportFilters(years: 2021...2021)) == expected)
        #expect(try sources(ReportFilters(state: "CA")) == expected)
        // Every batch in scope, whether the pass stops early (all batches found) or reads the whole scope.
        #expect(try sources(ReportFilters(venue: Venue.named(code: "construction"))) == expected)
        #expect(try sources(ReportFilters(state: "CA", venue: Venue.named(code: "construction"))) == expected)
        #expect(try sources(ReportFilters(type: .labor)) == [corrected.batchID])
        #expect(try sources(ReportFilters(venue: Venue.named(code: "hotel_motel"))).isEmpty)
        #expect(try sources(ReportFilters(years: 2019...2019)).isEmpty)
    }

    @Test func underSkipAndReplaceAnInvalidReplacementLeavesTheOldCase() throws {
        let first = try importFirst()
        // X: the replacement's first row is invalid. Y: its first row is valid, a later one is not.
        let path = try harness.write("2021-corrected.csv", csvText([
            ExportRow(caseID: "X", state: "NV", county: "Clark", victimID: "n1", age: "200"),  // 2: invalid
            ExportRow(caseID: "X", state: "NV", county: "Clark", victimID: "n2"),              // 3
            ExportRow(caseID: "Y", reportedOn: "2021-05-05", victimID: "m1"),                  // 4
            ExportRow(caseID: "V"),                                                            // 5
            ExportRow(caseID: "Y", reportedOn: "2021-05-05", victimID: "m2", gender: "x"),     // 6: invalid
        ]))
        let summary = try harness.importFile(path) {
            $0.onError = .skip
            $0.replace = true
        }
        #expect(summary.outcome == .imported)
        #expect(summary.casesReplaced == 0)
        #expect(summary.counts == SummaryCounts(read: 5, imported: 1, rejected: 4, cases: 1, victims: 0))
        #expect(harness.issueLocations(in: path) == [IssueLocation(2, "victim_age"), IssueLocation(6, "victim_gender")])
        #expect(try harness.caseRefs() == ["V", "X", "Y"])
        #expect(try harness.storedCase("X") == ["2021-03-04", 2021, "CA", "06029", nil, "sex", 2])
        #expect(try harness.storedCase("Y") == ["2021-03-04", 2021, "CA", nil, nil, "sex", 4])
        #expect(try harness.field("batch_id", ofCase: "X") == .integer(first.batchID ?? -1))
        #expect(try harness.field("batch_id", ofCase: "Y") == .integer(first.batchID ?? -1))
        #expect(try harness.venues(of: "X") == ["hotel_motel", "online_ad"])
        #expect(try harness.victims(of: "X").map(\.[1]) == ["x1", "x2"])
        #expect(try harness.victims(of: "Y").map(\.[1]) == ["y1"])
        #expect(try harness.batches().first?.casesNow == 2)
    }

    @Test func underAbortAndReplaceAnInvalidRowElsewhereKeepsTheOldCases() throws {
        _ = try importFirst()
        try harness.close()
        let before = databaseBytes(harness.dbPath)
        let path = try harness.write("2021-corrected.csv", csvText([
            ExportRow(caseID: "X", state: "NV"),
            ExportRow(caseID: "V", type: "Bogus"),
        ]))
        let summary = try harness.importFile(path) { $0.replace = true }
        #expect(summary.outcome == .failed)
        #expect(summary.casesReplaced == 0)
        #expect(harness.issueLocations(in: path) == [IssueLocation(3, "trafficking_type")])
        #expect(try harness.victims(of: "X").map(\.[1]) == ["x1", "x2"])
        try harness.close()
        #expect(databaseBytes(harness.dbPath) == before)
    }

    @Test func aDryRunWithReplaceCountsTheReplacedCasesAndChangesNothing() throws {
        _ = try importFirst()
        try harness.close()
        let before = databaseBytes(harness.dbPath)
        let summary = try harness.importRows([ExportRow(caseID: "X", state: "NV"), ExportRow(caseID: "W")],
                                             name: "2021-corrected.csv") {
            $0.replace = true
            $0.dryRun = true
        }
        #expect(summary.outcome == .dryRun)
        #expect(summary.casesReplaced == 1)
        #expect(summary.counts == SummaryCounts(read: 2, imported: 2, rejected: 0, cases: 2, victims: 0))
        #expect(try harness.storedCase("X") == ["2021-03-04", 2021, "CA", "06029", nil, "sex", 2])
        try harness.close()
        #expect(databaseBytes(harness.dbPath) == before)
    }

    // MARK: Deleting a batch

    @Test func deletingABatchRemovesItsCasesVictimsAndVenueLinks() throws {
        let first = try importFirst()
        let second = try harness.importRows([
            ExportRow(caseID: "S", venues: "Pornography", victimID: "s1"),
            ExportRow(caseID: "S", venues: "Pornography", victimID: "s2"),
        ], name: "2022.csv")
        #expect(second.outcome == .imported)
        let firstID = try #require(first.batchID)

        let deleted = try ImportBatch.delete(id: firstID, from: try harness.connection)
        #expect(deleted?.id == firstID)
        #expect(deleted?.counts == BatchCounts(read: 3, imported: 3, rejected: 0, cases: 2, victims: 3, casesNow: 2))
        #expect(try harness.batches().map(\.id) == [second.batchID].compactMap { $0 })
        #expect(try harness.caseRefs() == ["S"])
        #expect(try harness.count("victims") == 2)
        #expect(try harness.count("case_venues") == 1)
        #expect(try harness.venues(of: "S") == ["pornography"])
        // The children go by explicit DELETEs with enforcement off: no orphan is left, and enforcement is back on.
        #expect(try harness.connection.scalarInt("SELECT count(*) FROM pragma_foreign_key_check") == 0)
        #expect(try harness.connection.scalarInt("PRAGMA foreign_keys") == 1)
        #expect(try DatabaseCheck.run(try harness.connection).isOK)
        #expect(try ImportBatch.delete(id: firstID, from: try harness.connection) == nil)

        // Its file is no longer "already imported".
        #expect(try harness.importFile(harness.folder.path("2021.csv")).outcome == .imported)
        #expect(try harness.caseRefs() == ["S", "X", "Y"])
    }

    @Test func deletingAnUnknownBatchChangesNothing() throws {
        _ = try importFirst()
        #expect(try ImportBatch.delete(id: 999, from: try harness.connection) == nil)
        #expect(try harness.count("cases") == 2)
        #expect(try harness.count("import_batches") == 1)
    }
}
