/// Finds the first of up to four byte values, eight bytes at a time (SWAR), then byte by byte for the tail.
///
/// The CSV hot loops spend their time looking for the next delimiter, quote or line break; doing it a word at a
/// time roughly doubles the reader's speed over a byte loop on typical hotline exports.
struct ByteFinder {
    private let targets: (UInt8, UInt8, UInt8, UInt8)
    private let patterns: (UInt64, UInt64, UInt64, UInt64)

    /// `targets` has one to four bytes; repeating one is harmless.
    init(_ targets: [UInt8]) {
        precondition((1...4).contains(targets.count), "ByteFinder takes one to four bytes")
        let four = (0..<4).map { targets[min($0, targets.count - 1)] }
        self.targets = (four[0], four[1], four[2], four[3])
        func splat(_ byte: UInt8) -> UInt64 { UInt64(byte) &* 0x0101_0101_0101_0101 }
        patterns = (splat(four[0]), splat(four[1]), splat(four[2]), splat(four[3]))
    }

    /// High bit set in each byte of `word` that is zero; exact up to and including the lowest zero byte, which is
    /// all the caller uses.
    @inline(__always)
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
    }

    /// The index of the first target byte in `bytes[from..<end]`, or `end` when there is none.
    @inline(__always)
    func first(in bytes: UnsafePointer<UInt8>, from: Int, end: Int) -> Int {
        var index = from
        while end - index >= 8 {
            // Little-endian order puts the earliest byte in the lowest bits on every platform.
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self))
            let hits =
                Self.zeroBytes(word ^ patterns.0) | Self.zeroBytes(word ^ patterns.1)
                | Self.zeroBytes(word ^ patterns.2) | Self.zeroBytes(word ^ patterns.3)
            if hits != 0 { return index &+ hits.trailingZeroBitCount &>> 3 }
            index &+= 8
        }
        while index < end {
            let byte = bytes[index]
            if byte == targets.0 || byte == targets.1 || byte == targets.2 || byte == targets.3 { break }
            index &+= 1
        }
        return index
    }
}
