import Foundation

/// Values by normalized label (``LabelMap/key(_:)``: trimmed, white space folded, lower-cased), looked up from the
/// text as read: ASCII text is normalized byte by byte into a scratch buffer and found by a hash of those bytes,
/// without making a String or running Swift's seeded hasher (an import looks up five to eight labels per row).
/// Other text takes the String path, `LabelMap.key`, so the matching rules are the same for every input.
struct LabelTable<Value: Sendable>: @unchecked Sendable {  // the storage is changed only through `set`, copied on write
    /// The entries, in a class behind plain pointers: a lookup runs for every label of every row, and arrays held
    /// by a struct inside the validator cost a retain and a release each time a lookup touched them.
    private final class Storage {
        struct Entry {
            /// The normalized key: `count` bytes from `offset` in `bytes`; its first 16 bytes and its hash as `words`.
            var offset: Int
            var count: Int
            var words: Words
            var value: Value
        }

        // Plain pointers, not arrays: a class's array properties are checked for exclusive access at run time on
        // every use.
        private(set) var bytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 256)
        private(set) var byteCount = 0
        private(set) var entries = UnsafeMutablePointer<Entry>.allocate(capacity: 16)
        private(set) var entryCapacity = 16
        private(set) var count = 0
        /// Indexes into `entries`; -1 for an empty slot. A power of two, at most half full.
        private(set) var slots = UnsafeMutableBufferPointer<Int>.allocate(capacity: 16)

        init() {
            slots.initialize(repeating: -1)
        }

        deinit {
            entries.deinitialize(count: count)
            entries.deallocate()
            bytes.deallocate()
            slots.deallocate()
        }

        func copy() -> Storage {
            let copy = Storage()
            for index in 0..<count {
                let entry = entries[index]
                copy.add(UnsafeBufferPointer(rebasing: bytes[entry.offset..<(entry.offset + entry.count)]),
                         key: entry.words, value: entry.value)
            }
            return copy
        }

        func setValue(_ value: Value, at index: Int) {
            entries[index].value = value
        }

        func add(_ key: UnsafeBufferPointer<UInt8>, key words: Words, value: Value) {
            if byteCount + key.count > bytes.count {
                let grown = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(bytes.count * 2, byteCount + key.count))
                _ = grown.initialize(from: bytes[..<byteCount])
                bytes.deallocate()
                bytes = grown
            }
            _ = UnsafeMutableBufferPointer(rebasing: bytes[byteCount..<(byteCount + key.count)]).initialize(from: key)
            if count == entryCapacity {
                let grown = UnsafeMutablePointer<Entry>.allocate(capacity: entryCapacity * 2)
                grown.moveInitialize(from: entries, count: count)
                entries.deallocate()
                entries = grown
                entryCapacity *= 2
            }
            (entries + count).initialize(to: Entry(offset: byteCount, count: key.count, words: words, value: value))
            byteCount += key.count
            count += 1
            if count * 2 > slots.count {
                slots.deallocate()
                slots = .allocate(capacity: slots.count * 2)
                slots.initialize(repeating: -1)
                for index in 0..<count { place(index) }
            } else {
                place(count - 1)
            }
        }

        private func place(_ index: Int) {
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: entries[index].words.hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = index
        }

        /// The entry whose key is `normalized` (whose words are `words`), or nil.
        func find(_ normalized: UnsafeBufferPointer<UInt8>, _ words: Words) -> Int? {
            let slots = slots
            let entries = entries
            let mask = slots.count - 1
            let hash = words.hash
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let index = slots[slot]
                if index < 0 { return nil }
                let entry = entries + index
                // Keys of up to 16 bytes (every real label) are compared as their two words.
                if entry.pointee.words.hash == hash && entry.pointee.count == normalized.count
                    && entry.pointee.words.first == words.first && entry.pointee.words.second == words.second
                    && (normalized.count <= 16
                        || memcmp(bytes.baseAddress! + entry.pointee.offset, normalized.baseAddress!, normalized.count) == 0)
                {
                    return index
                }
                slot = (slot + 1) & mask
            }
        }

        func value(at index: Int) -> Value { entries[index].value }
    }

    private var storage = Storage()

    var count: Int { storage.count }

    /// Sets the value of a label (normalized here), replacing what it named before.
    mutating func set(_ label: String, to value: Value) {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
        let storage = storage
        var key = LabelMap<String>.key(label)
        key.withUTF8 { normalized in
            let words = Words(normalized)
            if let index = storage.find(normalized, words) {
                storage.setValue(value, at: index)
            } else {
                storage.add(normalized, key: words, value: value)
            }
        }
    }

    /// The value `text` names, or nil.
    func value(for text: String) -> Value? {
        var text = text
        return text.withUTF8 { value(forUTF8: $0) }
    }

    /// The value the UTF-8 text `bytes` names, or nil.
    func value(forUTF8 bytes: UnsafeBufferPointer<UInt8>) -> Value? {
        let storage = storage
        // An empty table (a profile without labels of its own) answers without normalizing the text.
        guard storage.count > 0 else { return nil }
        switch Self.lookUpASCII(bytes, in: storage) {
        case .found(let index): return storage.value(at: index)
        case .absent: return nil
        case .notASCII:
            var key = LabelMap<String>.key(String(decoding: bytes, as: UTF8.self))
            return key.withUTF8 { storage.find($0, Words($0)).map { storage.value(at: $0) } }
        }
    }

    private enum LookUp { case found(Int), absent, notASCII }

    /// Longest text normalized on the fast path; longer text (never a real label) takes the String path.
    private static var scratchCapacity: Int { 128 }

    /// Normalizes ASCII text as `LabelMap.key` does (`LabelMap.foldASCII`), then looks the bytes up.
    private static func lookUpASCII(_ raw: UnsafeBufferPointer<UInt8>, in storage: Storage) -> LookUp {
        guard raw.count <= scratchCapacity else { return .notASCII }
        // Room for the longest text and the zeros after it up to a whole word.
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: scratchCapacity + 8) { scratch in
            guard let count = LabelMap<String>.foldASCII(raw, into: scratch, lowercase: true) else { return .notASCII }
            (scratch.baseAddress! + count).initialize(repeating: 0, count: 8)
            let normalized = UnsafeBufferPointer(start: scratch.baseAddress, count: count)
            return storage.find(normalized, Words(padded: scratch.baseAddress!, count: count)).map { .found($0) }
                ?? .absent
        }
    }

    /// A normalized key's first 16 bytes as two little-endian words (zero past its end), and its hash: every word
    /// of the key mixed in turn with a multiply, then MurmurHash3's finalizer, so the low bits the table uses depend
    /// on every byte. Byte by byte (FNV-1a, a multiply per byte in one chain) the hash was the larger part of a
    /// lookup, and an import looks up five to eight labels per row.
    struct Words {
        var first: UInt64 = 0
        var second: UInt64 = 0
        var hash: UInt64

        /// The words of any bytes (a label being set, or text that is not ASCII): copied to be padded first.
        init(_ bytes: UnsafeBufferPointer<UInt8>) {
            self = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bytes.count + 8) { padded in
                padded.initialize(repeating: 0)
                if let source = bytes.baseAddress { padded.baseAddress!.update(from: source, count: bytes.count) }
                return Words(padded: padded.baseAddress!, count: bytes.count)
            }
        }

        /// The words of the `count` bytes at `padded`, which are followed by zeros up to the next multiple of 8
        /// bytes: read a word at a time.
        init(padded: UnsafeRawPointer, count: Int) {
            var hash = Self.seed(count)
            var offset = 0
            while offset < count {
                let value = UInt64(littleEndian: padded.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                if offset == 0 { first = value } else if offset == 8 { second = value }
                hash = Self.mix(hash, value)
                offset += 8
            }
            self.hash = Self.finish(hash)
        }

        private static func seed(_ count: Int) -> UInt64 { UInt64(count) &* 0x9E37_79B9_7F4A_7C15 }

        private static func mix(_ hash: UInt64, _ word: UInt64) -> UInt64 {
            let mixed = (hash ^ word) &* 0xFF51_AFD7_ED55_8CCD
            return mixed ^ mixed >> 32
        }

        private static func finish(_ hash: UInt64) -> UInt64 {
            let mixed = (hash ^ hash >> 33) &* 0xC4CE_B9FE_1A85_EC53
            return mixed ^ mixed >> 33
        }
    }
}
