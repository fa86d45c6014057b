import CSHA256

/// SHA-256 (FIPS 180-4), streaming: for the checksums of migrations and of imported files.
///
///     var hash = SHA256()
///     hash.update(bytes)
///     let hex = hash.finalize().hex   // 64 lower-case hex digits
///
/// Written here rather than adding a cryptography package for one function; the block function is C (CSHA256), so
/// it can use the processor's SHA instructions; tested against the NIST vectors.
public struct SHA256: Sendable {
    private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
    )
    private var pending: [UInt8] = []
    private var totalBytes: UInt64 = 0

    public init() {
        pending.reserveCapacity(64)
    }

    /// The digest of `bytes` in one call.
    public static func hash<Bytes: Sequence>(_ bytes: Bytes) -> Digest where Bytes.Element == UInt8 {
        var hasher = SHA256()
        hasher.update(Array(bytes))
        return hasher.finalize()
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { update($0) }
    }

    public mutating func update(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard var base = bytes.baseAddress else { return }
        var count = bytes.count
        totalBytes &+= UInt64(count)
        if !pending.isEmpty {
            let take = min(64 - pending.count, count)
            pending.append(contentsOf: UnsafeBufferPointer(start: base, count: take))
            base += take
            count -= take
            if pending.count == 64 {
                pending.withUnsafeBufferPointer { compress($0.baseAddress!) }
                pending.removeAll(keepingCapacity: true)
            }
        }
        if count >= 64 {
            let blocks = count / 64
            compress(base, blocks: blocks)
            base += 64 * blocks
            count -= 64 * blocks
        }
        if count > 0 { pending.append(contentsOf: UnsafeBufferPointer(start: base, count: count)) }
    }

    /// Pads, processes the last blocks and returns the digest. The hasher is spent afterwards.
    public mutating func finalize() -> Digest {
        let bitLength = totalBytes &* 8
        var tail = pending
        tail.append(0x80)
        while tail.count % 64 != 56 { tail.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        tail.withUnsafeBufferPointer { buffer in
            var offset = 0
            while offset < buffer.count {
                compress(buffer.baseAddress! + offset)
                offset += 64
            }
        }
        pending.removeAll()
        let words = [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
        return Digest(bytes: words.flatMap { word in (0..<4).map { UInt8(truncatingIfNeeded: word >> (24 - 8 * $0)) } })
    }

    /// A finished digest.
    public struct Digest: Hashable, Sendable, CustomStringConvertible {
        public let bytes: [UInt8]
        /// Lower-case hex, 64 characters.
        public var hex: String {
            let digits = Array("0123456789abcdef".utf8)
            var out: [UInt8] = []
            out.reserveCapacity(64)
            for byte in bytes {
                out.append(digits[Int(byte >> 4)])
                out.append(digits[Int(byte & 0x0F)])
            }
            return String(decoding: out, as: UTF8.self)
        }
        public var description: String { hex }
    }

    /// Processes one 64-byte block at `block`.
    private mutating func compress(_ block: UnsafePointer<UInt8>) {
        compress(block, blocks: 1)
    }

    /// Processes `blocks` consecutive 64-byte blocks (in C, with the processor's SHA instructions when it has them).
    private mutating func compress(_ data: UnsafePointer<UInt8>, blocks: Int) {
        withUnsafeMutableBytes(of: &state) { words in
            htdb_sha256_blocks(words.baseAddress!.assumingMemoryBound(to: UInt32.self), data, blocks)
        }
    }

    /// Whether hashing uses the processor's SHA instructions (reported by benchmarks).
    public static var usesProcessorInstructions: Bool { htdb_sha256_uses_sha_extensions() != 0 }
}
