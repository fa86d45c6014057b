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
            var hash: UInt64
            /// The normalized key: `count` bytes from `offset` in `bytes`.
            var offset: Int
            var count: Int
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
                         hash: entry.hash, value: entry.value)
            }
            return copy
        }

        func setValue(_ value: Value, at index: Int) {
            entries[index].value = value
        }

        func add(_ key: UnsafeBufferPointer<UInt8>, hash: UInt64, value: Value) {
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
            (entries + count).initialize(to: Entry(hash: hash, offset: byteCount, count: key.count, value: value))
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
            var slot = Int(truncatingIfNeeded: entries[index].hash) & mask
            while slots[slot] >= 0 { slot = (slot + 1) & mask }
            slots[slot] = index
        }

        /// The entry whose key is `normalized`, or nil.
        func find(_ normalized: UnsafeBufferPointer<UInt8>, hash: UInt64) -> Int? {
            let slots = slots
            let entries = entries
            let mask = slots.count - 1
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let index = slots[slot]
                if index < 0 { return nil }
                let entry = entries + index
                if entry.pointee.hash == hash && entry.pointee.count == normalized.count
                    && (normalized.isEmpty
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
            let hash = Self.hash(normalized)
            if let index = storage.find(normalized, hash: hash) {
                storage.setValue(value, at: index)
            } else {
                storage.add(normalized, hash: hash, value: value)
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
            return key.withUTF8 { storage.find($0, hash: Self.hash($0)).map { storage.value(at: $0) } }
        }
    }

    private enum LookUp { case found(Int), absent, notASCII }

    /// Longest text normalized on the fast path; longer text (never a real label) takes the String path.
    private static var scratchCapacity: Int { 128 }

    /// Normalizes ASCII text as `LabelMap.key` does (`LabelMap.foldASCII`), then looks the bytes up.
    private static func lookUpASCII(_ raw: UnsafeBufferPointer<UInt8>, in storage: Storage) -> LookUp {
        guard raw.count <= scratchCapacity else { return .notASCII }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: scratchCapacity) { scratch in
            guard let count = LabelMap<String>.foldASCII(raw, into: scratch, lowercase: true) else { return .notASCII }
            let normalized = UnsafeBufferPointer(start: scratch.baseAddress, count: count)
            return storage.find(normalized, hash: hash(normalized)).map { .found($0) } ?? .absent
        }
    }

    /// FNV-1a over the normalized bytes, then MurmurHash3's finalizer so the low bits the table uses depend on
    /// every byte.
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        return hash
    }
}
