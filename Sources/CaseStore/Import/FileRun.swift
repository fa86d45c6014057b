import CSV
import Foundation
import SQLite

/// The state of importing one file, inside its transaction.
struct FileRun {
    let path: String
    let format: ImportFormat
    let importer: Importer
    let events: ImportEvents
    let totalBytes: Int
    var statements: ImportStatements { importer.statements_ }
    var db: Connection { importer.database.connection }

    private(set) var batchID: Int64 = 0
    private(set) var rowsRead = 0
    private(set) var rowsRejected = 0
    private(set) var issueCount = 0
    private(set) var warningCount = 0
    /// Cases and victims this file stored and keeps so far: counted as rows are written and taken back (rather than
    /// with a scan of the new rows at the end, which read back every page the load wrote: 0.02 s at 1M rows).
    private(set) var casesImported = 0
    private(set) var victimsImported = 0
    private(set) var casesReplaced = 0
    /// A problem that stops the whole file (missing column, CSV syntax): nothing is kept, whatever --on-error says.
    private(set) var fileFailed = false
    private(set) var rejectsWritten: String?

    /// Rejected cases (reference -> the line of their first problem), lines with problems of their own (-> the
    /// messages, for the rejects file), and the cases --replace set aside: in temporary tables, flat in memory.
    private let rejects: RejectLog
    /// The case being read (rows of one case are usually adjacent): no query needed for its next rows.
    private var current: CurrentCase?
    /// The CSV source, kept for the rejects pass (its header and column mapping).
    private var csvSource: CSVRowSource?
    /// The CTDC source, kept for the rejects pass (its header and delimiter).
    private var ctdcSource: CTDCRowSource?
    /// What this file changes in the count tables, written by finishBatch (or before, when full).
    private var counts = CountDeltas()
    /// The reading thread, while there is one: records stored are handed back to it to be freed.
    private var reader: RecordReader?
    /// Records staged for multi-row INSERTs, not yet written (see `stage`).
    private var staged = Staged()
    /// Off while staged records are replayed row by row.
    private var staging = true
    /// The id of the first case this file stores.
    private var firstCaseID: Int64 = 1
    /// The DDL of the indexes set aside for the load (see `setIndexesAside`).
    private var droppedIndexes: [String] = []
    /// The DDL of the triggers set aside for the file (see `setTriggersAside`).
    private var droppedTriggers: [String] = []
    /// The victim references stored so far for `current`, the adjacent case (its rows staged or stored in a row);
    /// nil when not known (a case continued row by row): a staged victim's reference is checked against them.
    private var currentRefs: [String]? = []

    /// Records whose rows wait in the importer's BulkInserts, with what writing them changes.
    struct Staged {
        var records: [CheckedRecord] = []
        var cases = 0
        var victims = 0
        /// The adjacent case before the first staged record (restored for a replay).
        var currentBefore: CurrentCase?
        /// The id the next new case gets (cases are numbered here so their victims can be staged with them).
        var nextCaseID: Int64 = 1
    }

    struct CurrentCase {
        var caseRef: String
        var id: Int64
        var record: CaseRecord
        var firstLine: Int
        var nextPosition: Int
    }

    var hasRejects: Bool { !rejects.isEmpty }

    init(path: String, format: ImportFormat, importer: Importer, events: ImportEvents, totalBytes: Int) throws {
        rejects = try RejectLog(importer.database.connection)
        self.path = path
        self.format = format
        self.importer = importer
        self.events = events
        self.totalBytes = totalBytes
    }

    // MARK: - Loading

    /// Reads every record, storing valid rows and noting invalid ones.
    /// - Parameters: `sha256` and `bytes`: the file's hash and size, or `Importer.pendingSHA256` and nil while the
    ///   file is hashed after the load (see `recordHash`).
    mutating func load(sha256: String, bytes: Int?) throws {
        if importer.options.profile.dataSource == .ctdc { return try loadCTDC(sha256: sha256, bytes: bytes) }
        let source: any RowSource
        do {
            switch format {
            case .csv:
                let csv = try CSVRowSource(path: path, profile: importer.options.profile,
                                           encoding: importer.options.encoding)
                csvSource = csv
                source = csv
            case .ndjson:
                source = try NDJSONRowSource(path: path)
            }
        } catch {
            failFile(error)
            return
        }
        try beginBatch(sha256: sha256, bytes: bytes)
        // Records are read and checked on another thread while this one stores them. Warnings come in file order
        // (the CSV header's first; NDJSON keys as they are met).
        // While the storing thread is the busier, the reading thread applies the counts' journals in its waits.
        let sharedCounts = counts.shared
        let reader = RecordReader(source: source, validator: importer.validator,
                                  whileWaiting: { sharedCounts.applyIfFree() })
        self.reader = reader
        reader.start()
        defer {
            reader.stop()
            self.reader = nil
        }
        while var batch = reader.next() {
            // Each event is moved out of the batch, and an event with no reference in it left in its place, rather
            // than copied by a for-in: a copy retained every record's strings and arrays once more, and released
            // them again. (Reversing the batch to pop its events did the same: `reverse` swaps by copying; perf
            // put those retains at 3 % of this thread's time, each one on memory the reading thread wrote last.)
            let failed = try batch.withUnsafeMutableBufferPointer { events -> Bool in
                for index in events.indices {
                    let event = events.moveElement(from: index)
                    events.initializeElement(at: index, to: .progress(0))
                    if try !handle(event) { return true }
                }
                return false
            }
            if failed { return }
        }
        try writeStaged()
        events.progress(totalBytes, totalBytes, rowsRead)
        try settleReplacements()
    }

    /// Stores or reports one event of the reading thread; false when the file cannot be read further.
    private mutating func handle(_ event: consuming ReadEvent) throws -> Bool {
        switch consume event {
        case .record(let record):
            rowsRead += 1
            try take(record)
        case .warning(let issue):
            warn(issue)
        case .progress(let bytes):
            events.progress(bytes, totalBytes, rowsRead)
            if events.shouldStop() { throw ImportError.interrupted(path: path) }
        case .failed(let issue):
            failFile(issue)
            return false
        }
        return true
    }

    /// Reads a CTDC file (`--profile ctdc`): each data row is one case with one victim, mapped by ``CTDCMapping``,
    /// whose reference is `ctdc-` + the first 12 hex digits of the file's sha256 + `-` + the row's number, so that
    /// identical rows stay different victims and the same file always gives the same references. Rows are read
    /// and mapped on this thread (the mapping is cheap next to storing) and stored as hotline records are.
    private mutating func loadCTDC(sha256: String, bytes: Int?) throws {
        guard importer.options.format != .ndjson, let countries = importer.ctdcCountries else {
            failFile(FileIssue(line: 0, column: "", message: "the ctdc profile reads CSV files only"))
            return
        }
        var source: CTDCRowSource
        do {
            source = try CTDCRowSource(path: path, encoding: importer.options.encoding)
        } catch {
            failFile(error)
            return
        }
        ctdcSource = source
        let mapping = CTDCMapping(header: source.header, countries: countries)
        try beginBatch(sha256: sha256, bytes: bytes)
        for warning in source.warnings { warn(warning) }
        let prefix = "ctdc-" + sha256.prefix(12) + "-"
        while true {
            let row: CTDCRowSource.Row
            do {
                guard let next = try source.next() else { break }
                row = next
            } catch {
                failFile(error)
                return
            }
            rowsRead += 1
            let caseRef = prefix + String(row.number)
            var validation = RowValidation(caseRef: caseRef, caseRecord: nil, victim: nil, issues: row.issues)
            if row.issues.isEmpty {
                switch mapping.map(fields: row.fields, line: row.line) {
                case .success(let victim):
                    let (caseRecord, victimRecord) = CTDCMapping.records(victim, caseRef: caseRef)
                    validation.caseRecord = caseRecord
                    validation.victim = victimRecord
                case .failure(let rejected):
                    validation.issues = rejected.issues
                }
            }
            var rows = CheckedRows()
            rows.append(validation)
            try take(CheckedRecord(line: row.line, issues: [], caseRef: caseRef, validations: rows))
            if rowsRead % RecordReader.batchSize == 0 {
                events.progress(source.bytesConsumed, totalBytes, rowsRead)
                if events.shouldStop() { throw ImportError.interrupted(path: path) }
            }
        }
        try writeStaged()
        events.progress(totalBytes, totalBytes, rowsRead)
        try settleReplacements()
    }

    private mutating func failFile(_ issue: FileIssue) {
        fileFailed = true
        report(RowIssue(line: issue.line, column: issue.column, message: issue.message))
    }

    private mutating func report(_ issue: RowIssue) {
        issueCount += 1
        events.issue(issue.formatted(file: path))
    }

    private mutating func warn(_ issue: RowIssue) {
        warningCount += 1
        events.warning(issue.formatted(file: path))
    }

    /// One record: rejected with its reasons, or stored.
    private mutating func take(_ record: consuming CheckedRecord) throws {
        if staging, try canStage(record) {
            try stage(record)
            return
        }
        // Row by row from here: what was staged is written first, so the database is as this path expects.
        try writeStaged()
        if !record.issues.isEmpty {
            try reject(line: record.line, issues: record.issues, caseRef: record.caseRef)
            return
        }
        let issues = record.validations.count == 1 ? record.validations[0].issues
            : record.validations.flatMap(\.issues)
        // Rows of a case already rejected are rejected with it (written out by the rejects pass); their own
        // problems are still reported, so one run shows every problem of the file.
        if let caseRef = record.caseRef, try rejects.isRejected(caseRef) {
            if !issues.isEmpty { try reject(line: record.line, issues: issues, caseRef: caseRef) }
            return
        }
        if !issues.isEmpty {
            try reject(line: record.line, issues: issues, caseRef: record.caseRef ?? record.validations.first?.caseRef)
            return
        }
        for validation in record.validations {
            guard let caseRecord = validation.caseRecord else { continue }
            if try !store(caseRecord, victim: validation.victim, line: record.line) { break }
        }
    }

    /// Records the batch (its counts are set by finishBatch) and prepares the load: case ids, indexes.
    private mutating func beginBatch(sha256: String, bytes: Int?) throws {
        try statements.insertBatch.run(
            (path as NSString).lastPathComponent, sha256, bytes, importer.options.profile.name, Migrator.timestamp())
        batchID = db.lastInsertRowID
        staged.nextCaseID = try Self.scalar(statements.nextCaseID)
        firstCaseID = staged.nextCaseID
        try setIndexesAside()
        try setTriggersAside()
    }

    // MARK: - Indexes during a bulk load

    /// When the file is large next to the cases already stored, drops the indexes on `cases` for the load and
    /// builds them again at the end (`restoreIndexes`, same transaction, same DDL): building an index sorts its keys
    /// once, while keeping it up to date inserts every new case's key at a random place in it. Measured with the
    /// schema's own index of versions 1-12 (cases_by_place, dropped by migration 0013), on 1,000,000 rows into an
    /// empty database: 21.7 s with the index kept, 13.3 s without it; building it then took about 1.4 s. So it pays
    /// when the new cases are more than about a fifth of those stored (about 160 bytes of CSV per case). The schema
    /// has no such index now; this is for indexes users make (the case_ref UNIQUE index has no DDL and stays).
    private mutating func setIndexesAside() throws {
        let storedCases = staged.nextCaseID - 1
        guard Int64(totalBytes / 160) * 5 > storedCases else { return }
        droppedIndexes = try drop(type: "index", on: "cases")
    }

    /// Drops the triggers on `victims` for the file's transaction and makes them again in `finishBatch` (same DDL):
    /// they keep a victim_ref unique in its case for other writers of the file (migration 8), and this import
    /// checks that rule itself for every row (`canStage`, `insertVictim`). Run for every row, they cost more than
    /// the unique index they replaced. A rollback brings them back with everything else.
    private mutating func setTriggersAside() throws {
        droppedTriggers = try drop(type: "trigger", on: "victims")
    }

    /// Drops the schema objects of a type on a table; returns their DDL.
    private func drop(type: String, on table: String) throws -> [String] {
        let statement = try db.prepare(
            "SELECT name, sql FROM sqlite_schema WHERE type = ? AND tbl_name = ? AND sql IS NOT NULL ORDER BY name")
        try statement.bind(type, at: 1)
        try statement.bind(table, at: 2)
        var objects: [(name: String, sql: String)] = []
        while try statement.step() {
            if let name = statement.string(0), let sql = statement.string(1) { objects.append((name, sql)) }
        }
        for object in objects {
            try db.execute("DROP \(type.uppercased()) \"" + object.name.replacingOccurrences(of: "\"", with: "\"\"")
                + "\"")
        }
        return objects.map(\.sql)
    }

    /// Builds the indexes set aside again. SQLite's sorter may use one helper thread for it (the reading thread is
    /// done by then, so the second core is free): building cases_by_place (schema 1-12) for 600,000 cases in the
    /// sqlite3 shell took 0.95-1.56 s without and 0.67-1.12 s with it, for about 4 MiB more memory.
    private mutating func restoreIndexes() throws {
        for sql in droppedTriggers { try db.execute(sql) }
        droppedTriggers = []
        guard !droppedIndexes.isEmpty else { return }
        try db.execute("PRAGMA threads = 1")
        defer { try? db.execute("PRAGMA threads = 0") }
        for sql in droppedIndexes { try db.execute(sql) }
        droppedIndexes = []
    }

    // MARK: - Multi-row INSERTs

    /// Whether a record can be staged: a valid record whose rows either continue the adjacent case or open a new
    /// one, the common case, written with multi-row INSERTs. Anything else goes row by row. A staged
    /// case whose reference turns out to exist already (from an earlier batch, or earlier in this file but not
    /// adjacent) makes `writeStaged` fail on the UNIQUE constraint and replay its records row by row.
    ///
    /// `mutating` although it changes nothing: called from `take` (mutating) as a non-mutating method, it got a copy
    /// of the whole FileRun (848 bytes, objdump: a memcpy for every record).
    private mutating func canStage(_ record: borrowing CheckedRecord) throws -> Bool {
        guard record.issues.isEmpty, !record.validations.isEmpty else { return false }
        if let caseRef = record.caseRef, try rejects.isRejected(caseRef) { return false }
        // Every row valid, and each row that continues the case before it agreeing with it: the case read before
        // this record, or one opened by an earlier row of it (`openedAt`). Read in place: no case is copied.
        // A victim_ref may not repeat in its case: among the references stored for the adjacent case
        // (`currentRefs`; when they are not known, its victims with a reference go row by row) and those of the
        // record's rows before it in the same case (`refsFrom`: the record's refs from there on are this case's).
        var check = StageCheck()
        // A record of one row (every CSV record) is read in place; others through copies of their rows.
        if record.validations.count == 1 { return canStage(record.validations.head, at: 0, of: record, &check) }
        for index in record.validations.indices {
            guard canStage(record.validations[index], at: index, of: record, &check) else { return false }
        }
        return true
    }

    /// Where `canStage` stands in a record: the row that opened the record's current case, whether that case is the
    /// adjacent one, and the first of the record's rows in it.
    private struct StageCheck {
        var openedAt: Int?
        var continuesCurrent = false
        var refsFrom = 0
    }

    /// Whether row `index` of `record` (`validation`) can be staged after the rows before it. (`mutating` for the
    /// reason `canStage(_:)` is.)
    private mutating func canStage(_ validation: borrowing RowValidation, at index: Int,
                                   of record: borrowing CheckedRecord, _ check: inout StageCheck) -> Bool {
        guard validation.issues.isEmpty, let row = validation.caseRecord else { return false }
        if let opener = check.openedAt, let open = record.validations[opener].caseRecord {
            if open.caseRef != row.caseRef {
                check.openedAt = index
                check.continuesCurrent = false
                check.refsFrom = index
            } else if Self.firstDifference(open, row) != nil {
                return false
            }
        } else if check.openedAt == nil, current?.caseRef == row.caseRef {
            // Read in place (`current!`), not bound to a copy of the case.
            if format == .ndjson && current!.firstLine != record.line { return false }
            if Self.firstDifference(current!.record, row) != nil { return false }
            check.continuesCurrent = true
        } else {
            check.openedAt = index
            check.continuesCurrent = false
            check.refsFrom = index
        }
        guard let ref = validation.victim?.ref else { return true }
        if check.continuesCurrent {
            guard let refs = currentRefs, !refs.contains(ref) else { return false }
        }
        for earlier in check.refsFrom..<index where record.validations[earlier].victim?.ref == ref { return false }
        return true
    }

    /// Stages a record `canStage` accepted (moved into the staged batch, not copied).
    private mutating func stage(_ record: consuming CheckedRecord) throws {
        if staged.records.isEmpty {
            staged.currentBefore = current
            counts.openJournal()
        }
        stageRows(of: record)
        staged.records.append(record)
        if staged.cases >= 256 || statements.bulkVictims.pendingRows >= 512 { try writeStaged() }
    }

    /// Stages the rows of a record, for `stage`.
    private mutating func stageRows(of record: borrowing CheckedRecord) {
        if record.validations.count == 1 { return stageRow(record.validations.head, line: record.line) }
        for index in record.validations.indices { stageRow(record.validations[index], line: record.line) }
    }

    /// Stages one row of a record on `line`: its case when the row opens one, and its victim.
    private mutating func stageRow(_ validation: borrowing RowValidation, line: Int) {
        guard let row = validation.caseRecord else { return }
        if current?.caseRef != row.caseRef {
            current = CurrentCase(caseRef: row.caseRef, id: staged.nextCaseID, record: row,
                                  firstLine: line, nextPosition: 1)
            // Emptied in place rather than replaced: a new array was a malloc and a free for every case.
            if currentRefs == nil { currentRefs = [] } else { currentRefs?.removeAll(keepingCapacity: true) }
            staged.nextCaseID += 1
            staged.cases += 1
            stageCase(row, id: staged.nextCaseID - 1, line: line)
        }
        if let victim = validation.victim, let id = current?.id, let position = current?.nextPosition {
            // The case's id and position only, not a copy of the case (160 bytes, strings retained).
            stageVictim(victim, caseID: id, position: position, of: row, line: line)
            staged.victims += 1
            if let ref = victim.ref { currentRefs?.append(ref) }
            current?.nextPosition += 1
        }
    }

    private mutating func stageCase(_ row: CaseRecord, id: Int64, line: Int) {
        let cases = statements.bulkCases
        cases.append(id)
        cases.append(text: row.caseRef)
        cases.append(batchID)
        cases.append(text: row.reportedOn.isEmpty ? nil : row.reportedOn)
        cases.append(Int64(row.year))
        cases.append(letterPair: row.state.isEmpty ? nil : row.state)
        cases.append(text: row.countyFIPS)
        cases.append(text: row.city)
        cases.append(CodeStrings.code(row.traffickingType))
        cases.append(Int64(line))
        cases.append(letterPair: row.country)
        for venue in row.venueIDs {
            statements.bulkVenues.append(id)
            statements.bulkVenues.append(Int64(venue))
        }
        counts.addCase(row, sign: 1)
    }

    private mutating func stageVictim(_ victim: VictimRecord, caseID: Int64, position: Int, of row: CaseRecord,
                                      line: Int) {
        let victims = statements.bulkVictims
        victims.append(caseID)
        victims.append(Int64(position))
        victims.append(text: victim.ref)
        victims.append(CodeStrings.code(victim.gender))
        victims.append(CodeStrings.code(victim.ageGroup))
        victims.append(victim.age.map(Int64.init))
        victims.append(CodeStrings.code(victim.citizenship))
        victims.append(Int64(line))
        victims.append(letterPair: victim.nationality)
        counts.addVictim(victim, of: row, sign: 1)
    }

    /// Writes the staged rows. On a constraint failure (a staged case that exists already, a victim_id repeated in
    /// its case) the rows this batch wrote are deleted again and the staged records are replayed row by row, which
    /// finds and reports exactly what conflicts.
    ///
    /// The undo is exact without a savepoint: the batch's new cases are numbered from `first` up, nothing else has
    /// such ids, its venue links belong to those cases, and its victims are theirs and those it added to the case
    /// read just before it (`currentBefore`, from that case's next position on). (A savepoint made SQLite copy
    /// every page the batch changed to a temporary file first: about one page write for every two rows imported.)
    /// The INSERTs are `OR FAIL` (see `ImportStatements`).
    private mutating func writeStaged() throws {
        // The kept counts, before a counter could overflow (changes in an open journal are not in them).
        if counts.needsWrite { try writeCounts() }
        guard !staged.records.isEmpty else { return }
        let batch = staged
        staged = Staged(nextCaseID: batch.nextCaseID)
        let first = batch.nextCaseID - Int64(batch.cases)
        do {
            try statements.bulkCases.flush()
            try statements.bulkVenues.flush()
            try statements.bulkVictims.flush()
            casesImported += batch.cases
            victimsImported += batch.victims
            counts.closeJournal(keep: true)
            reader?.free(batch.records)
        } catch let error as SQLiteError where error.primaryCode == SQLiteError.constraint {
            statements.bulkCases.discard()
            statements.bulkVenues.discard()
            statements.bulkVictims.discard()
            try statements.undoVictims.run(first)
            if let before = batch.currentBefore {
                try statements.undoVictimsOfCase.run(before.id, Int64(before.nextPosition))
            }
            try statements.undoVenues.run(first)
            try statements.undoCases.run(first)
            counts.closeJournal(keep: false)
            current = batch.currentBefore
            currentRefs = nil
            staging = false
            defer { staging = true }
            // Replayed row by row, which counts what it stores (the batch's counts were dropped with its journal).
            for record in batch.records { try take(record) }
            staged.nextCaseID = try Self.scalar(statements.nextCaseID)
        }
    }

    /// Notes a rejected line and rejects its whole case.
    private mutating func reject(line: Int, issues: [RowIssue], caseRef: String?) throws {
        for issue in issues { report(issue) }
        let messages = issues.map { $0.column.isEmpty ? $0.message : "\($0.column): \($0.message)" }
        try rejects.rejectLine(line, reason: messages.joined(separator: "; "))
        if let caseRef { try rejectCase(caseRef, line: line) }
    }

    /// Takes back every row of the case stored so far; later rows of it are rejected as they come.
    private mutating func rejectCase(_ caseRef: String, line: Int) throws {
        guard try rejects.rejectCase(caseRef, line: line) else { return }
        if current?.caseRef == caseRef { current = nil }
        defer { try? statements.findCaseInBatch.reset() }
        try statements.findCaseInBatch.bind(caseRef, at: 1)
        try statements.findCaseInBatch.bind(batchID, at: 2)
        if try statements.findCaseInBatch.step() {
            let id = statements.findCaseInBatch.int64(0)
            try statements.findCaseInBatch.reset()
            let victims = try deleteStoredCase(id)
            casesImported -= 1
            victimsImported -= victims
        }
    }

    /// Stores one valid row; false when the row turned out to conflict and its case was rejected.
    private mutating func store(_ record: CaseRecord, victim: VictimRecord?, line: Int) throws -> Bool {
        var open: CurrentCase
        if let adjacent = current, adjacent.caseRef == record.caseRef {
            guard try agrees(record, line: line, with: adjacent.record, firstLine: adjacent.firstLine) else {
                return false
            }
            open = adjacent
        } else {
            guard let opened = try openCase(record, line: line) else { return false }
            open = opened
        }
        if let victim {
            guard try insertVictim(victim, caseID: open.id, position: open.nextPosition, line: line,
                                   caseRef: record.caseRef) else { return false }
            counts.addVictim(victim, of: open.record, sign: 1)
            open.nextPosition += 1
        }
        current = open
        currentRefs = nil
        return true
    }

    /// Whether a further row of a case this file stored (first on `firstLine`) may join it: in NDJSON a case is one
    /// line; in CSV its case columns must agree. A row that may not is reported and rejects the case.
    private mutating func agrees(_ record: CaseRecord, line: Int, with stored: CaseRecord, firstLine: Int) throws -> Bool {
        if format == .ndjson && firstLine != line {
            try conflict(line: line, column: ExportColumn.caseID.rawValue, caseRef: record.caseRef,
                         "already appeared on line \(firstLine); in NDJSON a case is one line")
            return false
        }
        if let column = Self.firstDifference(stored, record) {
            try conflict(line: line, column: columnName(column), caseRef: record.caseRef,
                         "disagrees with line \(firstLine) of the same case (case columns must agree on every row)")
            return false
        }
        return true
    }

    /// Inserts a new case, or finds the one this file stored earlier; handles cases of earlier batches.
    private mutating func openCase(_ record: CaseRecord, line: Int) throws -> CurrentCase? {
        if try insertCase(record, line: line) {
            return CurrentCase(caseRef: record.caseRef, id: db.lastInsertRowID, record: record, firstLine: line,
                               nextPosition: 1)
        }
        guard let stored = try statements.storedCase(record.caseRef) else { return nil }
        if stored.batch == batchID {
            guard try agrees(record, line: line, with: stored.record, firstLine: stored.line) else { return nil }
            let next = try Self.scalar(statements.nextPosition, stored.id)
            return CurrentCase(caseRef: record.caseRef, id: stored.id, record: stored.record, firstLine: stored.line,
                               nextPosition: Int(next))
        }
        // The case came with an earlier batch.
        guard importer.options.replace else {
            let file = try statements.fileName(ofBatch: stored.batch)
            try conflict(line: line, column: columnName(.caseID), caseRef: record.caseRef,
                         "this case was imported before, in batch \(stored.batch) (\(file)); "
                             + "use --replace to replace that case")
            return nil
        }
        // Set the old case aside under a name no export can use; it is deleted once this file is done,
        // or restored if the new case is rejected.
        try statements.renameCase.run("\u{1}replaced:\(stored.id)", stored.id)
        try rejects.setAside(caseRef: record.caseRef, oldID: stored.id)
        guard try insertCase(record, line: line) else { return nil }
        return CurrentCase(caseRef: record.caseRef, id: db.lastInsertRowID, record: record, firstLine: line,
                           nextPosition: 1)
    }

    /// Inserts the case row and its venue links; false when a case with this reference exists already.
    private mutating func insertCase(_ record: CaseRecord, line: Int) throws -> Bool {
        let insert = statements.insertCase
        try insert.bind(record.caseRef, at: 1)
        try insert.bind(batchID, at: 2)
        try insert.bind(record.reportedOn.isEmpty ? nil : record.reportedOn, at: 3)
        try insert.bind(record.year, at: 4)
        try insert.bind(record.state.isEmpty ? nil : record.state, at: 5)
        try insert.bind(record.countyFIPS, at: 6)
        try insert.bind(record.city, at: 7)
        try insert.bind(record.traffickingType.code, at: 8)
        try insert.bind(line, at: 9)
        try insert.bind(record.country, at: 10)
        try insert.run()
        guard db.changes == 1 else { return false }
        casesImported += 1
        let id = db.lastInsertRowID
        // Staged cases are numbered after every case stored, so that writeStaged's undo (ids from the batch's
        // first up) can only ever remove the batch's own rows.
        staged.nextCaseID = max(staged.nextCaseID, id + 1)
        counts.addCase(record, sign: 1)
        for venue in record.venueIDs {
            try statements.insertVenue.bind(id, at: 1)
            try statements.insertVenue.bind(venue, at: 2)
            try statements.insertVenue.run()
        }
        return true
    }

    /// Inserts a victim; false when its victim_id repeats within the case (the case is then rejected). The rule is
    /// checked here, not by the triggers that keep it for other writers (set aside during the import).
    private mutating func insertVictim(_ victim: VictimRecord, caseID: Int64, position: Int, line: Int,
                                       caseRef: String) throws -> Bool {
        if let ref = victim.ref, let first = try victimRefLine(caseID: caseID, ref: ref) {
            try conflict(line: line, column: columnName(.victimID), caseRef: caseRef,
                         "repeats within the case (first on line \(first)); a victim_id is unique in its case")
            return false
        }
        let insert = statements.insertVictim
        try insert.bind(caseID, at: 1)
        try insert.bind(position, at: 2)
        try insert.bind(victim.ref, at: 3)
        try insert.bind(victim.gender.code, at: 4)
        try insert.bind(victim.ageGroup.code, at: 5)
        try insert.bind(victim.age, at: 6)
        try insert.bind(victim.citizenship.code, at: 7)
        try insert.bind(line, at: 8)
        try insert.bind(victim.nationality, at: 9)
        try insert.run()
        victimsImported += 1
        return true
    }

    /// The line of the case's victim with this reference, or nil when it has none.
    private func victimRefLine(caseID: Int64, ref: String) throws -> Int? {
        let statement = statements.victimLine
        defer { try? statement.reset() }
        try statement.bind(caseID, at: 1)
        try statement.bind(ref, at: 2)
        return try statement.step() ? statement.int(0) : nil
    }

    /// A row that conflicts with another: reported, and its case rejected.
    private mutating func conflict(line: Int, column: String, caseRef: String, _ message: String) throws {
        try reject(line: line, issues: [RowIssue(line: line, column: column, message: message)], caseRef: caseRef)
    }

    /// The file's name for an export column (its header as the file spells it, for CSV).
    private func columnName(_ column: ExportColumn) -> String {
        format == .csv ? csvSource?.columnNames[column.index] ?? importer.options.profile.header(for: column)
            : column.rawValue
    }

    /// The first case column on which two rows of a case differ, or nil when they agree.
    static func firstDifference(_ a: CaseRecord, _ b: CaseRecord) -> ExportColumn? {
        if a.reportedOn != b.reportedOn { return .reportedOn }
        if a.country != b.country { return .state }
        if a.state != b.state { return .state }
        if a.countyFIPS != b.countyFIPS { return .county }
        if a.city != b.city { return .city }
        if a.traffickingType != b.traffickingType { return .traffickingType }
        if a.venueIDs != b.venueIDs { return .venues }
        return nil
    }

    static func scalar(_ statement: Statement, _ argument: Int64? = nil) throws -> Int64 {
        defer { try? statement.reset() }
        if let argument { try statement.bind(argument, at: 1) }
        return try statement.step() ? statement.int64(0) : 0
    }

    /// Deletes a stored case with its victims and venue links, taking its rows out of the counts; returns how many
    /// victims it had.
    @discardableResult
    private mutating func deleteStoredCase(_ id: Int64) throws -> Int {
        try counts.subtractStoredCase(id, statements: statements.countStatements)
        return try statements.delete(caseID: id)
    }

    /// Deletes the old cases that --replace set aside, or restores those whose new case was rejected.
    private mutating func settleReplacements() throws {
        let rejects = rejects
        // The old cases are subtracted from the counts of the new ones, in the same maps.
        try rejects.settleSetAside { caseRef, oldID in
            if try rejects.isRejected(caseRef) {
                try statements.renameCase.run(caseRef, oldID)
            } else {
                try deleteStoredCase(oldID)
                casesReplaced += 1
            }
        }
    }

    // MARK: - Finishing

    /// Records the batch's counts, and writes its changes to the count tables.
    mutating func finishBatch() throws {
        try writeStaged()
        try writeCounts()
        try restoreIndexes()
        // What the rejects file needed is written; nothing of this file stays in the temporary tables.
        try rejects.clear()
        #if DEBUG
        // Every case this file stored has an id from firstCaseID up (staged cases are numbered from there, others
        // take max(id) + 1), and no other case has: the rows in that range are what the counts must say. Checked on
        // every import the tests run.
        let check = statements.countNewRows
        try check.bind(firstCaseID, named: ":first")
        _ = try check.step()
        assert(check.int(0) == casesImported && check.int(1) == victimsImported,
               "counted \(casesImported) cases, \(victimsImported) victims; stored \(check.int(0)), \(check.int(1))")
        try check.reset()
        #endif
        try statements.updateBatch.run(rowsRead, rowsRead - rowsRejected, rowsRejected, casesImported, victimsImported,
                                       batchID)
    }

    /// Records the file's hash and size in its batch (when they were not known as the load began).
    func recordHash(_ sha256: String, bytes: Int) throws {
        try statements.setBatchHash.run(sha256, bytes, batchID)
    }

    /// Writes the count changes so far.
    private mutating func writeCounts() throws {
        try counts.write(to: db)
    }

    /// Writes every rejected row, with its original fields, its line and the reason, to `rejectsPath`
    /// (created with mode 0600: it holds victim data).
    mutating func writeRejects(to rejectsPath: String) throws {
        let descriptor = open(rejectsPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw ImportError.cannotWriteRejects(path: rejectsPath, message: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        let writer = CSVWriter(fileDescriptor: descriptor)
        var rejected = 0
        let rejects = rejects
        defer { try? rejects.endLineReads() }
        func reason(line: Int, caseRef: String?) throws -> String? {
            if let own = try rejects.reason(ofLine: line) { return own }
            if let caseRef, let first = try rejects.firstLine(ofCase: caseRef) {
                return "rejected with its case: line \(first) of the same case is invalid"
            }
            return nil
        }
        do {
            switch format {
            case _ where ctdcSource != nil:
                guard let source = ctdcSource else { return }
                try writer.write(record: ["line", "error"] + source.headerFields)
                try CTDCRowSource.forEachRecord(path: path, source: source) { record in
                    guard let why = try rejects.reason(ofLine: record.line) else { return }
                    rejected += 1
                    var fields: [[UInt8]] = [Array(String(record.line).utf8), Array(why.utf8)]
                    fields += (0..<record.count).map { record.bytes($0) }
                    try Self.withBuffers(fields) { try writer.write(recordBytes: $0) }
                }
            case .csv:
                guard let source = csvSource else { return }
                // line and error come first, so they stay in their columns even when a row has too many fields.
                try writer.write(record: ["line", "error"] + source.header)
                try CSVRowSource.forEachRecord(path: path, source: source) { record, converted in
                    guard let why = try reason(line: record.line, caseRef: converted.caseRef) else { return }
                    rejected += 1
                    var fields: [[UInt8]] = [Array(String(record.line).utf8), Array(why.utf8)]
                    fields += (0..<record.count).map { record.bytes($0) }
                    try Self.withBuffers(fields) { try writer.write(recordBytes: $0) }
                }
            case .ndjson:
                try writer.write(record: ["line", "error", "json"])
                try NDJSONRowSource.forEachRecord(path: path) { text, converted in
                    guard let why = try reason(line: converted.line, caseRef: converted.caseRef) else { return }
                    rejected += 1
                    try writer.write(record: [String(converted.line), why, text])
                }
            }
            try writer.close()
        } catch let error as CSVError {
            throw ImportError.cannotWriteRejects(path: rejectsPath, message: error.message)
        }
        rowsRejected = rejected
        rejectsWritten = rejectsPath
    }

    private static func withBuffers(_ fields: [[UInt8]], _ body: ([UnsafeBufferPointer<UInt8>]) throws -> Void) rethrows {
        var pointers: [UnsafeBufferPointer<UInt8>] = []
        func nest(_ index: Int) throws {
            if index == fields.count { return try body(pointers) }
            try fields[index].withUnsafeBufferPointer { buffer in
                pointers.append(buffer)
                try nest(index + 1)
            }
        }
        try nest(0)
    }
}
