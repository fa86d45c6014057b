import CaseStore
import Foundation
import SQLite
import Testing

/// The bytes of a database file and of its WAL, every one of them: a refused file is not touched at all.
func fileBytes(_ path: String) -> [Data?] {
    databaseBytes(path, ignoringHeaderCounters: false)
}

@Suite("Migrations")
struct MigratorTests {
    let folder: TemporaryDirectory
    init() throws { folder = try TemporaryDirectory() }

    @Test func bundledMigrationsAreTheSQLFilesInOrder() throws {
        let names = Migration.bundled.map(\.name)
        #expect(names.first == "0001_schema")
        #expect(names.contains("0002_geography"))
        #expect(names == names.sorted())
        #expect(Migration.bundled.allSatisfy { $0.checksum.count == 64 })
    }

    @Test func freshDatabaseGetsEveryMigrationRecorded() throws {
        let db = try CaseDatabase.openForWriting(at: folder.path("new.db"))
        #expect(db.appliedOnOpen == Migration.bundled.map(\.name))
        let rows = try db.connection.prepare("SELECT name, checksum FROM htdb_migrations ORDER BY name").allRows()
        #expect(rows == Migration.bundled.map { [.text($0.name), .text($0.checksum)] })
        #expect(try db.connection.scalarInt("PRAGMA user_version") == Int64(Migration.bundled.count))
        #expect(try db.connection.scalarInt("PRAGMA application_id") == Migrator.applicationID)
        let status = try Migrator().status(db.connection)
        #expect(status.allSatisfy { $0.state == .applied && $0.appliedAt != nil })
    }

    @Test func runningAgainIsANoOp() throws {
        let path = folder.path("again.db")
        try CaseDatabase.openForWriting(at: path).close()
        let before = fileBytes(path)
        let db = try CaseDatabase.openForWriting(at: path)
        #expect(db.appliedOnOpen.isEmpty)
        #expect(try Migrator().migrate(db.connection).isEmpty)
        #expect(try db.connection.scalarInt("SELECT count(*) FROM htdb_migrations") == Int64(Migration.bundled.count))
        try db.close()
        #expect(fileBytes(path)[0] == before[0])
    }

    @Test func pendingMigrationsApplyOnTopOfAnOlderDatabase() throws {
        let path = folder.path("old.db")
        let first = Array(Migration.bundled.prefix(1))
        let connection = try Connection(path: path)
        #expect(try Migrator(migrations: first).migrate(connection) == ["0001_schema"])
        #expect(try Migrator().pending(connection) == Migration.bundled.dropFirst().map(\.name))
        #expect(throws: MigrationError.self) { try Migrator().checkCurrent(connection) }
        #expect(try Migrator().migrate(connection) == Migration.bundled.dropFirst().map(\.name))
        try Migrator().checkCurrent(connection)
    }

    @Test func aDatabaseFromANewerHtdbIsRefusedUnchanged() throws {
        let path = folder.path("newer.db")
        let future = Migration.bundled + [Migration(name: "9999_future", sql: "CREATE TABLE future (a INTEGER);")]
        let connection = try Connection(path: path)
        try Migrator(migrations: future).migrate(connection)
        try connection.close()
        let before = fileBytes(path)

        let error = #expect(throws: MigrationError.self) { try CaseDatabase.openForWriting(at: path) }
        #expect(error == .unknownMigrations(path: path, names: ["9999_future"]))
        #expect(throws: MigrationError.self) { try CaseDatabase.openForReading(at: path) }
        #expect(fileBytes(path) == before)
        let status = try Migrator().status(try Connection(path: path, mode: .readOnly))
        #expect(status.last?.name == "9999_future")
        #expect(status.last?.state == .unknown)
    }

    @Test func anEditedMigrationIsRefusedUnchanged() throws {
        let path = folder.path("edited.db")
        let connection = try Connection(path: path)
        var edited = Migration.bundled
        edited[0] = Migration(name: edited[0].name, sql: edited[0].sql + "\n-- edited after shipping")
        try Migrator(migrations: edited).migrate(connection)
        try connection.close()
        let before = fileBytes(path)

        let error = #expect(throws: MigrationError.self) { try CaseDatabase.openForWriting(at: path) }
        #expect(error == .checksumMismatch(path: path, name: "0001_schema"))
        #expect(fileBytes(path) == before)
    }

    @Test func aFileThatIsNotADatabaseIsRefusedUnchanged() throws {
        let path = folder.path("notes.db")
        let text = Data(String(repeating: "not a database ", count: 20).utf8)
        try text.write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: SQLiteError.self) { try CaseDatabase.openForWriting(at: path) }
        #expect(error?.primaryCode == SQLiteError.notADatabase)
        #expect(FileManager.default.contents(atPath: path) == text)
    }

    @Test func anotherApplicationsDatabaseIsRefusedUnchanged() throws {
        let path = folder.path("other.db")
        let other = try Connection(path: path)
        try other.execute("PRAGMA journal_mode = DELETE; CREATE TABLE notes (body TEXT)")
        try other.close()
        let before = fileBytes(path)
        let error = #expect(throws: MigrationError.self) { try CaseDatabase.openForWriting(at: path) }
        #expect(error == .notACaseDatabase(path: path))
        #expect(fileBytes(path) == before)
    }

    @Test func readingNeedsAnExistingCurrentDatabase() throws {
        let missing = folder.path("missing.db")
        #expect(throws: CaseDatabaseError.notFound(path: missing)) { try CaseDatabase.openForReading(at: missing) }
        #expect(!FileManager.default.fileExists(atPath: missing))
        let path = folder.path("ok.db")
        try CaseDatabase.openForWriting(at: path).close()
        let reader = try CaseDatabase.openForReading(at: path)
        #expect(throws: SQLiteError.self) { try reader.connection.execute("DELETE FROM states") }
    }

    @Test func aMissingFolderIsAClearError() throws {
        let path = folder.path("no/such/folder/x.db")
        #expect(throws: CaseDatabaseError.folderNotFound(path: path)) { try CaseDatabase.openForWriting(at: path) }
    }
}
