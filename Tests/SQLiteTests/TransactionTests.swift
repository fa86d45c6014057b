import Foundation
import SQLite
import Testing

@Suite("Transactions and savepoints")
struct TransactionTests {
    struct Boom: Error, Equatable { let step: Int }

    let folder: TemporaryDirectory
    let db: Connection

    init() throws {
        folder = try TemporaryDirectory()
        db = try Connection(path: folder.path("test.db"))
        try db.execute("CREATE TABLE t (a INTEGER PRIMARY KEY)")
    }

    private func count() throws -> Int64 { try db.scalarInt("SELECT count(*) FROM t") ?? -1 }

    @Test func foreignKeyEnforcementIsOffInTheBodyAndAsBeforeAfterIt() throws {
        try db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        try db.execute("CREATE TABLE child (p INTEGER REFERENCES parent (id))")
        #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
        // Off inside: a child without a parent goes in.
        try db.withoutForeignKeyEnforcement {
            #expect(try db.scalarInt("PRAGMA foreign_keys") == 0)
            try db.execute("INSERT INTO child VALUES (42)")
        }
        #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
        #expect(throws: SQLiteError.self) { try db.execute("INSERT INTO child VALUES (43)") }
        // Back on after a throw too, and left off when it was off.
        #expect(throws: Boom.self) { try db.withoutForeignKeyEnforcement { throw Boom(step: 1) } }
        #expect(try db.scalarInt("PRAGMA foreign_keys") == 1)
        try db.execute("PRAGMA foreign_keys = OFF")
        try db.withoutForeignKeyEnforcement {}
        #expect(try db.scalarInt("PRAGMA foreign_keys") == 0)
    }

    @Test func commitsWhenTheBodyReturns() throws {
        let value = try db.transaction { () -> Int in
            try db.execute("INSERT INTO t VALUES (1)")
            return 7
        }
        #expect(value == 7)
        #expect(try count() == 1)
        #expect(!db.isInTransaction)
    }

    @Test func rollsBackWhenTheBodyThrowsAndRethrowsTheFirstError() throws {
        let error = #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                throw Boom(step: 1)
            }
        }
        #expect(error == Boom(step: 1))
        #expect(try count() == 0)
        #expect(!db.isInTransaction)
    }

    @Test func aFailingStatementRollsBackEverything() throws {
        #expect(throws: SQLiteError.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1)")
                try db.execute("INSERT INTO t VALUES (1)")  // primary key violation
            }
        }
        #expect(try count() == 0)
    }

    @Test func theBodysErrorWinsWhenTheTransactionWasAlreadyEnded() throws {
        // The body ends the transaction itself, so the rollback has nothing to do; the body's error still wins.
        let error = #expect(throws: Boom.self) {
            try db.transaction {
                try db.execute("INSERT INTO t VALUES (1); ROLLBACK")
                throw Boom(step: 2)
            }
        }
        #expect(error == Boom(step: 2))
        #expect(try count() == 0)
    }

    @Test func immediateTransactionsTakeTheWriteLockAtOnce() throws {
        let other = try Connection(path: folder.path("test.db"), busyTimeout: 0)
        try db.transaction {
            let error = #expect(throws: SQLiteError.self) { try other.transaction(.immediate) {} }
            #expect(error?.primaryCode == SQLiteError.busy)
        }
    }

    @Test func savepointsRollBackOnlyTheirOwnWork() throws {
        try db.transaction {
            try db.execute("INSERT INTO t VALUES (1)")
            #expect(throws: Boom.self) {
                try db.savepoint {
                    try db.execute("INSERT INTO t VALUES (2)")
                    throw Boom(step: 3)
                }
            }
            try db.savepoint {
                try db.execute("INSERT INTO t VALUES (3)")
                try db.savepoint { try db.execute("INSERT INTO t VALUES (4)") }
            }
        }
        #expect(try db.prepare("SELECT a FROM t ORDER BY a").allRows() == [[.integer(1)], [.integer(3)], [.integer(4)]])
    }

    @Test func savepointOutsideATransactionCommits() throws {
        try db.savepoint { try db.execute("INSERT INTO t VALUES (9)") }
        #expect(try count() == 1)
        #expect(!db.isInTransaction)
    }
}
