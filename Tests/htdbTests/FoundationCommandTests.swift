import CaseStore
import Foundation
import SQLite
import Testing

@Suite("htdb init, migrate, vocab")
struct FoundationCommandTests {
    let folder: TemporaryDirectory
    init() throws { folder = try TemporaryDirectory() }

    @Test func initCreatesTheSchema() throws {
        let path = folder.path("x.db")
        let result = try CLI.run(["init", "--db", path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("0001_schema"))
        let db = try Connection(path: path, mode: .readOnly)
        #expect(try db.scalarInt("SELECT count(*) FROM counties") ?? 0 > 3100)
        #expect(try db.tableExists("cases"))

        let again = try CLI.run(["init", "--db", path])
        #expect(again.status == 0)
        #expect(again.stdout.contains("already initialized"))
    }

    @Test func theDatabaseDefaultsToHTDB_DBThenTheCurrentFolder() throws {
        let fromEnvironment = folder.path("env.db")
        #expect(try CLI.run(["init"], environment: ["HTDB_DB": fromEnvironment]).status == 0)
        #expect(FileManager.default.fileExists(atPath: fromEnvironment))
        #expect(try CLI.run(["init"], currentDirectory: folder.url).status == 0)
        #expect(FileManager.default.fileExists(atPath: folder.path("hotline.db")))
    }

    @Test func migrateAndStatus() throws {
        let path = folder.path("m.db")
        let missing = try CLI.run(["migrate", "--db", path])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains(path))
        #expect(!FileManager.default.fileExists(atPath: path))

        try CLI.run(["init", "--db", path])
        let status = try CLI.run(["migrate", "--status", "--db", path])
        #expect(status.status == 0)
        let lines = status.stdout.split(separator: "\n")
        for migration in Migration.bundled {
            let line = lines.first { $0.hasPrefix(migration.name) }
            #expect(line?.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first == "applied")
        }
        let migrate = try CLI.run(["migrate", "--db", path])
        #expect(migrate.status == 0)
        #expect(migrate.stdout.contains("up to date"))
    }

    @Test func badFilesAreRefusedWithAClearMessage() throws {
        let path = folder.path("text.db")
        try Data(String(repeating: "plain text ", count: 20).utf8).write(to: URL(fileURLWithPath: path))
        let result = try CLI.run(["init", "--db", path])
        #expect(result.status == 65)
        #expect(result.stderr.contains("not an SQLite database"))
        let noFolder = try CLI.run(["init", "--db", folder.path("nope/x.db")])
        #expect(noFolder.status == 73)
        #expect(noFolder.stderr.contains("does not exist"))
    }

    @Test func vocabListsEveryLabel() throws {
        let table = try CLI.run(["vocab"])
        #expect(table.status == 0)
        for venue in Venue.all {
            #expect(table.stdout.contains(venue.code))
            for label in venue.otherLabels { #expect(table.stdout.contains(label)) }
        }
        let json = try CLI.run(["vocab", "--format", "json"])
        #expect(json.status == 0)
        let listing = try JSONDecoder().decode(VocabularyListing.self, from: Data(json.stdout.utf8))
        #expect(listing == VocabularyListing.builtIn)
        #expect(try CLI.run(["vocab", "--format", "xml"]).status != 0)
    }

    @Test func versionAndHelp() throws {
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.hasPrefix("htdb "))
        let help = try CLI.run(["--help"])
        for command in ["init", "migrate", "vocab"] { #expect(help.stdout.contains(command)) }
    }

    @Test func theExecutableCopiedAloneStillInitializes() throws {
        let copy = folder.url.appendingPathComponent("elsewhere/htdb")
        try FileManager.default.createDirectory(at: copy.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CLI.executable, to: copy)
        let result = try CLI.run(["init", "--db", "copied.db"], currentDirectory: folder.url, executable: copy)
        #expect(result.status == 0)
        let db = try Connection(path: folder.path("copied.db"), mode: .readOnly)
        #expect(try db.scalarInt("SELECT count(*) FROM htdb_migrations") == Int64(Migration.bundled.count))
    }
}
