import ArgumentParser
import CaseStore
import SQLite

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check the database file: integrity_check, foreign_key_check, migrations and vocabulary.",
        discussion: "Exit status 0 when everything is ok, 65 when anything is wrong.\nExample: htdb check --db hotline.db")

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try Console.run {
            let connection = try CaseDatabase.openExisting(at: database.path, readOnly: true)
            let result = try DatabaseCheck.run(connection)
            Console.out(result.text(path: database.path))
            if !result.isOK { throw ExitCode(Console.Status.dataError) }
        }
    }
}
