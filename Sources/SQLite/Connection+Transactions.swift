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

    private func rollbackQuietly() {
        // A failed COMMIT or a disk error may already have ended the transaction.
        if isInTransaction { try? execute("ROLLBACK TRANSACTION") }
    }
}
