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
            schema += try repeatedVictimRefs(db)
        }
        return DatabaseCheck(integrityProblems: integrity, foreignKeyProblems: foreignKeys, schemaProblems: schema)
    }

    /// Cases with a victim_ref repeated among their victims (the triggers of migration 8 forbid it; a writer may
    /// have dropped them). Names the case by id only: a reference is victim data.
    static func repeatedVictimRefs(_ db: Connection) throws -> [String] {
        let statement = try db.prepare("""
            SELECT case_id, count(*) FROM (
                SELECT case_id FROM victims WHERE victim_ref IS NOT NULL
                GROUP BY case_id, victim_ref HAVING count(*) > 1)
            GROUP BY case_id ORDER BY case_id LIMIT 100
            """)
        var problems: [String] = []
        while try statement.step() {
            let repeated = statement.int(1)
            problems.append("victims of case id \(statement.int64(0)): \(repeated) victim_ref\(repeated == 1 ? "" : "s") "
                + "repeated within the case (a victim_ref is unique in its case)")
        }
        return problems
    }

    /// One line per finding, or "ok".
    public func text(path: String) -> String {
        if isOK { return "\(path): ok (integrity_check, foreign_key_check, migrations, vocabulary, count tables, victim references)\n" }
        var lines: [String] = []
        lines += integrityProblems.map { "\(path): integrity: \($0)" }
        lines += foreignKeyProblems.map { "\(path): foreign key: \($0)" }
        lines += schemaProblems.map { "\(path): schema: \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }
}
