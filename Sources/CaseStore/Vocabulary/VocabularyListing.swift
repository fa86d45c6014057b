import Foundation

/// Every vocabulary of the spec with codes, labels and accepted labels: what `htdb vocab` prints.
public struct VocabularyListing: Codable, Sendable, Equatable {
    public struct Term: Codable, Sendable, Equatable {
        public let code: String
        public let label: String
        /// Only for venues: "sex" or "labor".
        public let kind: String?
        /// Labels accepted besides the code and the label.
        public let otherLabels: [String]

        enum CodingKeys: String, CodingKey {
            case code, label, kind
            case otherLabels = "other_labels"
        }
    }

    public struct Vocabulary: Codable, Sendable, Equatable {
        /// The export column, e.g. "trafficking_type"; for venues "venues".
        public let column: String
        /// The lookup table in the database.
        public let table: String
        public let terms: [Term]
    }

    public let vocabularies: [Vocabulary]

    /// The vocabulary this htdb carries.
    public static let builtIn = VocabularyListing(vocabularies: [
        vocabulary(TraffickingType.self),
        vocabulary(Gender.self),
        vocabulary(AgeGroup.self),
        vocabulary(Citizenship.self),
        Vocabulary(column: "venues", table: "venues", terms: Venue.all.map {
            Term(code: $0.code, label: $0.label, kind: $0.kind.rawValue, otherLabels: $0.otherLabels)
        }),
    ])

    private static func vocabulary<T: VocabularyTerm>(_ type: T.Type) -> Vocabulary {
        Vocabulary(column: T.vocabularyName, table: T.tableName, terms: T.allCases.map {
            Term(code: $0.code, label: $0.label, kind: nil, otherLabels: $0.otherLabels)
        })
    }

    /// Pretty-printed JSON: `{"vocabularies": [{"column": ..., "table": ..., "terms": [{"code", "label", ...}]}]}`.
    public func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    /// One aligned table per vocabulary.
    public func table() -> String {
        vocabularies.map { vocabulary in
            let hasKind = vocabulary.terms.contains { $0.kind != nil }
            var table = TextTable(headers: ["code", "label"] + (hasKind ? ["kind"] : []) + ["other accepted labels"])
            for term in vocabulary.terms {
                table.append([term.code, term.label] + (hasKind ? [term.kind ?? ""] : [])
                    + [term.otherLabels.joined(separator: "; ")])
            }
            return "\(vocabulary.column) (table \(vocabulary.table))\n\(table.render())"
        }.joined(separator: "\n\n") + "\n"
    }
}
