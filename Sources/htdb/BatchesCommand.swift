import ArgumentParser
import CaseStore

struct Batches: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List import batches, or delete one with its cases.",
        subcommands: [List.self, Delete.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List import batches (one per imported file).",
            discussion: "Examples: htdb batches\n          htdb batches --format json")

        @OptionGroup var database: DatabaseOptions

        @Option(help: "Output format.")
        var format: ListingFormat = .table

        func run() throws {
            try Console.run {
                let db = try CaseDatabase.openForReading(at: database.path)
                let batches = try ImportBatch.all(db.connection)
                switch format {
                case .table: Console.out(batches.isEmpty ? "no batches" : ImportBatch.table(batches))
                case .json: Console.out(try ImportBatch.json(batches))
                }
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a batch and its cases (with their victims and venues) in one transaction.",
            discussion: "Example: htdb batches delete 3")

        @Argument(help: "The batch id (see htdb batches).")
        var id: Int64

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            try Console.run {
                let db = try CaseDatabase.openForWriting(at: database.path, requireExisting: true)
                defer { try? db.close() }
                guard let batch = try ImportBatch.delete(id: id, from: db.connection) else {
                    Console.err("htdb: error: no batch \(id) in \(database.path)")
                    throw ExitCode(Console.Status.dataError)
                }
                Console.out("Deleted batch \(batch.id) (\(batch.fileName)) and its \(batch.casesNow) cases.")
            }
        }
    }
}
