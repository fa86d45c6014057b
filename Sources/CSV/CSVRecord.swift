/// One record read by ``CSVReader``: raw field bytes, not decoded and not trimmed.
///
/// ```swift
/// while let record = try reader.next() {
///     let name = record.string(0, encoding: .windows1252)
/// }
/// ```
///
/// The reader reuses its record buffer from one record to the next. A record is nevertheless a value: keeping one
/// after the reader's next call is safe (the reader then starts a new buffer for itself); it only costs that
/// allocation.
///
/// Field indexes are 0-based and must be below ``count``; an index out of range is a programmer error and traps,
/// like an array subscript. Check ``count`` against the header before reading fields.
public struct CSVRecord: Sendable {
    /// The 1-based physical line where the record starts (the header is line 1).
    public let line: Int
    /// The number of fields; at least 1 (an empty line is one empty field).
    public let count: Int

    /// The reader never changes a buffer that a record holds.
    @usableFromInline let buffer: RecordBuffer

    init(buffer: RecordBuffer, line: Int, count: Int) {
        self.buffer = buffer
        self.line = line
        self.count = count
    }

    /// Calls `body` with the bytes of field `index`, without copying them.
    ///
    /// The buffer is valid only inside `body`; its `baseAddress` is never nil, also for an empty field.
    @inlinable
    public func withField<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        precondition(index >= 0 && index < count, "CSVRecord field index out of range")
        return try withExtendedLifetime(buffer) {
            let start = buffer.bounds[2 &* index]
            let end = buffer.bounds[2 &* index &+ 1]
            return try body(UnsafeBufferPointer(start: buffer.bytes + start, count: end &- start))
        }
    }

    /// Calls `body` with the bytes from the first field's start to the last field's end, without copying them: every
    /// field's bytes lie within, separated by delimiters and quotes (and, after a field with an escaped quote, by
    /// bytes left over from unescaping it). For checking a whole record at once: text that is valid UTF-8 there is
    /// valid in every field (no field boundary can split a sequence, being next to an ASCII byte).
    @inlinable
    public func withAllFields<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try withExtendedLifetime(buffer) {
            let start = buffer.bounds[0]
            let end = buffer.bounds[2 &* count &- 1]
            return try body(UnsafeBufferPointer(start: buffer.bytes + start, count: end &- start))
        }
    }

    /// A copy of the bytes of field `index`.
    @inlinable
    public func bytes(_ index: Int) -> [UInt8] {
        withField(index) { Array($0) }
    }

    /// Field `index` decoded with `encoding`, or nil when its bytes are not valid in that encoding.
    @inlinable
    public func string(_ index: Int, encoding: TextEncoding = .utf8) -> String? {
        withField(index) { encoding.decode($0) }
    }

    /// Whether field `index` has no bytes at all (a field of spaces is not empty: the reader never trims).
    @inlinable
    public func isEmpty(_ index: Int) -> Bool {
        withField(index) { $0.isEmpty }
    }
}
