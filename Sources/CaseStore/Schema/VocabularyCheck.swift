import SQLite

/// Checks that a database's lookup tables hold exactly the vocabulary this htdb carries (codes and venue ids).
enum VocabularyCheck {
    struct Mismatch: Error, CustomStringConvertible, Sendable {
        let table: String
        var description: String {
            "the database's \(table) table differs from this htdb's vocabulary; the file was changed by hand or "
                + "by another program"
        }
    }

    static func verify(_ db: Connection) throws {
        func codes(_ table: String) throws -> Set<String> {
            Set(try db.prepare("SELECT code FROM \(table)").allRows().compactMap {
                if case .text(let code) = $0.first { code } else { nil }
            })
        }
        func check<T: VocabularyTerm>(_ type: T.Type) throws {
            guard try codes(T.tableName) == Set(T.allCases.map(\.code)) else { throw Mismatch(table: T.tableName) }
        }
        try check(TraffickingType.self)
        try check(Gender.self)
        try check(AgeGroup.self)
        try check(Citizenship.self)
        let venues = try db.prepare("SELECT id, code FROM venues ORDER BY id").allRows()
        guard venues == Venue.all.map({ [.integer(Int64($0.id)), .text($0.code)] }) else {
            throw Mismatch(table: "venues")
        }
    }
}
