/// A text encoding that a CSV file's fields can be decoded from.
///
/// The reader hands out raw bytes; the caller picks the encoding (the spec's `--encoding` option) and decodes per
/// field, so one bad field can be reported by line instead of failing the file.
public enum TextEncoding: String, Sendable, CaseIterable {
    case utf8 = "utf-8"
    case latin1
    case windows1252 = "windows-1252"
}

extension TextEncoding {
    /// Decodes bytes to a String.
    ///
    /// ```swift
    /// let name = bytes.withUnsafeBufferPointer { TextEncoding.windows1252.decode($0) }
    /// ```
    ///
    /// - Returns: nil when the bytes are not valid in this encoding. Only UTF-8 can be invalid: latin1 maps every
    ///   byte to U+0000–U+00FF; windows-1252 maps 0x80–0x9F through the WHATWG windows-1252 table, where the five
    ///   undefined bytes 0x81, 0x8D, 0x8F, 0x90 and 0x9D map to the same-numbered C1 controls, as WHATWG does.
    ///   NUL bytes are kept.
    public func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String? {
        switch self {
        case .utf8:
            guard UTF8Validation.isValid(bytes) else { return nil }
            return String(decoding: bytes, as: UTF8.self)
        case .latin1:
            return Self.transcodeSingleByte(bytes, maxUTF8PerByte: 2) { UInt32($0) }
        case .windows1252:
            return Self.transcodeSingleByte(bytes, maxUTF8PerByte: 3) { byte in
                guard byte >= 0x80 && byte <= 0x9F else { return UInt32(byte) }
                return windows1252C1Range[Int(byte &- 0x80)]
            }
        }
    }

    /// Whether `decode` would give a String: only UTF-8 can be invalid. Checks without making one.
    public func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        self != .utf8 || UTF8Validation.isValid(bytes)
    }

    /// Decodes a single-byte encoding whose bytes map to scalars below U+10000.
    private static func transcodeSingleByte(
        _ bytes: UnsafeBufferPointer<UInt8>, maxUTF8PerByte: Int, scalar: (UInt8) -> UInt32
    ) -> String? {
        // ASCII is the common case and is already UTF-8.
        if UTF8Validation.asciiPrefixLength(bytes) == bytes.count {
            return String(decoding: bytes, as: UTF8.self)
        }
        let (capacity, overflow) = bytes.count.multipliedReportingOverflow(by: maxUTF8PerByte)
        // Unreachable in practice (no buffer is a third of the address space); refusing beats a wrong capacity.
        guard !overflow else { return nil }
        return String(unsafeUninitializedCapacity: capacity) { out in
            var written = 0
            for byte in bytes {
                let value = scalar(byte)
                if value < 0x80 {
                    out[written] = UInt8(truncatingIfNeeded: value)
                    written += 1
                } else if value < 0x800 {
                    out[written] = 0xC0 | UInt8(truncatingIfNeeded: value >> 6)
                    out[written + 1] = 0x80 | UInt8(truncatingIfNeeded: value & 0x3F)
                    written += 2
                } else {
                    out[written] = 0xE0 | UInt8(truncatingIfNeeded: value >> 12)
                    out[written + 1] = 0x80 | UInt8(truncatingIfNeeded: (value >> 6) & 0x3F)
                    out[written + 2] = 0x80 | UInt8(truncatingIfNeeded: value & 0x3F)
                    written += 3
                }
            }
            return written
        }
    }
}

/// windows-1252 bytes 0x80–0x9F as Unicode scalars (WHATWG index-windows-1252; undefined bytes map to C1 controls).
private let windows1252C1Range: [UInt32] = [
    0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
    0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
    0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
    0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
]

/// Strict UTF-8 validation (Unicode 15, table 3-7): no overlongs, no surrogates, nothing above U+10FFFF.
enum UTF8Validation {
    /// Number of leading ASCII bytes, checked eight at a time.
    static func asciiPrefixLength(_ bytes: UnsafeBufferPointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let count = bytes.count
        var index = 0
        let raw = UnsafeRawPointer(base)
        while count - index >= 8 {
            if raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            index += 8
        }
        while index < count && base[index] < 0x80 { index += 1 }
        return index
    }

    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        let count = bytes.count
        var index = asciiPrefixLength(bytes)
        @inline(__always) func isContinuation(_ byte: UInt8) -> Bool { byte & 0xC0 == 0x80 }
        while index < count {
            let lead = base[index]
            let remaining = count - index
            if lead < 0x80 {
                index += 1
            } else if lead < 0xC2 {
                return false  // stray continuation byte, or overlong 2-byte lead
            } else if lead < 0xE0 {
                guard remaining >= 2, isContinuation(base[index + 1]) else { return false }
                index += 2
            } else if lead < 0xF0 {
                guard remaining >= 3 else { return false }
                let second = base[index + 1]
                let low: UInt8 = lead == 0xE0 ? 0xA0 : 0x80  // overlong
                let high: UInt8 = lead == 0xED ? 0x9F : 0xBF  // surrogates
                guard second >= low, second <= high, isContinuation(base[index + 2]) else { return false }
                index += 3
            } else if lead < 0xF5 {
                guard remaining >= 4 else { return false }
                let second = base[index + 1]
                let low: UInt8 = lead == 0xF0 ? 0x90 : 0x80  // overlong
                let high: UInt8 = lead == 0xF4 ? 0x8F : 0xBF  // above U+10FFFF
                guard second >= low, second <= high, isContinuation(base[index + 2]),
                    isContinuation(base[index + 3])
                else { return false }
                index += 4
            } else {
                return false
            }
        }
        return true
    }
}
