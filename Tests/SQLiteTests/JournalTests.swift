import Foundation
import SQLite
import Testing

@Suite("Rollback journal for a writer alone, and hot journals left by interrupted writes")
struct JournalTests {
    let folder: TemporaryDirectory
    let path: String
    let db: Connection

    init() throws {
        folder = try TemporaryDirectory()
        path = folder.path("journal.db")
        db = try Connection(path: path)
        try db.execute("CREATE TABLE t (a INTEGER PRIMARY KEY, b TEXT)")
        try db.execute("INSERT INTO t (b) VALUES ('before')")
    }

    private func pragma(_ name: String, _ connection: Connection? = nil) throws -> String? {
        try (connection ?? db).scalarText("PRAGMA \(name)")
    }

    private func files() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
            .filter { $0.hasPrefix("journal.db") }.sorted()
    }

    @Test func aWriterAloneUsesTheRollbackJournalThenGoesBackToWAL() throws {
        #expect(try pragma("journal_mode") == "wal")
        #expect(try pragma("synchronous") == "1")
        let journal = try db.withRollbackJournal { journal in
            #expect(try pragma("journal_mode") == "truncate")
            // FULL: NORMAL is not safe against a power loss with a rollback journal.
            #expect(try pragma("synchronous") == "2")
            try db.transaction { try db.execute("INSERT INTO t (b) VALUES ('during')") }
            return journal
        }
        #expect(journal == .rollback)
        #expect(try pragma("journal_mode") == "wal")
        #expect(try pragma("synchronous") == "1")
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 2)
        // No journal file is left beside the database.
        #expect(try !files().contains("journal.db-journal"))
    }

    @Test func withAnotherConnectionOpenTheWriteStaysInWALAndDoesNotWait() throws {
        let other = try Connection(path: path, mode: .readOnly)
        #expect(try other.scalarInt("SELECT count(*) FROM t") == 1)
        let started = Date()
        let journal = try db.withRollbackJournal { journal in
            #expect(try pragma("journal_mode") == "wal")
            // The reader reads while the write is under way.
            try db.transaction {
                try db.execute("INSERT INTO t (b) VALUES ('during')")
                #expect(try other.scalarInt("SELECT count(*) FROM t") == 1)
            }
            return journal
        }
        #expect(journal == .wal)
        #expect(Date().timeIntervalSince(started) < 2, "SQLite refuses to leave WAL mode at once, without waiting")
        #expect(try other.scalarInt("SELECT count(*) FROM t") == 2)
        #expect(try pragma("journal_mode") == "wal")
        #expect(try pragma("synchronous") == "1")
    }

    @Test func aThrowingBodyIsRethrownAndWALComesBack() throws {
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.withRollbackJournal { _ in
                try db.transaction {
                    try db.execute("INSERT INTO t (b) VALUES ('during')")
                    throw Boom()
                }
            }
        }
        #expect(try pragma("journal_mode") == "wal")
        #expect(try db.scalarInt("SELECT count(*) FROM t") == 1)
    }

    /// A copy of the database and its journal taken in the middle of a large write is what a killed writer
    /// leaves: pages of the write already in the file, the journal still hot.
    @Test func aReadOnlyConnectionRollsBackAHotJournalFirst() throws {
        let copy = folder.path("journal-copy.db")
        try db.execute("PRAGMA cache_size = 8")
        try db.withRollbackJournal { journal in
            #expect(journal == .rollback)
            try db.transaction {
                let insert = try db.prepare("INSERT INTO t (b) VALUES (?)")
                for index in 0..<20_000 {
                    try insert.bind("row \(index) of a write that is never committed", at: 1)
                    try insert.run()
                }
                try db.execute("DELETE FROM t WHERE b = 'before'")
                for suffix in ["", "-journal"] {
                    try FileManager.default.copyItem(atPath: path + suffix, toPath: copy + suffix)
                }
            }
        }
        // The copy holds part of the write: the file grew (pages went to it when the small cache spilled), and the
        // journal has the pages it changed.
        func size(_ file: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int) ?? 0
        }
        #expect(size(copy) > 100_000)
        #expect(size(copy + "-journal") > 0)

        let reader = try Connection(path: copy, mode: .readOnly)
        #expect(try reader.scalarText("SELECT group_concat(b) FROM t") == "before")
        #expect(try reader.scalarText("PRAGMA integrity_check") == "ok")
        #expect(size(copy + "-journal") == 0, "the journal was played back")
        // Still read-only.
        #expect(throws: SQLiteError.self) { try reader.execute("INSERT INTO t (b) VALUES ('x')") }
    }
}
