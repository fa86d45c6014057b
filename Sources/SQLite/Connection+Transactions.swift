import CSQLite

extension Connection {
    /// How a transaction takes its locks. See https://www.sqlite.org/lang_transaction.html
    public enum TransactionKind: String, Sendable {
        /// Locks on first read or write.
        case deferred = "DEFERRED"
        /// Takes the write lock at once, so a writer fails early (after the busy timeout), not half-way.
        case immediate = "IMMEDIATE"
        case exclusive = "EXCLUSIVE"
    }

    /// Runs `body` in a transaction: commits when it returns, rolls back when it throws.
    ///
    ///     try db.transaction { try insert.run(1) }
    ///
    /// The first error is the one rethrown: a failing rollback never hides why the body failed.
    /// - Throws: the body's error, or `SQLiteError` from BEGIN or COMMIT (after which the transaction is rolled back).
    public func transaction<T>(_ kind: TransactionKind = .immediate, _ body: () throws -> T) throws -> T {
        try execute("BEGIN \(kind.rawValue) TRANSACTION")
        let result: T
        do {
            result = try body()
        } catch {
            rollbackQuietly()
            throw error
        }
        do {
            try execute("COMMIT TRANSACTION")
        } catch {
            rollbackQuietly()
            throw error
        }
        return result
    }

    /// Runs `body` inside a savepoint: released when it returns, rolled back to (and released) when it throws.
    /// Savepoints nest, inside or outside a transaction. See https://www.sqlite.org/lang_savepoint.html
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        let name = nextSavepointName()
        try execute("SAVEPOINT \(name)")
        let result: T
        do {
            result = try body()
        } catch {
            // ROLLBACK TO keeps the savepoint open; RELEASE closes it.
            try? execute("ROLLBACK TO SAVEPOINT \(name)")
            try? execute("RELEASE SAVEPOINT \(name)")
            throw error
        }
        do {
            try execute("RELEASE SAVEPOINT \(name)")
        } catch {
            try? execute("ROLLBACK TO SAVEPOINT \(name)")
            try? execute("RELEASE SAVEPOINT \(name)")
            throw error
        }
        return result
    }

    /// Runs `body` with foreign-key enforcement off, then puts enforcement back as it was (also when `body` throws).
    /// For writes that keep every reference right themselves (a bulk load of checked codes, a table rebuilt by a
    /// migration, children deleted before their parents); `PRAGMA foreign_key_check` verifies them afterwards. The
    /// pragma is a no-op inside a transaction, so this is called outside one, around it.
    /// See https://www.sqlite.org/foreignkeys.html#fk_enable
    public func withoutForeignKeyEnforcement<T>(_ body: () throws -> T) throws -> T {
        let enforced = try scalarInt("PRAGMA foreign_keys") == 1
        if enforced { try execute("PRAGMA foreign_keys = OFF") }
        defer { if enforced { try? execute("PRAGMA foreign_keys = ON") } }
        return try body()
    }

    /// Which journal a write used (see `withRollbackJournal`).
    public enum Journal: String, Sendable {
        /// The write-ahead log: readers kept reading the state before the write.
        case wal
        /// SQLite's rollback journal: readers waited for the write.
        case rollback
    }

    /// Runs `body` with SQLite's rollback journal instead of the WAL when this connection is the only one open on
    /// the file, then switches back to WAL. For large writes by a writer alone on the file:
    ///
    ///     let journal = try db.withRollbackJournal { _ in try db.transaction { ... } }
    ///
    /// In WAL mode every page a transaction writes is written twice: into the WAL, then into the database by the
    /// checkpoint after the commit. With the rollback journal, pages are written into the database once, and only
    /// pages that existed before the transaction are copied to the journal first (for pages added to the file,
    /// nothing is). The price: other connections cannot read while the writer holds its exclusive lock (from the
    /// first page it writes to the file until the commit); they wait for it up to their busy timeout. Readers
    /// still see the state before or after the transaction, never part of it.
    ///
    /// SQLite leaves WAL mode only when no other connection has the file open; otherwise it answers SQLITE_BUSY at
    /// once (it does not wait), and `body` runs in WAL mode, so readers open before the write keep reading. The two
    /// switches move two counters in the file header (the change counter and the version-valid-for number, bytes
    /// 24-27 and 92-95), also when `body` rolls back: those are the only bytes that then differ. During
    /// `body`, `synchronous` is FULL: with the rollback journal, NORMAL may not survive a power loss at the wrong
    /// moment. Afterwards WAL mode comes back, waiting up to the busy timeout for readers that opened meanwhile;
    /// if it still cannot, the file stays in rollback mode (with `synchronous` FULL) until a writer opens it: every
    /// writer `Connection` switches the file to WAL on open. Call outside any transaction: the journal mode cannot
    /// change inside one. An in-memory database runs `body` as is.
    /// - Parameter body: receives the journal it runs with.
    /// - Throws: `body`'s error, or `SQLiteError` from reading or setting the journal mode.
    /// See https://www.sqlite.org/pragma.html#pragma_journal_mode and https://www.sqlite.org/wal.html
    public func withRollbackJournal<T>(_ body: (Journal) throws -> T) throws -> T {
        guard try scalarText("PRAGMA journal_mode")?.lowercased() == "wal" else { return try body(.rollback) }
        let switched: Bool
        do {
            // TRUNCATE rather than DELETE: a commit empties the journal file instead of deleting it; switching back
            // to WAL deletes it.
            switched = try scalarText("PRAGMA journal_mode = TRUNCATE")?.lowercased() == "truncate"
        } catch is SQLiteError {
            // SQLITE_BUSY: another connection has the file open. Anything else (a read-only file, say) is for the
            // write itself to meet and report.
            switched = false
        }
        guard switched else { return try body(.wal) }
        try execute("PRAGMA synchronous = FULL")
        defer {
            if (try? scalarText("PRAGMA journal_mode = WAL"))??.lowercased() == "wal" {
                try? execute("PRAGMA synchronous = NORMAL")
            }
        }
        return try body(.rollback)
    }

    private func rollbackQuietly() {
        // A failed COMMIT or a disk error may already have ended the transaction.
        if isInTransaction { try? execute("ROLLBACK TRANSACTION") }
    }
}
