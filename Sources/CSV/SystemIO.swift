#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// Thin wrappers over read(2)/write(2)/open(2)/close(2). They live outside the reader and writer types so that
// the C names do not collide with our own `write` methods, and so that EINTR and short writes are handled once.

/// The C library's text for `errno`; never contains file content.
func systemErrorMessage(_ code: Int32) -> String {
    guard let text = strerror(code) else { return "error \(code)" }
    return String(cString: text)
}

/// Opens `path` for reading; returns the descriptor or throws `CSVError.io`.
func systemOpenForReading(_ path: String) throws(CSVError) -> Int32 {
    while true {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd >= 0 { return fd }
        let code = errno
        if code == EINTR { continue }
        throw .io(path: path, message: systemErrorMessage(code))
    }
}

/// Creates or truncates `path` for writing with mode 0644; returns the descriptor or throws `CSVError.io`.
func systemCreateForWriting(_ path: String) throws(CSVError) -> Int32 {
    while true {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(0o644))
        if fd >= 0 { return fd }
        let code = errno
        if code == EINTR { continue }
        throw .io(path: path, message: systemErrorMessage(code))
    }
}

/// Reads up to `count` bytes; returns 0 only at end of file.
func systemRead(
    _ fd: Int32, into buffer: UnsafeMutablePointer<UInt8>, count: Int, label: String
) throws(CSVError) -> Int {
    while true {
        let result = read(fd, buffer, count)
        if result >= 0 { return result }
        let code = errno
        if code == EINTR { continue }
        throw .io(path: label, message: systemErrorMessage(code))
    }
}

/// Writes all `count` bytes, retrying on EINTR and after short writes.
func systemWriteAll(_ fd: Int32, _ buffer: UnsafePointer<UInt8>, count: Int, label: String) throws(CSVError) {
    var offset = 0
    while offset < count {
        let result = write(fd, buffer + offset, count - offset)
        if result > 0 {
            offset += result
        } else if result < 0 {
            let code = errno
            if code == EINTR { continue }
            throw .io(path: label, message: systemErrorMessage(code))
        } else {
            // write(2) returning 0 for a non-empty buffer would otherwise spin forever.
            throw .io(path: label, message: "write wrote no bytes")
        }
    }
}

/// Closes `fd`. EINTR is not retried: on Linux the descriptor is already released when close(2) reports it.
func systemClose(_ fd: Int32, label: String) throws(CSVError) {
    if close(fd) != 0 {
        let code = errno
        if code == EINTR { return }
        throw .io(path: label, message: systemErrorMessage(code))
    }
}
