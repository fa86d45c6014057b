import CSQLite
import Foundation

/// SQLite copies the bytes during the bind call: Swift's pointers are valid only for that call.
private let transient = htdb_sqlite3_transient()

/// A compiled SQL statement: prepare once, then bind, step and reset as often as needed.
///
///     let insert = try db.prepare("INSERT INTO t (a, b) VALUES (?, :b)")
///     for row in rows {
///         try insert.bind(row.a, at: 1)
///         try insert.bind(row.b, named: ":b")
///         try insert.run()          // steps to the end, then resets
///     }
///
/// Finalized in `deinit`, or by `Connection.close()`. See https://www.sqlite.org/c3ref/stmt.html
public final class Statement {
    /// The connection stays alive as long as its statements.
    public let connection: Connection
    public let sql: String
    private var handle: OpaquePointer?

    init(connection: Connection, handle: OpaquePointer, sql: String) {
        self.connection = connection
        self.handle = handle
        self.sql = sql
    }

    deinit {
        if let handle {
            sqlite3_finalize(handle)
            connection.forget(self)
        }
    }

    /// Releases the compiled statement; later calls fail with `SQLITE_MISUSE`.
    func finalize() {
        if let handle { sqlite3_finalize(handle) }
        handle = nil
    }

    private func live() throws -> OpaquePointer {
        guard let handle else {
            throw SQLiteError(extendedCode: SQLITE_MISUSE, message: "the statement is finalized", sql: sql)
        }
        return handle
    }

    // MARK: - Binding

    /// Number of parameters (`?`, `?NNN`, `:name`, `@name`, `$name`).
    public var parameterCount: Int { handle.map { Int(sqlite3_bind_parameter_count($0)) } ?? 0 }

    /// The name of parameter `index` (1-based), with its prefix (":name"); nil for a positional `?`.
    public func parameterName(_ index: Int) -> String? {
        guard let handle, let name = sqlite3_bind_parameter_name(handle, Int32(index)) else { return nil }
        return String(cString: name)
    }

    /// Binds a value to parameter `index`; indexes start at 1.
    public func bind(_ value: SQLBindable?, at index: Int) throws {
        try bind(value?.sqlValue ?? .null, at: index)
    }

    /// Binds `count` bytes of UTF-8 at `bytes` without copying them: they must stay unchanged until the statement
    /// has run and its bindings were cleared (BulkInsert's arena). `terminated`: a NUL follows the bytes and none is
    /// among them, which SQLite is told (length -1), so that SQL functions reading the value (`length`, `date`
    /// in CHECK constraints) use it as is instead of copying it to add the terminator.
    func bindUncopiedText(_ bytes: UnsafePointer<UInt8>, count: Int, terminated: Bool, at index: Int) throws {
        let handle = try live()
        let rc = bytes.withMemoryRebound(to: CChar.self, capacity: max(count, 1)) {
            terminated ? sqlite3_bind_text(handle, Int32(clamping: index), $0, -1, nil)
                : sqlite3_bind_text64(handle, Int32(clamping: index), $0, UInt64(count), nil, UInt8(SQLITE_UTF8))
        }
        if rc != SQLITE_OK { throw bindError(rc, parameter: "\(index)") }
    }

    /// Binds a value to parameter `index` (1-based), without going through the `SQLBindable` protocol.
    public func bind(_ value: SQLValue, at index: Int) throws {
        let handle = try live()
        let rc: Int32
        let position = Int32(clamping: index)
        switch value {
        case .null: rc = sqlite3_bind_null(handle, position)
        case .integer(let int): rc = sqlite3_bind_int64(handle, position, int)
        case .real(let double): rc = sqlite3_bind_double(handle, position, double)
        case .text(var string):
            // The byte count, not -1: text with a NUL byte must survive whole.
            rc = string.withUTF8 { utf8 in bindUTF8(handle, position, utf8) }
        case .blob(let data):
            rc = data.withUnsafeBytes { bytes in
                // A zero-length blob is a blob, not NULL.
                bytes.baseAddress == nil
                    ? sqlite3_bind_zeroblob(handle, position, 0)
                    : sqlite3_bind_blob64(handle, position, bytes.baseAddress, UInt64(bytes.count), transient)
            }
        }
        if rc != SQLITE_OK { throw bindError(rc, parameter: "\(index)") }
    }

    // Typed binds: no SQLValue boxing on the bulk-load path.

    /// Binds an integer to parameter `index` (1-based).
    public func bind(_ value: Int64, at index: Int) throws {
        let rc = sqlite3_bind_int64(try live(), Int32(clamping: index), value)
        if rc != SQLITE_OK { throw bindError(rc, parameter: "\(index)") }
    }

    public func bind(_ value: Int, at index: Int) throws {
        try bind(Int64(value), at: index)
    }

    /// Binds an integer, or NULL for nil.
    public func bind(_ value: Int?, at index: Int) throws {
        if let value { try bind(Int64(value), at: index) } else { try bindNull(at: index) }
    }

    /// Binds text (by its byte count), or NULL for nil.
    public func bind(_ value: String?, at index: Int) throws {
        guard var value else { return try bindNull(at: index) }
        let handle = try live()
        let rc = value.withUTF8 { bindUTF8(handle, Int32(clamping: index), $0) }
        if rc != SQLITE_OK { throw bindError(rc, parameter: "\(index)") }
    }

    public func bind(_ value: String, at index: Int) throws {
        try bind(Optional(value), at: index)
    }

    public func bindNull(at index: Int) throws {
        let rc = sqlite3_bind_null(try live(), Int32(clamping: index))
        if rc != SQLITE_OK { throw bindError(rc, parameter: "\(index)") }
    }

    /// Binds text by its byte count (not -1, which would stop at a NUL byte). Empty text still needs a non-null
    /// pointer: a null one binds NULL.
    private func bindUTF8(_ handle: OpaquePointer, _ position: Int32, _ utf8: UnsafeBufferPointer<UInt8>) -> Int32 {
        guard let base = utf8.baseAddress, utf8.count > 0 else {
            var empty: CChar = 0
            return sqlite3_bind_text64(handle, position, &empty, 0, transient, UInt8(SQLITE_UTF8))
        }
        return base.withMemoryRebound(to: CChar.self, capacity: utf8.count) {
            sqlite3_bind_text64(handle, position, $0, UInt64(utf8.count), transient, UInt8(SQLITE_UTF8))
        }
    }

    /// Binds a value to the parameter called `name`, given with its prefix (":name").
    public func bind(_ value: SQLBindable?, named name: String) throws {
        let handle = try live()
        let index = sqlite3_bind_parameter_index(handle, name)
        guard index > 0 else {
            throw SQLiteError(extendedCode: SQLITE_RANGE, message: "no parameter named \(name)", sql: sql)
        }
        try bind(value, at: Int(index))
    }

    /// Binds values to parameters 1, 2, ... in order. The count must match.
    public func bind(_ values: [SQLValue]) throws {
        guard values.count == parameterCount else {
            throw SQLiteError(
                extendedCode: SQLITE_RANGE,
                message: "the statement has \(parameterCount) parameters, \(values.count) values were given", sql: sql)
        }
        for (offset, value) in values.enumerated() { try bind(value, at: offset + 1) }
    }

    /// Binds named values; each key is a parameter name with its prefix (":name").
    public func bind(named values: [String: SQLValue]) throws {
        for (name, value) in values { try bind(value, named: name) }
    }

    private func bindError(_ rc: Int32, parameter: String) -> SQLiteError {
        // Never the value: only which parameter.
        SQLiteError(
            extendedCode: rc, message: "cannot bind parameter \(parameter): \(String(cString: sqlite3_errstr(rc)))",
            sql: sql)
    }

    /// Sets every parameter back to NULL. See https://www.sqlite.org/c3ref/clear_bindings.html
    public func clearBindings() throws {
        sqlite3_clear_bindings(try live())
    }

    // MARK: - Running

    /// Advances to the next row: true when a row is ready to read, false when the statement is done.
    ///
    /// - Throws: `SQLiteError` (the statement is reset, so it can run again).
    /// See https://www.sqlite.org/c3ref/step.html
    @discardableResult
    public func step() throws -> Bool {
        let handle = try live()
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = connection.makeError(rc, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Steps to the end (ignoring rows), then resets so the statement is ready for new bindings.
    public func run() throws {
        defer { if let handle { sqlite3_reset(handle) } }
        while try step() {}
    }

    /// Runs the statement with `values` bound to parameters 1, 2, ...
    public func run(_ values: SQLBindable?...) throws {
        try bind(values.map { $0?.sqlValue ?? .null })
        try run()
    }

    /// Rewinds the statement; bindings stay. See https://www.sqlite.org/c3ref/reset.html
    public func reset() throws {
        let handle = try live()
        sqlite3_reset(handle)
    }

    /// Every row as an array of values (for small results; stream large ones with `step()`).
    public func allRows() throws -> [[SQLValue]] {
        defer { if let handle { sqlite3_reset(handle) } }
        var rows: [[SQLValue]] = []
        while try step() { rows.append((0..<columnCount).map { value($0) }) }
        return rows
    }

    // MARK: - Columns (indexes start at 0)

    public var columnCount: Int { handle.map { Int(sqlite3_column_count($0)) } ?? 0 }

    public func columnName(_ index: Int) -> String {
        guard let handle, let name = sqlite3_column_name(handle, Int32(index)) else { return "" }
        return String(cString: name)
    }

    /// Whether the current row's column holds NULL.
    public func isNull(_ index: Int) -> Bool {
        guard let handle else { return true }
        return sqlite3_column_type(handle, Int32(index)) == SQLITE_NULL
    }

    public func int64(_ index: Int) -> Int64 {
        guard let handle else { return 0 }
        return sqlite3_column_int64(handle, Int32(index))
    }

    public func int(_ index: Int) -> Int { Int(int64(index)) }

    public func double(_ index: Int) -> Double {
        guard let handle else { return 0 }
        return sqlite3_column_double(handle, Int32(index))
    }

    /// The column as text, read with its byte length so NUL bytes and non-ASCII survive; nil for NULL.
    public func string(_ index: Int) -> String? {
        guard let handle else { return nil }
        let column = Int32(index)
        guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
        // Order matters: text first, then its byte count. See https://www.sqlite.org/c3ref/column_blob.html
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }

    /// The column as bytes; nil for NULL.
    public func data(_ index: Int) -> Data? {
        guard let handle else { return nil }
        let column = Int32(index)
        guard sqlite3_column_type(handle, column) != SQLITE_NULL else { return nil }
        guard let bytes = sqlite3_column_blob(handle, column) else { return Data() }
        return Data(bytes: bytes, count: Int(sqlite3_column_bytes(handle, column)))
    }

    public func bool(_ index: Int) -> Bool { int64(index) != 0 }

    /// The column with its storage class.
    public func value(_ index: Int) -> SQLValue {
        guard let handle else { return .null }
        switch sqlite3_column_type(handle, Int32(index)) {
        case SQLITE_INTEGER: return .integer(int64(index))
        case SQLITE_FLOAT: return .real(double(index))
        case SQLITE_TEXT: return .text(string(index) ?? "")
        case SQLITE_BLOB: return .blob(data(index) ?? Data())
        default: return .null
        }
    }

    /// Whether the statement leaves the database unchanged by itself. Not a sandbox (see `sqlite3_stmt_readonly`).
    public var isReadOnly: Bool { handle.map { sqlite3_stmt_readonly($0) != 0 } ?? true }
}
