import ArgumentParser
import CaseStore

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create the database file with the current schema (or bring an existing one up to date).",
        discussion: "Example: htdb init --db hotline.db")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try Console.run {
            let db = try CaseDatabase.openForWriting(at: database.path)
            defer { try? db.close() }
            if db.appliedOnOpen.isEmpty {
                Console.out("\(database.path) is already initialized; schema up to date.")
            } else {
                Console.out("Initialized \(database.path): applied \(db.appliedOnOpen.joined(separator: ", ")).")
            }
        }
    }
}
