import ArgumentParser
import CaseStore
import Foundation

/// The htdb command line: a case database for human-trafficking hotline exports.
@main
struct HTDB: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "htdb",
        abstract: "A case database for human-trafficking hotline exports, in one plain SQLite file.",
        discussion: """
            The database is a SQLite file (default ./hotline.db, or $HTDB_DB) that sqlite3, Datasette and \
            sqlite-utils open as is. See README.md for the schema and every command.
            """,
        version: "htdb \(version) (SQLite \(CaseStore.sqliteLibraryVersion))",
        subcommands: [Init.self, Migrate.self, Vocab.self, Import.self, Batches.self, ReportCommand.self, Summary.self, ExportCommand.self, Query.self, Check.self, Sample.self, Demo.self]
    )
}

/// The `--db` option every subcommand takes.
struct DatabaseOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp("The database file.", discussion: "Default: $HTDB_DB, else ./hotline.db.",
                           valueName: "path"))
    var db: String?

    /// The path to use: --db, else $HTDB_DB, else ./hotline.db.
    var path: String {
        if let db { return db }
        if let fromEnvironment = ProcessInfo.processInfo.environment["HTDB_DB"], !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "./hotline.db"
    }
}
