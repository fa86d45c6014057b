import Foundation
import SQLite
import Testing

@Suite("Connection")
struct ConnectionTests {
    let folder: TemporaryDirectory
    let db: Connection

    init() throws {
        folder = try TemporaryDirectory()
        db = try Connection(path: folder.path("test.db"))
    }

    @Test func writersUseWALAndForeignKeys() throws {
        #expect(try db.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
        #expect(try db.scalarInt("PRAGMA synchronous") == 1)  // NORMAL
    }

    @Test func aNewFileTakesThePageSizeAnExistingOneKeepsItsOwn() throws {
        let fresh = try Connection(path: folder.path("fresh.db"), pageSize: 16384)
        try fresh.execute("CREATE TABLE t (a INTEGER)")
        #expect(try fresh.scalarInt("PRAGMA page_size") == 16384)
        #expect(try fresh.scalarText("PRAGMA journal_mode") == "wal")
        try fresh.close()

        // `db` has a page already (its WAL header was written when it opened) at SQLite's default size.
        try db.execute("CREATE TABLE t (a INTEGER)")
        let before = try db.scalarInt("PRAGMA page_size")
        #expect(before != 16384)
        let again = try Connection(path: folder.path("test.db"), pageSize: 16384)
        #expect(try again.scalarInt("PRAGMA page_size") == before)
        try again.execute("INSERT INTO t VALUES (1)")
        #expect(try again.scalarInt("PRAGMA page_size") == before)
        try again.close()
        // and a new file without the option gets SQLite's default.
        let plain = try Connection(path: folder.path("plain.db"))
        try plain.execute("CREATE TABLE t (a INTEGER)")
        #expect(try plain.scalarInt("PRAGMA page_size") == before)
    }

    @Test func doubleQuotedStringLiteralsAreOff() throws {
        try db.execute("CREATE TABLE t (a INTEGER)")
        let error = #expect(throws: SQLiteError.self) { try db.prepare("SELECT \"no_such_column\" FROM t") }
        #expect(error?.primaryCode == SQLiteError.error)
        #expect(error?.message.contains("no_such_column") == true)
    }

    @Test func aFileThatIsNotADatabaseIsAClearError() throws {
        let path = folder.path("text.db")
        try Data("this is not a database, just some text that is long enough to fill a header......".utf8)
            .write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: SQLiteError.self) { try Connection(path: path) }
        #expect(error?.primaryCode == SQLiteError.notADatabase)
        #expect(error?.message.contains("not an SQLite database") == true)
    }

    @Test func openingAMissingFileReadOnlyFails() throws {
        let error = #expect(throws: SQLiteError.self) {
            try Connection(path: folder.path("missing.db"), mode: .readOnly)
        }
        #expect(error?.primaryCode == SQLiteError.cantOpen)
        #expect(!FileManager.default.fileExists(atPath: folder.path("missing.db")))
    }

    @Test func readOnlyConnectionRefusesWrites() throws {
        try db.execute("CREATE TABLE t (a INTEGER)")
        try db.close()
        let reader = try Connection(path: folder.path("test.db"), mode: .readOnly)
        let error = #expect(throws: SQLiteError.self) { try reader.execute("INSERT INTO t VALUES (1)") }
        #expect(error?.primaryCode == SQLiteError.readOnly)
        #expect(try reader.scalarInt("SELECT count(*) FROM t") == 0)
    }

    @Test func prepareRefusesMoreThanOneStatement() throws {
        let error = #expect(throws: SQLiteError.self) { try db.prepare("SELECT 1; SELECT 2") }
        #expect(error?.primaryCode == SQLiteError.misuse)
        // Trailing semicolons and comments are not a second statement.
        _ = try db.prepare("SELECT 1; -- done\n /* really */ ;")
        _ = try db.prepare("SELECT 1; -- done\r\n;\r\n")
        #expect(throws: SQLiteError.self) { try db.prepare("  -- nothing\n") }
        // A comment line ends at LF, also as part of CR LF (one Character in Swift): what follows is a second
        // statement. As for SQLite, a lone CR does not end it (the rest is comment: one statement).
        _ = try db.prepare("SELECT 1; -- note\rSELECT 2")
        for script in ["SELECT 1; -- note\r\nSELECT 2", "SELECT 1; -- note\nSELECT 2",
                       "SELECT 1;\r\n-- note\r\n/* x */\r\nSELECT 2;\r\n"] {
            let second = #expect(throws: SQLiteError.self, "\(script.debugDescription)") { try db.prepare(script) }
            #expect(second?.primaryCode == SQLiteError.misuse)
        }
    }

    @Test func executeRunsScripts() throws {
        try db.execute("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);")
        #expect(try db.scalarInt("SELECT sum(a) FROM t") == 3)
        #expect(db.changes == 1)
        #expect(db.lastInsertRowID == 2)
    }

    @Test func closeFinalizesLiveStatements() throws {
        try db.execute("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2)")
        let statement = try db.prepare("SELECT a FROM t")
        #expect(try statement.step())
        try db.close()
        #expect(db.isClosed)
        let error = #expect(throws: SQLiteError.self) { try statement.step() }
        #expect(error?.primaryCode == SQLiteError.misuse)
        #expect(throws: SQLiteError.self) { try db.prepare("SELECT 1") }
        try db.close()  // twice is harmless
    }

    @Test func aSecondWriterWaitsThenFailsBusy() throws {
        try db.execute("CREATE TABLE t (a INTEGER)")
        let other = try Connection(path: folder.path("test.db"), busyTimeout: 0.1)
        try db.execute("BEGIN IMMEDIATE")
        let error = #expect(throws: SQLiteError.self) { try other.transaction { try other.execute("INSERT INTO t VALUES (1)") } }
        #expect(error?.primaryCode == SQLiteError.busy)
        try db.execute("ROLLBACK")
        try other.transaction { try other.execute("INSERT INTO t VALUES (1)") }
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 1)
    }
}
