/// The bytes and field bounds of one record.
///
/// The reader fills one of these per record and reuses it for the next record only while no ``CSVRecord`` still
/// holds it (checked with `isKnownUniquelyReferenced`), so a record that a caller keeps never changes under it.
/// Plain pointers rather than arrays because appending to an array costs a uniqueness check per field; no `var`
/// at all because each access to a class's `var` costs a dynamic exclusivity check. So growing means a new buffer,
/// and the counts live with the parser and the record.
///
/// `@unchecked Sendable`: a buffer is written only by its reader and only while uniquely referenced, that is
/// before any ``CSVRecord`` shares it; once shared it is read-only, the same reasoning as copy-on-write arrays.
@usableFromInline
final class RecordBuffer: @unchecked Sendable {
    /// Record content: field bytes with the quotes and delimiters between them; only `""` is unescaped in place.
    @usableFromInline let bytes: UnsafeMutablePointer<UInt8>
    let byteCapacity: Int
    /// Start and end offsets into `bytes`, two per field.
    @usableFromInline let bounds: UnsafeMutablePointer<Int>
    let boundsCapacity: Int

    init(byteCapacity: Int = 1024, boundsCapacity: Int = 64) {
        self.byteCapacity = max(byteCapacity, 16)
        self.boundsCapacity = max(boundsCapacity, 16)
        bytes = .allocate(capacity: self.byteCapacity)
        bounds = .allocate(capacity: self.boundsCapacity)
    }

    deinit {
        bytes.deallocate()
        bounds.deallocate()
    }

    /// A copy of the first `byteCount` bytes and `boundsCount` bounds, with room for at least `bytesNeeded`
    /// bytes and `boundsNeeded` bounds, growing geometrically.
    func grown(byteCount: Int, boundsCount: Int, bytesNeeded: Int, boundsNeeded: Int) -> RecordBuffer {
        let copy = RecordBuffer(
            byteCapacity: bytesNeeded > byteCapacity ? max(bytesNeeded, byteCapacity + byteCapacity / 2) : byteCapacity,
            boundsCapacity: boundsNeeded > boundsCapacity ? max(boundsNeeded, boundsCapacity * 2) : boundsCapacity)
        copy.bytes.update(from: bytes, count: byteCount)
        copy.bounds.update(from: bounds, count: boundsCount)
        return copy
    }
}
