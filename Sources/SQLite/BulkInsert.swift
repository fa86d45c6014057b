/// An INSERT of many rows at a time: rows are collected with the `append` methods and written by `flush` with one
/// statement per `rowsPerStatement` rows (`INSERT ... VALUES (...), (...), ...`). SQLite's cost per statement run
/// (binding, opening cursors, constraint set-up) is a large part of a single-row INSERT; spreading it over many rows
/// is what makes a bulk load fast. Text is gathered in one byte buffer and bound without copying. Statements are
/// prepared once per row count and reused.
///
///     let insert = BulkInsert(db, "INSERT INTO t (a, b)", columns: 2)
///     insert.append(1); insert.append(text: "x")
///     try insert.flush()
public final class BulkInsert {
    private enum Slot {
        case null
        case integer(Int64)
        case text(offset: Int, count: Int)
    }

    private let connection: Connection
    private let head: String
    private let tail: String
    public let columns: Int
    public let rowsPerStatement: Int
    private var statements: [Int: Statement] = [:]
    private var slots: [Slot] = []
    /// The pending text values' UTF-8 bytes, one after another.
    private var arena: [UInt8] = []

    /// - Parameters:
    ///   - head: `INSERT INTO table (columns...)`; `tail`: what follows the rows (an `ON CONFLICT` clause), or "".
    ///   - columns: values per row.
    public init(_ connection: Connection, _ head: String, columns: Int, tail: String = "", rowsPerStatement: Int = 64) {
        precondition(columns > 0 && rowsPerStatement > 0)
        self.connection = connection
        self.head = head
        self.tail = tail
        self.columns = columns
        // SQLite allows at most 32,766 parameters in one statement.
        self.rowsPerStatement = min(rowsPerStatement, 32_766 / columns)
    }

    /// Rows appended and not yet written.
    public var pendingRows: Int { slots.count / columns }

    /// Appends one value of the current row; `columns` values make a row.
    public func append(_ value: Int64) {
        slots.append(.integer(value))
    }

    public func append(text: String) {
        var text = text
        let offset = arena.count
        text.withUTF8 { arena.append(contentsOf: $0) }
        slots.append(.text(offset: offset, count: arena.count - offset))
    }

    public func append(text: String?) {
        if let text { append(text: text) } else { appendNull() }
    }

    public func append(_ value: Int64?) {
        if let value { append(value) } else { appendNull() }
    }

    public func appendNull() {
        slots.append(.null)
    }

    /// Appends a value of any kind (reals and blobs are not supported: the bulk loads have none).
    public func append(_ value: SQLValue) {
        switch value {
        case .null: appendNull()
        case .integer(let int): append(int)
        case .text(let text): append(text: text)
        case .real, .blob: preconditionFailure("BulkInsert takes integers, text and NULL")
        }
    }

    /// Writes every complete pending row. When a statement fails (a constraint, say), the rows before it stay
    /// written — run it inside a savepoint to take them back — and the pending rows are dropped.
    public func flush() throws {
        defer { discard() }
        let complete = slots.count - slots.count % columns
        // An empty arena still needs a valid address for empty text.
        if arena.isEmpty { arena.append(0) }
        try arena.withUnsafeBufferPointer { bytes in
            var offset = 0
            while offset < complete {
                let rows = min(rowsPerStatement, (complete - offset) / columns)
                let statement = try self.statement(rows: rows)
                defer { try? statement.clearBindings() }
                for index in 0..<(rows * columns) {
                    switch slots[offset + index] {
                    case .null: try statement.bindNull(at: index + 1)
                    case .integer(let value): try statement.bind(value, at: index + 1)
                    case .text(let start, let count):
                        try statement.bindUncopiedText(bytes.baseAddress! + start, count: count, at: index + 1)
                    }
                }
                try statement.run()
                offset += rows * columns
            }
        }
    }

    /// Drops the pending rows.
    public func discard() {
        slots.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
    }

    private func statement(rows: Int) throws -> Statement {
        if let statement = statements[rows] { return statement }
        let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
        let sql = head + " VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
            + (tail.isEmpty ? "" : " " + tail)
        let statement = try connection.prepare(sql, persistent: true)
        statements[rows] = statement
        return statement
    }
}
