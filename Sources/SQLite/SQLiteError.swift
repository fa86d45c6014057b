import CSQLite

/// An error reported by SQLite: the result code (primary and extended), SQLite's message, and the SQL that failed.
///
/// Bound values are never part of an error: they may be victim data, which must not reach logs, terminals or test
/// failure messages.
///
///     do { try statement.run() } catch let error as SQLiteError where error.primaryCode == SQLITE_CONSTRAINT { ... }
///
/// See https://www.sqlite.org/rescode.html
public struct SQLiteError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The extended result code (for example 2067, `SQLITE_CONSTRAINT_UNIQUE`).
    public let extendedCode: Int32
    /// SQLite's message, copied at once (the next call on the connection changes it).
    public let message: String
    /// The SQL text that failed, when there was one.
    public let sql: String?

    public init(extendedCode: Int32, message: String, sql: String? = nil) {
        self.extendedCode = extendedCode
        self.message = message
        self.sql = sql
    }

    /// The primary result code (`extendedCode & 0xFF`), e.g. 19 for any constraint violation.
    public var primaryCode: Int32 { extendedCode & 0xFF }

    public var description: String {
        var text = "SQLite error \(primaryCode)"
        if extendedCode != primaryCode { text += " (extended \(extendedCode))" }
        text += ": \(message)"
        if let sql { text += " — in: \(sql.count > 500 ? String(sql.prefix(500)) + "…" : sql)" }
        return text
    }

    // MARK: - Well-known codes, so callers need not import CSQLite

    public static let ok = SQLITE_OK
    public static let error = SQLITE_ERROR
    public static let busy = SQLITE_BUSY
    public static let locked = SQLITE_LOCKED
    public static let readOnly = SQLITE_READONLY
    /// A read-only connection met a hot journal (a writer stopped mid-transaction) that it cannot roll back.
    public static let readOnlyRollback = Int32(SQLITE_READONLY | (3 << 8))
    public static let interrupt = SQLITE_INTERRUPT
    public static let ioError = SQLITE_IOERR
    public static let corrupt = SQLITE_CORRUPT
    public static let full = SQLITE_FULL
    public static let cantOpen = SQLITE_CANTOPEN
    public static let constraint = SQLITE_CONSTRAINT
    public static let mismatch = SQLITE_MISMATCH
    public static let misuse = SQLITE_MISUSE
    public static let auth = SQLITE_AUTH
    public static let range = SQLITE_RANGE
    public static let notADatabase = SQLITE_NOTADB
    public static let constraintCheck = Int32(SQLITE_CONSTRAINT | (1 << 8))
    public static let constraintForeignKey = Int32(SQLITE_CONSTRAINT | (3 << 8))
    public static let constraintNotNull = Int32(SQLITE_CONSTRAINT | (5 << 8))
    public static let constraintPrimaryKey = Int32(SQLITE_CONSTRAINT | (6 << 8))
    public static let constraintUnique = Int32(SQLITE_CONSTRAINT | (8 << 8))
    /// A trigger's RAISE(ABORT, ...) (SQLITE_CONSTRAINT_TRIGGER).
    public static let constraintTrigger = Int32(SQLITE_CONSTRAINT | (7 << 8))
    public static let constraintDataType = Int32(SQLITE_CONSTRAINT | (12 << 8))
}
