/// A case's venues as a set of venue ids in one machine word: ids 1 to 63, iterated in ascending order. The
/// validator makes one for every row an import reads and the storing thread reads it for every case it stores: an
/// array per row was an allocation on one thread and a release on the other.
///
///     var venues: VenueSet = [7, 2]
///     venues.insert(7)     // false: already there
///     Array(venues)        // [2, 7]
public struct VenueSet: Hashable, Sendable, Sequence, ExpressibleByArrayLiteral, CustomStringConvertible {
    /// Bit `id` is set when venue `id` is in the set.
    public private(set) var bits: UInt64 = 0

    /// The ids a set can hold (every id of ``Venue/all``; a test checks it).
    public static let ids: ClosedRange<Int> = 1...63

    public init() {}

    /// - Precondition: every id is in ``ids``.
    public init(arrayLiteral ids: Int...) {
        for id in ids { precondition(insert(id).isValid, "venue id \(id) is outside \(Self.ids)") }
    }

    public enum Insertion: Equatable {
        case inserted, alreadyThere, outOfRange
        var isValid: Bool { self != .outOfRange }
    }

    /// Adds `id`; `.outOfRange` (and nothing added) when it is not in ``ids``.
    @discardableResult
    public mutating func insert(_ id: Int) -> Insertion {
        guard Self.ids.contains(id) else { return .outOfRange }
        let bit = UInt64(1) << UInt64(id)
        if bits & bit != 0 { return .alreadyThere }
        bits |= bit
        return .inserted
    }

    public func contains(_ id: Int) -> Bool {
        Self.ids.contains(id) && bits & (UInt64(1) << UInt64(id)) != 0
    }

    public var isEmpty: Bool { bits == 0 }
    public var count: Int { bits.nonzeroBitCount }

    public struct Iterator: IteratorProtocol {
        var rest: UInt64
        public mutating func next() -> Int? {
            guard rest != 0 else { return nil }
            let id = rest.trailingZeroBitCount
            rest &= rest &- 1
            return id
        }
    }

    public func makeIterator() -> Iterator { Iterator(rest: bits) }

    public var description: String { "\(Array(self))" }
}
