import CSV
import Foundation
import SQLite

/// Imports hotline export files into a case database, one transaction per file.
///
///     let importer = try Importer(database: db, options: options)
///     let summary = try importer.importFile("hotline-2021.csv", events: ImportEvents(issue: { print($0) }))
///
/// Every row is either stored or rejected with a reason. Rows of one case may be anywhere in the file; the case is
/// stored once and its columns must agree on every row. Memory stays flat: only the case being read is held, and
/// earlier cases are found through the database's `case_ref` index.
public final class Importer {
    public let database: CaseDatabase
    public let options: ImportOptions
    let validator: RowValidator
    let statements_: ImportStatements
    /// The countries a CTDC file's codes resolve to (the `ctdc` profile only).
    let ctdcCountries: CTDCCountries?
    /// Started for each file's transaction and commit (whose checkpoint copies the new pages into the database
    /// file), when set. Its owner closes it after closing the database (see ``WritebackFlusher``).
    public var writeback: WritebackFlusher?

    /// - Throws: `Profile.Invalid` when the profile names codes the database does not have; `SQLiteError`.
    public init(database: CaseDatabase, options: ImportOptions) throws {
        self.database = database
        self.options = options
        let db = database.connection
        // Import writes with foreign-key enforcement off (see importFile); these checks are what make that safe.
        try VocabularyCheck.verify(db)
        validator = try RowValidator(profile: options.profile, geography: try Geography(db), today: options.today)
        // The page cache for the bulk load, 4 MiB: a bigger one
        // did not make it faster here, and peak RSS must stay under 64 MiB at four million rows.
        try db.execute("PRAGMA cache_size = -4096")
        try RejectLog.createTables(db)
        statements_ = try ImportStatements(db)
        ctdcCountries = options.profile.dataSource == .ctdc ? try CTDCCountries.load(db) : nil
    }

    /// Imports one file. Validation problems are reported through `events` and in the summary's outcome; only
    /// problems with the file itself or the database are thrown.
    /// - Throws: `ImportError`, `SQLiteError`.
    public func importFile(_ path: String, events: ImportEvents = ImportEvents()) throws -> ImportSummary {
        let started = Date()
        var summary = ImportSummary(file: path, outcome: .failed)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw ImportError.fileNotFound(path: path)
        }
        // A file is read more than once (hashed, loaded, and read again for its rejects): a pipe or a device
        // cannot be (the load waited for a second writer to the pipe for ever).
        guard let size = try Self.regularFileSize(path) else {
            throw ImportError.unreadable(path: path, message: "not a regular file (a pipe or device cannot be read "
                + "twice: save it to a file first)")
        }
        // A file of a size no batch has cannot be one imported before: it is hashed on a thread of its own once it
        // has been read, while the count tables are written, and its sha256 recorded before the commit
        // (Migrations/0014_batch_bytes.sql). Otherwise it is hashed first, so that a repeated import is skipped at
        // once; so is a CTDC file, whose case references hold its hash.
        var known: (sha256: String, bytes: Int)?
        var background: BackgroundHash?
        if try options.profile.dataSource == .ctdc || statements_.batchMayHave(bytes: size) {
            let (sha256, bytes) = try Self.hashFile(path)
            summary.sha256 = sha256
            if let existing = try statements_.batch(sha256: sha256) {
                summary.outcome = .alreadyImported
                summary.batchID = existing
                summary.seconds = Date().timeIntervalSince(started)
                return summary
            }
            known = (sha256, bytes)
        }
        // However the import ends, the hashing thread is done before this returns (it reads the file).
        defer { _ = try? background?.result() }

        let format = options.format ?? ImportFormat.from(path: path)
        var run = try FileRun(path: path, format: format, importer: self, events: events,
                              totalBytes: known?.bytes ?? size)
        // Foreign keys are not checked row by row during the load: every code written comes from the vocabulary
        // (verified against the lookup tables in init) or from the states and counties read from this database, so
        // no row can break them, and the per-row checks were a third of the load's time. FileRun deletes children
        // itself where a cascade would.
        try database.connection.withoutForeignKeyEnforcement {
            // Nor are the tables' CHECK constraints: RowValidator enforces every one of them on each row (lengths,
            // a real calendar date of the case's year, age 0-120 deciding the age group, ...) before it is
            // written, and they cost the load about 7 % of the storing thread's instructions (the date check alone
            // parses every case's date twice). `PRAGMA integrity_check` (`htdb check`) still verifies them on the
            // stored rows, and the import tests run it after every import. NOT NULL and UNIQUE stay enforced.
            try database.connection.execute("PRAGMA ignore_check_constraints = ON")
            defer { try? database.connection.execute("PRAGMA ignore_check_constraints = OFF") }
            // With the rollback journal when htdb is alone on the file (no other connection open): the new pages are
            // written into the database once, instead of into the WAL and again by the checkpoint. Readers that
            // start meanwhile wait for the commit (their busy timeout); with another connection open, the file
            // stays in WAL mode and readers keep reading. Interleaved fresh imports of 1,002,415 rows (`ab.sh`, five
            // rounds, medians): 1.96 -> 1.78 s, against 1.54 s for the sqlite3 shell's `.import`; a fifth yearly
            // file of 200,286 rows into a database of 800,000 (five rounds each): 0.46-0.48 -> 0.43-0.44 s.
            try database.connection.withRollbackJournal { journal in
                summary.journal = journal
                writeback?.start()
                defer { writeback?.stop() }
                do {
                    try database.connection.transaction(.immediate) {
                        try run.load(sha256: known?.sha256 ?? Self.pendingSHA256, bytes: known?.bytes)
                        if run.fileFailed || (options.onError == .abort && run.issueCount > 0) {
                            throw Rollback()
                        }
                        // Hashed after the load, not beside it: during the load both cores are busy (the
                        // reading thread and this one), and a third thread slowed them; from here this thread
                        // works alone (count tables, commit) and the other core is free. Interleaved fresh imports
                        // of 1,002,415 rows (`ab.sh`, eleven rounds, medians): 1.62 -> 1.57 s, shell 1.53 s.
                        if known == nil { background = BackgroundHash(path: path) }
                        if options.onError == .skip && run.hasRejects {
                            try run.writeRejects(to: options.rejectsPath(for: path))
                        }
                        try run.finishBatch()
                        if let background {
                            let (sha256, bytes) = try background.result()
                            summary.sha256 = sha256
                            // Only when the file changed between its size check and its hash can it now be one
                            // imported before.
                            if let existing = try statements_.batch(sha256: sha256) {
                                throw AlreadyImported(batchID: existing)
                            }
                            try run.recordHash(sha256, bytes: bytes)
                        }
                        if options.dryRun { throw Rollback() }
                        if events.shouldStop() { throw ImportError.interrupted(path: path) }
                    }
                    summary.outcome = .imported
                } catch is Rollback {
                    let failed = run.fileFailed || (options.onError == .abort && run.issueCount > 0)
                    summary.outcome = failed ? .failed : .dryRun
                } catch let already as AlreadyImported {
                    summary.outcome = .alreadyImported
                    summary.batchID = already.batchID
                }
            }
        }
        if summary.outcome == .alreadyImported {
            summary.seconds = Date().timeIntervalSince(started)
            return summary
        }
        summary.batchID = summary.outcome == .imported ? run.batchID : nil
        summary.rowsRead = run.rowsRead
        summary.rowsRejected = run.rowsRejected
        summary.rowsImported = summary.outcome == .failed ? 0 : run.rowsRead - run.rowsRejected
        summary.casesImported = summary.outcome == .failed ? 0 : run.casesImported
        summary.victimsImported = summary.outcome == .failed ? 0 : run.victimsImported
        summary.casesReplaced = summary.outcome == .failed ? 0 : run.casesReplaced
        summary.issueCount = run.issueCount
        summary.warningCount = run.warningCount
        summary.rejectsPath = run.rejectsWritten
        summary.seconds = Date().timeIntervalSince(started)
        return summary
    }

    /// Thrown inside the transaction to roll it back on purpose.
    private struct Rollback: Error {}

    /// Thrown inside the transaction when the file, hashed after its load, turns out to be batch `batchID`'s.
    private struct AlreadyImported: Error {
        let batchID: Int64
    }

    /// What a batch's sha256 holds until the file's hash is known (never a hash: not hexadecimal).
    static let pendingSHA256 = String(repeating: "-", count: 64)

    /// The file's size in bytes; nil when it is not a regular file.
    static func regularFileSize(_ path: String) throws -> Int? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw ImportError.unreadable(path: path, message: String(cString: strerror(errno)))
        }
        return info.st_mode & S_IFMT == S_IFREG ? Int(info.st_size) : nil
    }

    /// The file's SHA-256 (hex) and size, read in chunks.
    static func hashFile(_ path: String) throws -> (String, Int) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ImportError.unreadable(path: path, message: "permission denied or not a regular file")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size = 0
        while true {
            let chunk: Data
            do {
                guard let data = try handle.read(upToCount: 1 << 20), !data.isEmpty else { break }
                chunk = data
            } catch {
                throw ImportError.unreadable(path: path, message: "\(error.localizedDescription)")
            }
            size += chunk.count
            chunk.withUnsafeBytes { hasher.update($0.bindMemory(to: UInt8.self)) }
        }
        return (hasher.finalize().hex, size)
    }
}

/// A file's SHA-256 and size, computed on a thread of its own (see `Importer.importFile`).
final class BackgroundHash: @unchecked Sendable {
    // Written by the hashing thread before it signals `done`; read by the caller after waiting for it.
    private var outcome: Result<(String, Int), Error>?
    private let done = DispatchSemaphore(value: 0)
    /// The caller's: whether it has waited already.
    private var waited = false

    init(path: String) {
        let thread = Thread { [self] in
            outcome = Result { try Importer.hashFile(path) }
            done.signal()
        }
        thread.name = "htdb import hash"
        thread.start()
    }

    /// The hex digest and the bytes hashed, once the thread is done; throws what hashing the file threw.
    func result() throws -> (String, Int) {
        if !waited {
            done.wait()
            waited = true
        }
        guard let outcome else { preconditionFailure("the hashing thread signalled without a result") }
        return try outcome.get()
    }
}

// MARK: - Statements

/// The statements an import runs, prepared once and reused for every row.
final class ImportStatements {
    let db: Connection
    let findBatch: Statement
    let findBatchBySize: Statement
    let setBatchHash: Statement
    let insertBatch: Statement
    let updateBatch: Statement
    /// The cases and victims with a case id from `:first` up (a file's, checked against FileRun's count in debug
    /// builds).
    let countNewRows: Statement
    let insertCase: Statement
    let findCase: Statement
    let findCaseInBatch: Statement
    let caseVenues: Statement
    let insertVenue: Statement
    let nextPosition: Statement
    let insertVictim: Statement
    let victimLine: Statement
    let deleteCase: Statement
    let deleteVictims: Statement
    let deleteVenues: Statement
    let renameCase: Statement
    let batchFile: Statement
    let countStatements: CountStatements
    let nextCaseID: Statement
    let undoVictims: Statement
    let undoVictimsOfCase: Statement
    let undoVenues: Statement
    let undoCases: Statement
    // Multi-row INSERTs for the common case: a new case and its rows (FileRun.stage).
    let bulkCases: BulkInsert
    let bulkVenues: BulkInsert
    let bulkVictims: BulkInsert

    init(_ db: Connection) throws {
        self.db = db
        findBatch = try db.prepare("SELECT id FROM import_batches WHERE sha256 = ?")
        findBatchBySize = try db.prepare("SELECT 1 FROM import_batches WHERE bytes = ? OR bytes IS NULL LIMIT 1")
        setBatchHash = try db.prepare("UPDATE import_batches SET sha256 = ?, bytes = ? WHERE id = ?")
        insertBatch = try db.prepare(
            """
            INSERT INTO import_batches (file_name, sha256, bytes, profile, imported_at, rows_read, rows_imported,
                rows_rejected, cases_imported, victims_imported)
            VALUES (?, ?, ?, ?, ?, 0, 0, 0, 0, 0)
            """)
        updateBatch = try db.prepare(
            """
            UPDATE import_batches SET rows_read = ?, rows_imported = ?, rows_rejected = ?, cases_imported = ?,
                victims_imported = ?
            WHERE id = ?
            """)
        countNewRows = try db.prepare(
            """
            SELECT (SELECT count(*) FROM cases WHERE id >= :first),
                (SELECT count(*) FROM victims WHERE case_id >= :first)
            """)
        insertCase = try db.prepare(
            """
            INSERT INTO cases (case_ref, batch_id, reported_on, year, state, county_fips, city, trafficking_type,
                source_line, country)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (case_ref) DO NOTHING
            """, persistent: true)
        findCase = try db.prepare(
            """
            SELECT id, batch_id, source_line, reported_on, year, state, county_fips, city, trafficking_type, country
            FROM cases WHERE case_ref = ?
            """, persistent: true)
        findCaseInBatch = try db.prepare("SELECT id FROM cases WHERE case_ref = ? AND batch_id = ?")
        caseVenues = try db.prepare("SELECT venue_id FROM case_venues WHERE case_id = ? ORDER BY venue_id")
        insertVenue = try db.prepare("INSERT INTO case_venues (case_id, venue_id) VALUES (?, ?)", persistent: true)
        nextPosition = try db.prepare("SELECT coalesce(max(position), 0) + 1 FROM victims WHERE case_id = ?")
        insertVictim = try db.prepare(
            """
            INSERT INTO victims (case_id, position, victim_ref, gender, age_group, age, citizenship, source_line,
                nationality)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, persistent: true)
        victimLine = try db.prepare("SELECT source_line FROM victims WHERE case_id = ? AND victim_ref = ?")
        deleteCase = try db.prepare("DELETE FROM cases WHERE id = ?")
        deleteVictims = try db.prepare("DELETE FROM victims WHERE case_id = ?")
        deleteVenues = try db.prepare("DELETE FROM case_venues WHERE case_id = ?")
        renameCase = try db.prepare("UPDATE cases SET case_ref = ? WHERE id = ?")
        batchFile = try db.prepare("SELECT file_name FROM import_batches WHERE id = ?")
        countStatements = try CountStatements(db)
        nextCaseID = try db.prepare("SELECT coalesce(max(id), 0) + 1 FROM cases")
        undoVictims = try db.prepare("DELETE FROM victims WHERE case_id >= ?")
        undoVictimsOfCase = try db.prepare("DELETE FROM victims WHERE case_id = ? AND position >= ?")
        undoVenues = try db.prepare("DELETE FROM case_venues WHERE case_id >= ?")
        undoCases = try db.prepare("DELETE FROM cases WHERE id >= ?")
        // OR FAIL: a failing row stops the statement without undoing its earlier rows, so SQLite need not keep a
        // statement journal (a copy of every page the statement changes) for it; the victims INSERT still writes
        // one (BENCHMARKS.md, session 3). writeStaged deletes the whole staged batch by id on any failure anyway.
        // Text is bound with its length: the load runs with CHECK constraints off (`importFile`), so no SQL function
        // reads it, and SQLite need not run strlen on every value.
        bulkCases = BulkInsert(
            db, "INSERT OR FAIL INTO cases (id, case_ref, batch_id, reported_on, year, state, county_fips, city, "
                + "trafficking_type, source_line, country)", columns: 11, bindsTextLength: true)
        bulkVenues = BulkInsert(db, "INSERT OR FAIL INTO case_venues (case_id, venue_id)", columns: 2)
        bulkVictims = BulkInsert(
            db, "INSERT OR FAIL INTO victims (case_id, position, victim_ref, gender, age_group, age, citizenship, "
                + "source_line, nationality)", columns: 9, bindsTextLength: true)
    }

    /// Whether a batch has a file of `bytes` bytes, or one of unknown size (imported before schema version 14).
    func batchMayHave(bytes: Int) throws -> Bool {
        defer { try? findBatchBySize.reset() }
        try findBatchBySize.bind(bytes, at: 1)
        return try findBatchBySize.step()
    }

    func batch(sha256: String) throws -> Int64? {
        defer { try? findBatch.reset() }
        try findBatch.bind(sha256, at: 1)
        return try findBatch.step() ? findBatch.int64(0) : nil
    }

    /// The stored case with this reference: its id, batch, first line and fields.
    func storedCase(_ caseRef: String) throws -> (id: Int64, batch: Int64, line: Int, record: CaseRecord)? {
        defer { try? findCase.reset() }
        try findCase.bind(caseRef, at: 1)
        guard try findCase.step() else { return nil }
        let id = findCase.int64(0)
        var record = CaseRecord(
            caseRef: caseRef, reportedOn: findCase.string(3) ?? "", year: findCase.int(4),
            state: findCase.string(5) ?? "", countyFIPS: findCase.string(6), city: findCase.string(7),
            traffickingType: TraffickingType(rawValue: findCase.string(8) ?? "") ?? .notSpecified, venueIDs: [],
            country: findCase.string(9) ?? "US")
        let batch = findCase.int64(1)
        let line = findCase.int(2)
        try findCase.reset()
        defer { try? caseVenues.reset() }
        try caseVenues.bind(id, at: 1)
        while try caseVenues.step() {
            // The links' foreign key and VocabularyCheck keep every id one of Venue.all.
            guard record.venueIDs.insert(caseVenues.int(0)) != .outOfRange else {
                throw VocabularyCheck.Mismatch(table: "case_venues")
            }
        }
        return (id, batch, line, record)
    }

    /// Deletes a case with its victims and venue links (explicitly: the load runs without foreign-key cascades).
    /// Deletes a case with its venue links and victims; returns how many victims it had.
    @discardableResult
    func delete(caseID id: Int64) throws -> Int {
        try deleteVictims.run(id)
        let victims = db.changes
        try deleteVenues.run(id)
        try deleteCase.run(id)
        return victims
    }

    func fileName(ofBatch id: Int64) throws -> String {
        defer { try? batchFile.reset() }
        try batchFile.bind(id, at: 1)
        return try batchFile.step() ? batchFile.string(0) ?? "" : ""
    }
}
