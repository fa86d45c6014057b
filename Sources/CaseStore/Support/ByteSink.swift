import Foundation

/// Buffered bytes to a file descriptor (64 KiB at a time), for outputs that are not CSV (NDJSON).
final class ByteSink {
    private let descriptor: Int32
    private let label: String
    private var buffer: [UInt8] = []

    init(descriptor: Int32, label: String) {
        self.descriptor = descriptor
        self.label = label
        buffer.reserveCapacity(1 << 16)
    }

    func write(_ text: String) throws {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { try flush() }
    }

    func flush() throws {
        var offset = 0
        while offset < buffer.count {
            let written = buffer.withUnsafeBytes { bytes in
                Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw ImportError.unreadable(path: label, message: String(cString: strerror(errno)))
            }
            offset += written
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
