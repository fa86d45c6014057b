import ArgumentParser
import CaseStore

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply pending schema migrations to an existing database, or list them with --status.",
        discussion: """
            Each migration runs in its own transaction and is recorded in the htdb_migrations table. A database \
            made by a newer htdb, or whose applied migrations differ from this htdb's, is refused unchanged.
            Examples: htdb migrate --db hotline.db
                      htdb migrate --status --db hotline.db
            """)

    @OptionGroup var database: DatabaseOptions

    @Flag(help: "List each migration as applied, pending or unknown; change nothing.")
    var status = false

    func run() throws {
        try Console.run {
            let migrator = Migrator()
            if status {
                let connection = try CaseDatabase.openExisting(at: database.path, readOnly: true)
                var table = TextTable(headers: ["migration", "state", "applied_at"])
                for entry in try migrator.status(connection) {
                    table.append([entry.name, entry.state.rawValue, entry.appliedAt ?? ""])
                }
                Console.out(table.render())
                return
            }
            let db = try CaseDatabase.openForWriting(at: database.path, requireExisting: true)
            defer { try? db.close() }
            if db.appliedOnOpen.isEmpty {
                Console.out("\(database.path): schema up to date; nothing to apply.")
            } else {
                Console.out("\(database.path): applied \(db.appliedOnOpen.joined(separator: ", ")).")
            }
        }
    }
}
