/// Resolves labels to values the spec's way: case-insensitive, surrounding white space trimmed, inner runs of white
/// space folded to one space. Built once, then used for every row.
///
///     let types = try LabelMap(terms: TraffickingType.self)
///     types.resolve("sex  AND labor")   // .sexAndLabor
public struct LabelMap<Value: Hashable & Sendable>: Sendable {
    /// Normalized label -> value, looked up from the text's bytes (what `resolve` uses for every row of an import).
    private var table = LabelTable<Value>()

    /// Two different values claim the same label.
    public struct Conflict: Error, CustomStringConvertible, Sendable {
        public let label: String
        public var description: String { "the label \"\(label)\" would name two different values" }
    }

    public init() {}

    /// Adds `label` for `value`. Adding the same label for the same value again is harmless.
    /// - Throws: `Conflict` when the label already names another value.
    public mutating func add(_ label: String, for value: Value) throws {
        if let existing = table.value(for: label), existing != value { throw Conflict(label: label) }
        table.set(label, to: value)
    }

    /// Adds `label` for `value`, replacing what it named before (a profile's own labels win).
    public mutating func set(_ label: String, for value: Value) {
        table.set(label, to: value)
    }

    /// The value `text` names, or nil.
    public func resolve(_ text: String) -> Value? {
        table.value(for: text)
    }

    /// The value the UTF-8 text `bytes` names, or nil.
    func resolve(utf8 bytes: UnsafeBufferPointer<UInt8>) -> Value? {
        table.value(forUTF8: bytes)
    }

    /// Number of distinct normalized labels.
    public var count: Int { table.count }

    /// The normalized form used for matching: trimmed, white-space runs folded to one space, lower-cased.
    public static func key(_ text: String) -> String {
        var text = text
        if let ascii = text.withUTF8({ foldASCII($0, lowercase: true) }) { return ascii }
        return fold(text).lowercased()
    }

    /// `fold` (and lower-casing) for ASCII text, byte by byte; nil when the text is not all ASCII.
    static func foldASCII(_ bytes: UnsafeBufferPointer<UInt8>, lowercase: Bool) -> String? {
        var allASCII = true
        for byte in bytes where byte >= 0x80 {
            allASCII = false
            break
        }
        guard allASCII else { return nil }
        return String(unsafeUninitializedCapacity: bytes.count) { foldASCII(bytes, into: $0, lowercase: lowercase) ?? 0 }
    }

    /// `fold` (and lower-casing) for ASCII text, written to `output` (at least as long as `input`): the number of
    /// bytes written, or nil at the first byte that is not ASCII. The one place the ASCII rules are written.
    static func foldASCII(_ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>,
                          lowercase: Bool) -> Int? {
        var count = 0
        var pendingSpace = false
        for byte in input {
            if byte >= 0x80 { return nil }
            if byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) {
                pendingSpace = count > 0
            } else {
                if pendingSpace {
                    output[count] = 0x20
                    count += 1
                    pendingSpace = false
                }
                output[count] = lowercase && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
                count += 1
            }
        }
        return count
    }

    /// `text` trimmed of surrounding white space with inner runs of white space folded to one space.
    public static func fold(_ text: String) -> String {
        var copy = text
        if let ascii = copy.withUTF8({ foldASCII($0, lowercase: false) }) { return ascii }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for character in text {
            if character.isWhitespace {
                pendingSpace = !result.isEmpty
            } else {
                if pendingSpace { result.append(" ") }
                pendingSpace = false
                result.append(character)
            }
        }
        return result
    }
}

extension LabelMap where Value: VocabularyTerm {
    /// The map of a vocabulary: each term's code, label and other labels.
    /// With `hotlineOnly`, only the terms a hotline export may use (``VocabularyTerm/isHotlineTerm``).
    public init(terms: Value.Type, hotlineOnly: Bool = false) throws {
        self.init()
        for term in Value.allCases where !hotlineOnly || term.isHotlineTerm {
            for label in term.acceptedLabels { try add(label, for: term) }
        }
    }
}

extension LabelMap {
    /// The map of the venue vocabulary.
    public init(venues: [Venue]) throws where Value == Venue {
        self.init()
        for venue in venues {
            for label in venue.acceptedLabels { try add(label, for: venue) }
        }
    }
}
