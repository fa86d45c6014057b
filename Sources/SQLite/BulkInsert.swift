import Foundation

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
    private struct Slot {
        enum Kind: UInt8 { case null, integer, text, terminatedText, externalText }
        /// The integer, the text's offset in the arena, or (external text) its address.
        var value: Int64
        var count: Int
        var kind: Kind
    }

    /// The pending rows. Held through a pointer: appends are the hot path of a bulk load, and going through the
    /// class's stored properties would check exclusive access on every one. Growable buffers of plain pointers
    /// rather than arrays: an array append checks uniqueness and capacity, and copying bytes into one went through
    /// the generic `append(contentsOf:)`.
    private struct Pending {
        var slots = GrowableBuffer<Slot>()
        /// The pending text values' UTF-8 bytes, each followed by a NUL.
        var arena = GrowableBuffer<UInt8>()
    }

    /// Elements of a trivial type, with room made by doubling.
    private struct GrowableBuffer<Element: BitwiseCopyable> {
        private(set) var base = UnsafeMutablePointer<Element>.allocate(capacity: 256)
        private(set) var capacity = 256
        var count = 0

        /// Makes room for `extra` more elements.
        mutating func reserve(_ extra: Int) {
            guard count + extra > capacity else { return }
            let grown = UnsafeMutablePointer<Element>.allocate(capacity: max(capacity * 2, count + extra))
            grown.initialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity = max(capacity * 2, count + extra)
        }

        mutating func append(_ element: Element) {
            reserve(1)
            (base + count).initialize(to: element)
            count += 1
        }

        func free() { base.deallocate() }
    }

    private let connection: Connection
    private let head: String
    private let tail: String
    public let columns: Int
    public let rowsPerStatement: Int
    /// Whether text is bound with its length rather than as NUL-terminated (see `init`).
    public let bindsTextLength: Bool
    private var statements: [Int: Statement] = [:]
    private let pending: UnsafeMutablePointer<Pending>

    /// - Parameters:
    ///   - head: `INSERT INTO table (columns...)`; `tail`: what follows the rows (an `ON CONFLICT` clause), or "".
    ///   - columns: values per row.
    ///   - bindsTextLength: text is NUL-terminated in the buffer, and by default bound as such (length -1), so that
    ///     SQL functions reading a value in a CHECK constraint (`length`, `date`) use it in place rather than copy it
    ///     to add the terminator; SQLite then runs `strlen` on every value. For a load that runs with CHECK
    ///     constraints off (`ignore_check_constraints`), true binds each value with its length instead.
    public init(_ connection: Connection, _ head: String, columns: Int, tail: String = "", rowsPerStatement: Int = 64,
                bindsTextLength: Bool = false) {
        precondition(columns > 0 && rowsPerStatement > 0)
        self.connection = connection
        self.head = head
        self.tail = tail
        self.columns = columns
        self.bindsTextLength = bindsTextLength
        // SQLite allows at most 32,766 parameters in one statement.
        self.rowsPerStatement = min(rowsPerStatement, 32_766 / columns)
        pending = .allocate(capacity: 1)
        pending.initialize(to: Pending())
    }

    deinit {
        pending.pointee.slots.free()
        pending.pointee.arena.free()
        pending.deinitialize(count: 1)
        pending.deallocate()
    }

    /// Rows appended and not yet written.
    public var pendingRows: Int { pending.pointee.slots.count / columns }

    /// Appends one value of the current row; `columns` values make a row.
    public func append(_ value: Int64) {
        pending.pointee.slots.append(Slot(value: value, count: 0, kind: .integer))
    }

    public func append(text: String) {
        var text = text
        text.withUTF8 { append(utf8: $0) }
    }

    /// Appends text given as UTF-8 bytes (copied).
    public func append(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        let offset = pending.pointee.arena.count
        pending.pointee.arena.reserve(bytes.count + 1)
        let start = pending.pointee.arena.base + offset
        if let source = bytes.baseAddress { start.initialize(from: source, count: bytes.count) }
        start[bytes.count] = 0
        pending.pointee.arena.count += bytes.count + 1
        // Whether it may be bound as NUL-terminated: only asked when text is bound that way (not `bindsTextLength`).
        let hasNUL = !bindsTextLength && bytes.count > 0 && memchr(bytes.baseAddress!, 0, bytes.count) != nil
        pending.pointee.slots.append(Slot(value: Int64(offset), count: bytes.count,
                                          kind: hasNUL ? .text : .terminatedText))
    }

    /// Appends text that stays where it is until the next `flush` or `discard` (a code string made once for the
    /// whole import): bound in place, not copied into the buffer. The `count` bytes must be followed by a NUL and
    /// hold none themselves.
    public func append(terminatedText bytes: UnsafePointer<UInt8>, count: Int) {
        pending.pointee.slots.append(Slot(value: Int64(Int(bitPattern: bytes)), count: count, kind: .externalText))
    }

    public func append(text: String?) {
        if let text { append(text: text) } else { appendNull() }
    }

    public func append(_ value: Int64?) {
        if let value { append(value) } else { appendNull() }
    }

    public func appendNull() {
        pending.pointee.slots.append(Slot(value: 0, count: 0, kind: .null))
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
        let count = pending.pointee.slots.count
        let complete = count - count % columns
        guard complete > 0 else { return }
        let base = UnsafePointer(pending.pointee.arena.base)
        let slots = UnsafePointer(pending.pointee.slots.base)
        let terminatedAsSuch = !bindsTextLength
        var offset = 0
        while offset < complete {
            let rows = min(rowsPerStatement, (complete - offset) / columns)
            let statement = try self.statement(rows: rows)
            // Every parameter is bound again before each run, so bindings are never cleared: those left after a
            // run point into the buffers only until the next run binds over them, and nothing reads them meanwhile
            // (clearing them was 1 % of a bulk load's storing thread).
            for index in 0..<(rows * columns) {
                let slot = slots[offset + index]
                switch slot.kind {
                case .null: try statement.bindNull(at: index + 1)
                case .integer: try statement.bind(slot.value, at: index + 1)
                case .text, .terminatedText:
                    try statement.bindUncopiedText(base + Int(slot.value), count: slot.count,
                                                   terminated: terminatedAsSuch && slot.kind == .terminatedText,
                                                   at: index + 1)
                case .externalText:
                    try statement.bindUncopiedText(UnsafePointer(bitPattern: Int(slot.value))!,
                                                   count: slot.count, terminated: terminatedAsSuch, at: index + 1)
                }
            }
            try statement.run()
            offset += rows * columns
        }
    }

    /// Drops the pending rows.
    public func discard() {
        pending.pointee.slots.count = 0
        pending.pointee.arena.count = 0
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
