/// A streaming RFC 4180 reader that yields one ``CSVRecord`` at a time.
///
/// ```swift
/// var reader = try CSVReader(path: "export.csv")
/// while let record = try reader.next() {
///     print(record.line, record.count)
/// }
/// ```
///
/// Syntax, as the hotline export spec gives it:
/// - Records end in LF, CRLF or a lone CR, freely mixed; a final line break is optional. A CRLF is one line break
///   even when a read splits it.
/// - A leading UTF-8 byte-order mark is skipped (see ``hadByteOrderMark``); input that is only a BOM has no records.
/// - `"` opens a quoted field only as the first byte of a field; inside one, `""` is a quote and delimiters and
///   line breaks are data. Anything else is data as-is: no trimming, no UTF-8 validation, NUL bytes included.
/// - Empty input has no records. An empty line (two line breaks in a row) is a record with one empty field; the
///   reader gives it like any other record and leaves blank-line policy to the caller.
/// - `line` numbers are physical: every LF, CRLF and lone CR counts, also inside quoted fields.
///
/// The file is read with read(2) in chunks of `chunkSize` bytes; memory stays within one chunk plus the largest
/// record. Malformed input ends in a ``CSVError``; after any error, ``next()`` returns nil.
///
/// The reader owns its file descriptor and closes it when the last copy goes away. Copies share one position:
/// reading from a copy advances the original too.
public struct CSVReader {
    private let storage: ReaderStorage

    /// Opens `path` for streaming.
    ///
    /// - Parameters:
    ///   - delimiter: the field separator; must not be `"`, CR or LF (a programmer error, which traps).
    ///   - chunkSize: bytes per read(2); clamped to 1...1 GiB.
    ///   - maxFieldBytes: the longest field accepted, in bytes after unescaping; longer ones throw
    ///     ``CSVError/fieldTooLarge(line:column:limit:)`` before they are buffered whole.
    ///   - maxFields: the most fields a record may have.
    /// - Throws: ``CSVError/io(path:message:)`` when the file cannot be opened.
    public init(
        path: String, delimiter: UInt8 = UInt8(ascii: ","), chunkSize: Int = 1 << 16,
        maxFieldBytes: Int = 16 << 20, maxFields: Int = 1 << 20
    ) throws(CSVError) {
        let fd = try systemOpenForReading(path)
        storage = ReaderStorage(
            input: .file(descriptor: fd, path: path), delimiter: delimiter, chunkSize: chunkSize,
            maxFieldBytes: maxFieldBytes, maxFields: maxFields)
    }

    /// Reads CSV from bytes in memory, in chunks of `chunkSize` like a file (which lets tests move chunk
    /// boundaries). Parameters as in ``init(path:delimiter:chunkSize:maxFieldBytes:maxFields:)``.
    public init(
        bytes: [UInt8], delimiter: UInt8 = UInt8(ascii: ","), chunkSize: Int = 1 << 16,
        maxFieldBytes: Int = 16 << 20, maxFields: Int = 1 << 20
    ) {
        storage = ReaderStorage(
            input: .memory(bytes, offset: 0), delimiter: delimiter, chunkSize: chunkSize,
            maxFieldBytes: maxFieldBytes, maxFields: maxFields)
    }

    /// The next record, or nil at the end of input.
    ///
    /// - Throws: a syntax or limit ``CSVError`` naming the line and field, or ``CSVError/io(path:message:)`` when a
    ///   read fails. After an error the reader is finished: later calls return nil.
    public mutating func next() throws(CSVError) -> CSVRecord? {
        try storage.readRecord()
    }

    /// Bytes of input consumed so far, BOM included; for progress against a size the caller knows.
    public var bytesConsumed: Int { storage.bytesConsumed }

    /// Whether the input started with a UTF-8 byte-order mark (known once ``next()`` has been called).
    public var hadByteOrderMark: Bool { storage.hadByteOrderMark }
}

// MARK: - Storage

/// Owns a ``RecordParser`` so that its file descriptor and buffers are released exactly once, however the public
/// ``CSVReader`` value is copied.
final class ReaderStorage {
    // One `var` for all parser state: each access to a class's `var` costs a dynamic exclusivity check, and this
    // way a record costs one instead of one per field of state.
    private var parser: RecordParser

    init(input: RecordParser.Input, delimiter: UInt8, chunkSize: Int, maxFieldBytes: Int, maxFields: Int) {
        parser = RecordParser(
            input: input, delimiter: delimiter, chunkSize: chunkSize, maxFieldBytes: maxFieldBytes,
            maxFields: maxFields)
    }

    deinit { parser.release() }

    /// Parses the next record; nil at the end of input or once finished.
    func readRecord() throws(CSVError) -> CSVRecord? { try parser.readRecord() }

    var bytesConsumed: Int { parser.bytesConsumed }
    var hadByteOrderMark: Bool { parser.hadByteOrderMark }
}
