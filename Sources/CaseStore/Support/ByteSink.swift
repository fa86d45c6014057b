import Foundation

/// Buffered UTF-8 text to a file descriptor, 64 KiB per write(2), for outputs that are not CSV (NDJSON, JSON,
/// query tables). The descriptor stays open.
final class ByteSink {
    private static let capacity = 1 << 16
    private let descriptor: Int32
    private let label: String
    private var buffer: [UInt8] = []

    init(descriptor: Int32, label: String) {
        self.descriptor = descriptor
        self.label = label
        buffer.reserveCapacity(Self.capacity)
    }

    deinit {
        try? flush()
    }

    func write(_ text: String) throws(ExportError) {
        try write { $0.append(contentsOf: text.utf8) }
    }

    /// Appends bytes made in place by `fill` (no String first).
    func write(_ fill: (inout [UInt8]) -> Void) throws(ExportError) {
        fill(&buffer)
        if buffer.count >= Self.capacity { try flush() }
    }

    /// Writes out what is buffered, retrying after EINTR and short writes.
    func flush() throws(ExportError) {
        // Drop the bytes even when the write fails: a retry would duplicate a half-written start.
        defer { buffer.removeAll(keepingCapacity: true) }
        var failure: Int32 = 0
        buffer.withUnsafeBytes { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, base + offset, bytes.count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    failure = written < 0 ? errno : EIO
                    return
                }
            }
        }
        if failure != 0 { throw .cannotWrite(path: label, message: String(cString: strerror(failure))) }
    }
}
