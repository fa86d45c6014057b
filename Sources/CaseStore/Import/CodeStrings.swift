import SQLite

/// NUL-terminated copies of the codes an import stores with nearly every row (trafficking type, state, country,
/// gender, age group, citizenship), made once per process and never freed, so that `BulkInsert` binds them where
/// they are instead of copying each into its buffer: about five text values of every row imported.
enum CodeStrings {
    struct Text: @unchecked Sendable {  // immutable, immortal bytes
        let bytes: UnsafePointer<UInt8>
        let count: Int
    }

    private static func make(_ string: String) -> Text {
        let utf8 = Array(string.utf8)
        let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: utf8.count + 1)
        bytes.initialize(from: utf8, count: utf8.count)
        bytes[utf8.count] = 0
        return Text(bytes: bytes, count: utf8.count)
    }

    private static func table<T: VocabularyTerm>(_ type: T.Type) -> [Text] { T.allCases.map { make($0.code) } }
    /// The codes of each vocabulary, by ordinal.
    static let types = table(TraffickingType.self)
    static let genders = table(Gender.self)
    static let ageGroups = table(AgeGroup.self)
    static let citizenships = table(Citizenship.self)
    /// Every two-letter upper-case code, "AA" to "ZZ" (states and countries are such codes).
    private static let letterPairs: [Text] = (0..<(26 * 26)).map { index in
        make(String(decoding: [UInt8(ascii: "A") + UInt8(index / 26), UInt8(ascii: "A") + UInt8(index % 26)],
                    as: UTF8.self))
    }

    static func code(_ term: TraffickingType) -> Text { types[term.ordinal] }
    static func code(_ term: Gender) -> Text { genders[term.ordinal] }
    static func code(_ term: AgeGroup) -> Text { ageGroups[term.ordinal] }
    static func code(_ term: Citizenship) -> Text { citizenships[term.ordinal] }

    /// The code of the term with this ordinal in one of the tables above (as the count maps' keys hold terms); nil
    /// past the vocabulary.
    static func code(ordinal: UInt8, in table: [Text]) -> Text? {
        table.indices.contains(Int(ordinal)) ? table[Int(ordinal)] : nil
    }

    /// The immortal copy of a two-letter upper-case code given as its two bytes, the first in the high byte; nil for
    /// anything else.
    static func letterPair(packed: UInt16) -> Text? {
        let (first, second) = (UInt8(packed >> 8), UInt8(packed & 0xFF))
        guard (0x41...0x5A).contains(first), (0x41...0x5A).contains(second) else { return nil }
        return letterPairs[Int(first - 0x41) * 26 + Int(second - 0x41)]
    }

    /// The immortal copy of a two-letter upper-case code; nil for anything else.
    static func letterPair(_ code: String) -> Text? {
        var code = code
        return code.withUTF8 { bytes in
            bytes.count == 2 ? letterPair(packed: UInt16(bytes[0]) << 8 | UInt16(bytes[1])) : nil
        }
    }
}

extension BulkInsert {
    func append(_ text: CodeStrings.Text) {
        append(terminatedText: text.bytes, count: text.count)
    }

    /// A code (state, country) from the immortal copies when it is two upper-case letters, else copied; NULL for nil.
    func append(letterPair code: String?) {
        guard let code else { return appendNull() }
        if let text = CodeStrings.letterPair(code) { append(text) } else { append(text: code) }
    }
}
