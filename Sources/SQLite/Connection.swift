import CSQLite
import Foundation

/// A connection to one SQLite database file.
///
/// Every connection is set up the same way on open: extended result codes, a busy timeout, `foreign_keys = ON`,
/// double-quoted string literals off, and for writers WAL journaling (checked by reading back the pragma's answer)
/// with `synchronous = NORMAL`.
///
///     let db = try Connection(path: "hotline.db")
///     try db.transaction { try db.execute("INSERT INTO t VALUES (1)") }
///
/// A connection is used from one thread at a time. See https://www.sqlite.org/c3ref/open.html
public final class Connection {
    /// How the file is opened.
    public enum Mode: Sendable {
        /// Read and write; the file is created when missing.
        case readWriteCreate
        /// Read and write an existing file.
        case readWrite
        /// Read only (`SQLITE_OPEN_READONLY`): any write fails with `SQLITE_READONLY`.
        case readOnly
    }

    /// The path the connection was opened with.
    public let path: String
    public let mode: Mode
    /// The raw handle, for the few callers inside this module that need it. Nil once closed.
    private(set) var handle: OpaquePointer?
    /// Statements that are still alive, so that `close()` can finalize them first (close fails while they live).
    private var liveStatements: [ObjectIdentifier: WeakStatement] = [:]
    private var savepointCounter = 0
    /// Closures reached from C callbacks (authorizer, progress handler); lives as long as the connection.
    let hooks = HookBox()

    /// Opens (and for `.readWriteCreate`, creates) the database at `path`.
    ///
    /// - Parameters:
    ///   - path: a file path; `":memory:"` for a private in-memory database.
    ///   - mode: read-write (creating or not) or read-only.
    ///   - busyTimeout: how long to wait for another connection's lock before failing with `SQLITE_BUSY`.
    ///   - pageSize: the page size in bytes (a power of two, 512-65536) for a database with no page yet (a new
    ///     file); nil for SQLite's default. An existing database keeps its own: WAL mode fixes it.
    /// - Throws: `SQLiteError`, with a clear message when the file is not a database (`SQLITE_NOTADB`).
    public init(path: String, mode: Mode = .readWriteCreate, busyTimeout: Double = 5, pageSize: Int? = nil) throws {
        self.path = path
        self.mode = mode
        var flags: Int32 = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        switch mode {
        case .readWriteCreate: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
        case .readWrite: flags |= SQLITE_OPEN_READWRITE
        case .readOnly: flags |= SQLITE_OPEN_READONLY
        }
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            // "A database connection handle is usually returned in *ppDb, even if an error occurs."
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw SQLiteError(extendedCode: rc, message: "cannot open \(path): \(message)")
        }
        handle = db
        do {
            try configure(busyTimeout: busyTimeout, pageSize: pageSize)
        } catch {
            sqlite3_close_v2(db)
            handle = nil
            throw error
        }
    }

    deinit {
        for statement in liveStatements.values { statement.value?.finalize() }
        if let handle { sqlite3_close_v2(handle) }
    }

    private func configure(busyTimeout: Double, pageSize: Int?) throws {
        guard let handle else { return }
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, Int32(clamping: Int((busyTimeout * 1000).rounded())))
        try check(htdb_sqlite3_disable_dqs(handle))
        // The first statement reads the file header, so a file that is not a database fails here, clearly.
        do {
            _ = try scalarInt("PRAGMA schema_version")
        } catch let error as SQLiteError where error.primaryCode == SQLITE_NOTADB {
            throw SQLiteError(extendedCode: error.extendedCode, message: "\(path) is not an SQLite database")
        } catch let error as SQLiteError where error.extendedCode == SQLiteError.readOnlyRollback {
            try Self.rollBackHotJournal(path, busyTimeout: busyTimeout)
            _ = try scalarInt("PRAGMA schema_version")
        }
        // Outside any transaction: the pragma is a no-op inside one.
        try execute("PRAGMA foreign_keys = ON")
        if mode != .readOnly {
            // Before WAL mode, which fixes the page size once the file has a page.
            if let pageSize, try scalarInt("PRAGMA page_count") == 0 {
                precondition((512...65536).contains(pageSize) && pageSize & (pageSize - 1) == 0,
                             "a page size is a power of two from 512 to 65536")
                try execute("PRAGMA page_size = \(pageSize)")
            }
            let journal = try scalarText("PRAGMA journal_mode = WAL")
            guard journal?.lowercased() == "wal" || path == ":memory:" || path.isEmpty else {
                throw SQLiteError(
                    extendedCode: SQLITE_ERROR,
                    message: "\(path): could not switch to WAL journaling (journal_mode is \(journal ?? "unknown"))")
            }
            try execute("PRAGMA synchronous = NORMAL")
        }
    }

    /// Puts the file back as it was before a write that stopped mid-transaction (a killed process, a power loss)
    /// and left a hot rollback journal (see `withRollbackJournal`). Any read-write connection does this on its first
    /// read; a read-only one cannot, and fails with SQLITE_READONLY_ROLLBACK instead. So a read-only connection has
    /// it done by a short read-write handle, which changes nothing but what the journal restores: the last committed
    /// state, the one every reader is meant to see.
    /// - Throws: `SQLiteError` when the file or its folder cannot be written.
    private static func rollBackHotJournal(_ path: String, busyTimeout: Double) throws {
        var db: OpaquePointer?
        defer { sqlite3_close_v2(db) }
        var rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, nil)
        if rc == SQLITE_OK, let db {
            sqlite3_busy_timeout(db, Int32(clamping: Int((busyTimeout * 1000).rounded())))
            // The first read takes the shared lock, which finds the journal hot and plays it back.
            rc = sqlite3_exec(db, "PRAGMA schema_version", nil, nil, nil)
        }
        guard rc == SQLITE_OK else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            throw SQLiteError(
                extendedCode: SQLiteError.readOnlyRollback,
                message: "\(path): a write to it was interrupted, and its journal (\(path)-journal) must be rolled "
                    + "back first, which needs write access to the file and its folder (\(message))")
        }
    }

    /// Finalizes every statement still alive, then closes the connection. Calling it twice is harmless.
    ///
    /// Statements of this connection fail with `SQLITE_MISUSE` afterwards.
    /// See https://www.sqlite.org/c3ref/close.html
    public func close() throws {
        guard let handle else { return }
        for statement in liveStatements.values { statement.value?.finalize() }
        liveStatements.removeAll()
        let rc = sqlite3_close(handle)
        guard rc == SQLITE_OK else { throw makeError(rc) }
        self.handle = nil
    }

    /// Whether `close()` has run.
    public var isClosed: Bool { handle == nil }

    // MARK: - Statements

    /// Compiles one SQL statement. Text after the first statement is an error, not silently ignored.
    ///
    /// - Throws: `SQLiteError` for a syntax error, or when `sql` holds no statement or more than one.
    /// See https://www.sqlite.org/c3ref/prepare.html
    public func prepare(_ sql: String, persistent: Bool = false) throws -> Statement {
        let handle = try openHandle()
        var stmt: OpaquePointer?
        var tailOffset = 0
        let rc = sql.utf8CString.withUnsafeBufferPointer { buffer -> Int32 in
            var tail: UnsafePointer<CChar>?
            let flags = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
            let rc = sqlite3_prepare_v3(handle, buffer.baseAddress, Int32(buffer.count), flags, &stmt, &tail)
            if let tail, let base = buffer.baseAddress { tailOffset = tail - base }
            return rc
        }
        guard rc == SQLITE_OK else { throw makeError(rc, sql: sql) }
        guard let stmt else {
            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "no SQL statement to run", sql: sql)
        }
        let rest = sql.utf8.dropFirst(tailOffset)
        if Self.holdsStatement(String(decoding: rest, as: UTF8.self)) {
            sqlite3_finalize(stmt)
            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "only one SQL statement is allowed here", sql: sql)
        }
        let statement = Statement(connection: self, handle: stmt, sql: sql)
        liveStatements[ObjectIdentifier(statement)] = WeakStatement(statement)
        return statement
    }

    /// Whether `sql` holds anything but white space, comments and semicolons (`prepare` refuses a second statement).
    private static func holdsStatement(_ sql: String) -> Bool {
        var remaining = Substring(sql)
        while let first = remaining.first {
            if first.isWhitespace || first == ";" {
                remaining = remaining.dropFirst()
            } else if remaining.hasPrefix("--") {
                // As in SQLite's tokenizer, the comment runs to the next LF: a CR LF pair ends it (one Character
                // in Swift, so its scalars are looked at), a lone CR does not.
                let scalars = remaining.unicodeScalars
                guard let newline = scalars.firstIndex(of: "\n") else { return false }
                remaining = Substring(scalars[scalars.index(after: newline)...])
            } else if remaining.hasPrefix("/*") {
                guard let end = remaining.range(of: "*/") else { return false }
                remaining = remaining[end.upperBound...]
            } else {
                return true
            }
        }
        return false
    }

    func nextSavepointName() -> String {
        savepointCounter += 1
        return "htdb_savepoint_\(savepointCounter)"
    }

    func forget(_ statement: Statement) {
        liveStatements[ObjectIdentifier(statement)] = nil
    }

    /// Runs SQL that may hold several statements (a migration, a script), none of them returning rows of interest.
    /// See https://www.sqlite.org/c3ref/exec.html
    public func execute(_ sql: String) throws {
        let handle = try openHandle()
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(errorMessage)
            throw SQLiteError(extendedCode: sqlite3_extended_errcode(handle), message: message, sql: sql)
        }
    }

    /// Runs one statement with the given arguments, ignoring any rows.
    public func run(_ sql: String, _ arguments: SQLBindable?...) throws {
        let statement = try prepare(sql)
        try statement.bind(arguments.map { $0?.sqlValue ?? .null })
        try statement.run()
    }

    /// The first column of the first row, or nil when there is no row or the value is NULL.
    public func scalarInt(_ sql: String, _ arguments: SQLBindable?...) throws -> Int64? {
        let statement = try prepare(sql)
        try statement.bind(arguments.map { $0?.sqlValue ?? .null })
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return statement.int64(0)
    }

    /// The first column of the first row as text, or nil when there is no row or the value is NULL.
    public func scalarText(_ sql: String, _ arguments: SQLBindable?...) throws -> String? {
        let statement = try prepare(sql)
        try statement.bind(arguments.map { $0?.sqlValue ?? .null })
        guard try statement.step(), !statement.isNull(0) else { return nil }
        return statement.string(0)
    }

    // MARK: - State

    /// The rowid of the last successful INSERT on this connection.
    public var lastInsertRowID: Int64 { handle.map { sqlite3_last_insert_rowid($0) } ?? 0 }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { handle.map { Int(sqlite3_changes64($0)) } ?? 0 }

    /// Whether a transaction is open (the connection is not in autocommit mode).
    public var isInTransaction: Bool { handle.map { sqlite3_get_autocommit($0) == 0 } ?? false }

    /// The version of the SQLite library in use, e.g. "3.40.1".
    public static var libraryVersion: String { String(cString: sqlite3_libversion()) }

    // MARK: - Errors

    func openHandle() throws -> OpaquePointer {
        guard let handle else {
            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "the database connection is closed")
        }
        return handle
    }

    func check(_ rc: Int32, sql: String? = nil) throws {
        if rc != SQLITE_OK { throw makeError(rc, sql: sql) }
    }

    func makeError(_ rc: Int32, sql: String? = nil) -> SQLiteError {
        guard let handle else {
            return SQLiteError(extendedCode: rc, message: String(cString: sqlite3_errstr(rc)), sql: sql)
        }
        let code = sqlite3_extended_errcode(handle)
        // errmsg belongs to the most recent failing call; when rc came from elsewhere (a bind), use rc's text.
        let message = (code & 0xFF) == (rc & 0xFF) ? String(cString: sqlite3_errmsg(handle))
            : String(cString: sqlite3_errstr(rc))
        return SQLiteError(extendedCode: (code & 0xFF) == (rc & 0xFF) ? code : rc, message: message, sql: sql)
    }
}

/// A weak reference, so the registry of live statements does not keep them alive.
private struct WeakStatement {
    weak var value: Statement?
    init(_ value: Statement) { self.value = value }
}

extension Connection {
    /// Whether a table (or view) of this name exists in the main schema.
    public func tableExists(_ name: String) throws -> Bool {
        try scalarInt("SELECT count(*) FROM sqlite_schema WHERE name = ? AND type IN ('table', 'view')", name) ?? 0 > 0
    }
}
