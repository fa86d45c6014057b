import SQLite

/// The result of checking a database file: SQLite's `integrity_check` and `foreign_key_check`, and the htdb
/// schema's own state (migrations, lookup tables).
public struct DatabaseCheck: Sendable, Equatable {
    /// `integrity_check` lines other than "ok" (at most 100).
    public let integrityProblems: [String]
    /// Foreign-key violations as "table rowid -> parent" (at most 100).
    public let foreignKeyProblems: [String]
    /// Migrations and vocabulary problems.
    public let schemaProblems: [String]

    public var isOK: Bool { integrityProblems.isEmpty && foreignKeyProblems.isEmpty && schemaProblems.isEmpty }

    /// Runs every check on a read-only connection.
    public static func run(_ db: Connection) throws -> DatabaseCheck {
        var integrity: [String] = []
        let check = try db.prepare("PRAGMA integrity_check(100)")
        while try check.step() {
            let line = check.string(0) ?? ""
            if line != "ok" { integrity.append(line) }
        }
        var foreignKeys: [String] = []
        let fk = try db.prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check LIMIT 100")
        while try fk.step() {
            foreignKeys.append("\(fk.string(0) ?? "") row \(fk.isNull(1) ? "?" : String(fk.int64(1))) -> \(fk.string(2) ?? "")")
        }
        var schema: [String] = []
        do {
            try Migrator().checkCurrent(db)
        } catch {
            schema.append("\(error)")
        }
        do {
            try VocabularyCheck.verify(db)
        } catch {
            schema.append("\(error)")
        }
        if schema.isEmpty {
            schema += try CountTable.mismatches(db)
        }
        return DatabaseCheck(integrityProblems: integrity, foreignKeyProblems: foreignKeys, schemaProblems: schema)
    }

    /// One line per finding, or "ok".
    public func text(path: String) -> String {
        if isOK { return "\(path): ok (integrity_check, foreign_key_check, migrations, vocabulary, count tables)\n" }
        var lines: [String] = []
        lines += integrityProblems.map { "\(path): integrity: \($0)" }
        lines += foreignKeyProblems.map { "\(path): foreign key: \($0)" }
        lines += schemaProblems.map { "\(path): schema: \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }
}
