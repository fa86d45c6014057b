/// Writes RFC 4180 CSV to a file, a file descriptor or memory.
///
/// ```swift
/// let writer = try CSVWriter(path: "cases.csv")
/// try writer.write(record: ["case_id", "opened"])
/// try writer.write(record: ["C-1", "2024-03-01"])
/// try writer.close()
/// ```
///
/// A field is quoted exactly when it must be: when it holds the delimiter, `"`, CR or LF (quotes inside are
/// doubled). One more case, so that files read back as written: the very first field of output that has no
/// byte-order mark is quoted when it starts with the BOM's bytes, which a reader would otherwise drop.
/// Everything else is written verbatim. A record with no fields is written as an empty line, which reads back as
/// one empty field.
///
/// Output to a file or descriptor goes through a 64 KiB buffer and write(2); call ``close()`` (or ``flush()``)
/// to see write errors, since `deinit` can only flush on a best-effort basis.
public final class CSVWriter {
    /// The line break written after each record.
    public enum LineEnding: Sendable {
        case lf
        case crlf
    }

    // One `var` for all mutable state: each access to a class's `var` costs a dynamic exclusivity check, and this
    // way a record costs one check instead of several per field.
    private var core: WriterCore

    /// Creates or truncates `path` (mode 0644) and writes CSV to it.
    ///
    /// - Parameters:
    ///   - byteOrderMark: write a UTF-8 BOM first (some spreadsheet programs need it to read UTF-8).
    ///   - delimiter: the field separator; must not be `"`, CR or LF (a programmer error, which traps).
    /// - Throws: ``CSVError/io(path:message:)`` when the file cannot be created.
    public init(
        path: String, lineEnding: LineEnding = .crlf, byteOrderMark: Bool = false,
        delimiter: UInt8 = UInt8(ascii: ",")
    ) throws(CSVError) {
        let descriptor = try systemCreateForWriting(path)
        core = WriterCore(
            sink: .file(descriptor: descriptor, ownsDescriptor: true, label: path), lineEnding: lineEnding,
            byteOrderMark: byteOrderMark, delimiter: delimiter)
    }

    /// Writes CSV to an open descriptor, which the writer never closes.
    public init(
        fileDescriptor: Int32, lineEnding: LineEnding = .crlf, byteOrderMark: Bool = false,
        delimiter: UInt8 = UInt8(ascii: ",")
    ) {
        core = WriterCore(
            sink: .file(descriptor: fileDescriptor, ownsDescriptor: false, label: "file descriptor \(fileDescriptor)"),
            lineEnding: lineEnding, byteOrderMark: byteOrderMark, delimiter: delimiter)
    }

    /// Writes CSV to memory; read it from ``output``.
    public init(lineEnding: LineEnding = .crlf, byteOrderMark: Bool = false, delimiter: UInt8 = UInt8(ascii: ",")) {
        core = WriterCore(sink: .memory, lineEnding: lineEnding, byteOrderMark: byteOrderMark, delimiter: delimiter)
    }

    deinit {
        try? core.close()
        core.release()
    }

    /// Everything written so far, in memory mode; empty for a file or descriptor.
    public var output: [UInt8] { core.memory }

    /// Writes one record of text fields, UTF-8 encoded.
    ///
    /// - Throws: ``CSVError/io(path:message:)`` when the buffer has to be written out and that fails, or when the
    ///   writer is closed.
    public func write<S: Sequence>(record fields: S) throws where S.Element == String {
        try core.write(record: fields)
    }

    /// Writes one record of raw byte fields, without copying them first; bytes are written as they are.
    ///
    /// - Throws: as ``write(record:)``.
    public func write(recordBytes fields: [UnsafeBufferPointer<UInt8>]) throws {
        try core.write(recordBytes: fields)
    }

    /// Writes buffered bytes to the file. A no-op in memory mode.
    public func flush() throws {
        try core.flush()
    }

    /// Flushes, and closes the file when the writer opened it. Later writes throw; closing again does nothing.
    public func close() throws {
        try core.close()
    }
}

/// The writer's state and encoding; see ``CSVWriter``.
private struct WriterCore {
    enum Sink {
        case memory
        case file(descriptor: Int32, ownsDescriptor: Bool, label: String)
    }

    static let bufferCapacity = 64 << 10

    let sink: Sink
    let isMemory: Bool
    let lineEnding: CSVWriter.LineEnding
    let delimiter: UInt8
    /// Bytes that force a field into quotes.
    let specials: ByteFinder
    var memory: [UInt8] = []
    let buffer: UnsafeMutablePointer<UInt8>
    var bufferCount = 0
    var isClosed = false
    /// True until the first field is written to output that has no BOM of its own.
    var guardsLeadingBOM: Bool

    init(sink: Sink, lineEnding: CSVWriter.LineEnding, byteOrderMark: Bool, delimiter: UInt8) {
        precondition(
            delimiter != UInt8(ascii: "\"") && delimiter != UInt8(ascii: "\n") && delimiter != UInt8(ascii: "\r"),
            "CSV delimiter cannot be a quote or a line break")
        self.sink = sink
        self.lineEnding = lineEnding
        self.delimiter = delimiter
        specials = ByteFinder([delimiter, UInt8(ascii: "\""), UInt8(ascii: "\n"), UInt8(ascii: "\r")])
        guardsLeadingBOM = !byteOrderMark
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        if case .memory = sink {
            isMemory = true
            buffer = .allocate(capacity: 1)
            if byteOrderMark { memory = mark }
        } else {
            isMemory = false
            buffer = .allocate(capacity: Self.bufferCapacity)
            if byteOrderMark {
                buffer.initialize(from: mark, count: mark.count)
                bufferCount = mark.count
            }
        }
    }

    /// Frees the buffer; called once, from the writer's deinit.
    func release() {
        buffer.deallocate()
    }

    private var label: String {
        switch sink {
        case .memory: return "memory"
        case .file(_, _, let label): return label
        }
    }

    // MARK: Records

    mutating func write<S: Sequence>(record fields: S) throws(CSVError) where S.Element == String {
        if isClosed { throw .io(path: label, message: "CSV writer is closed") }
        // This generic is not specialized for the caller's type (it is not inlinable), so iterating `fields`
        // directly would go through protocol witnesses per field; an array's buffer avoids that.
        var failure: CSVError?
        let wasContiguous =
            fields.withContiguousStorageIfAvailable { buffer in
                do throws(CSVError) { try writeFields(buffer) } catch { failure = error }
                return true
            } ?? false
        if let failure { throw failure }
        if !wasContiguous {
            var first = true
            for field in fields {
                if !first { try append(delimiter) }
                first = false
                try writeField(field)
            }
        }
        try writeLineEnding()
    }

    private mutating func writeFields(_ fields: UnsafeBufferPointer<String>) throws(CSVError) {
        for index in fields.indices {
            if index > 0 { try append(delimiter) }
            try writeField(fields[index])
        }
    }

    private mutating func writeField(_ field: String) throws(CSVError) {
        var field = field
        // withUTF8 rethrows untyped; carry the typed error out by hand.
        var failure: CSVError?
        field.withUTF8 { bytes in
            do throws(CSVError) { try writeField(bytes) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    mutating func write(recordBytes fields: [UnsafeBufferPointer<UInt8>]) throws(CSVError) {
        if isClosed { throw .io(path: label, message: "CSV writer is closed") }
        for index in fields.indices {
            if index > 0 { try append(delimiter) }
            try writeField(fields[index])
        }
        try writeLineEnding()
    }

    mutating func flush() throws(CSVError) {
        guard case .file(let descriptor, _, let label) = sink, bufferCount > 0 else { return }
        // Drop the bytes even when the write fails: retrying a half-written buffer would duplicate its start.
        defer { bufferCount = 0 }
        try systemWriteAll(descriptor, buffer, count: bufferCount, label: label)
    }

    mutating func close() throws(CSVError) {
        guard !isClosed else { return }
        isClosed = true
        var firstError: CSVError?
        do { try flush() } catch { firstError = error }
        if case .file(let descriptor, true, let label) = sink {
            do { try systemClose(descriptor, label: label) } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    // MARK: Encoding

    private mutating func needsQuotes(_ field: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = field.baseAddress else { return false }
        if guardsLeadingBOM {
            guardsLeadingBOM = false
            if field.count >= 3 && base[0] == 0xEF && base[1] == 0xBB && base[2] == 0xBF { return true }
        }
        return specials.first(in: base, from: 0, end: field.count) < field.count
    }

    private mutating func writeField(_ field: UnsafeBufferPointer<UInt8>) throws(CSVError) {
        guard needsQuotes(field), let base = field.baseAddress else {
            guardsLeadingBOM = false
            try append(field)
            return
        }
        try append(UInt8(ascii: "\""))
        // Copy runs up to and including each quote, then write that quote a second time.
        var runStart = 0
        for index in 0..<field.count where base[index] == UInt8(ascii: "\"") {
            try append(UnsafeBufferPointer(start: base + runStart, count: index + 1 - runStart))
            try append(UInt8(ascii: "\""))
            runStart = index + 1
        }
        try append(UnsafeBufferPointer(start: base + runStart, count: field.count - runStart))
        try append(UInt8(ascii: "\""))
    }

    private mutating func writeLineEnding() throws(CSVError) {
        guardsLeadingBOM = false
        if lineEnding == .crlf { try append(UInt8(ascii: "\r")) }
        try append(UInt8(ascii: "\n"))
    }

    // MARK: Output

    private mutating func append(_ byte: UInt8) throws(CSVError) {
        if isMemory {
            memory.append(byte)
            return
        }
        if bufferCount == Self.bufferCapacity { try flush() }
        buffer[bufferCount] = byte
        bufferCount += 1
    }

    private mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) throws(CSVError) {
        if isMemory {
            memory.append(contentsOf: bytes)
            return
        }
        guard var source = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            if bufferCount == Self.bufferCapacity { try flush() }
            let taken = min(remaining, Self.bufferCapacity - bufferCount)
            (buffer + bufferCount).update(from: source, count: taken)
            bufferCount += taken
            source += taken
            remaining -= taken
        }
    }
}
