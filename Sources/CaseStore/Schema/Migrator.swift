import Foundation
import SQLite

/// Applies the bundled migrations in order, each in its own transaction, and records them in `htdb_migrations`
/// (name, checksum, time). Running it again is a no-op.
///
///     let applied = try Migrator().migrate(connection)   // ["0001_schema", "0002_geography"] on a new file
///
/// A database that holds a migration this binary does not know, or whose applied migration has another checksum,
/// is refused and left unchanged.
public struct Migrator: Sendable {
    public let migrations: [Migration]

    /// "htdb" in ASCII, written to the file header's application id so tools can tell what the file is.
    /// See https://www.sqlite.org/pragma.html#pragma_application_id
    public static let applicationID: Int64 = 0x6874_6462

    public init(migrations: [Migration] = Migration.bundled) {
        self.migrations = migrations.sorted { $0.name < $1.name }
    }

    /// Where each migration stands: applied, pending, or unknown (applied by a newer htdb).
    public func status(_ db: Connection) throws -> [MigrationStatus] {
        let applied = try appliedMigrations(db)
        var result = migrations.map { migration in
            MigrationStatus(
                name: migration.name, state: applied[migration.name] == nil ? .pending : .applied,
                appliedAt: applied[migration.name]?.appliedAt)
        }
        let known = Set(migrations.map(\.name))
        for (name, record) in applied where !known.contains(name) {
            result.append(MigrationStatus(name: name, state: .unknown, appliedAt: record.appliedAt))
        }
        return result.sorted { $0.name < $1.name }
    }

    /// The names of migrations not applied yet, after checking the database is one this binary can work with.
    public func pending(_ db: Connection) throws -> [String] {
        let applied = try appliedMigrations(db)
        try validate(applied, path: db.path)
        return migrations.filter { applied[$0.name] == nil }.map(\.name)
    }

    /// Applies every pending migration; returns the names applied (empty when the database is up to date).
    @discardableResult
    public func migrate(_ db: Connection) throws -> [String] {
        let before = try appliedMigrations(db)
        try validate(before, path: db.path)
        if before.isEmpty {
            try db.transaction {
                // Checked again inside the write lock: another process may have started it meanwhile.
                guard try !db.tableExists("htdb_migrations") else { return }
                guard try db.scalarInt("SELECT count(*) FROM sqlite_schema") == 0 else {
                    throw MigrationError.notACaseDatabase(path: db.path)
                }
                try db.execute(
                    """
                    CREATE TABLE htdb_migrations (
                        name       TEXT PRIMARY KEY,
                        checksum   TEXT NOT NULL,
                        applied_at TEXT NOT NULL
                    ) STRICT;
                    PRAGMA application_id = \(Self.applicationID);
                    """)
            }
        }
        let pending = migrations.filter { before[$0.name] == nil }
        guard !pending.isEmpty else { return [] }
        var appliedNow: [String] = []
        // Foreign keys are not enforced while migrations run, so that one can rebuild a table others point at
        // (https://www.sqlite.org/lang_altertable.html#otheralter: with enforcement on, dropping the old table
        // would cascade to its children). Each migration checks them before it commits instead.
        try db.withoutForeignKeyEnforcement { for migration in pending {
            let didApply = try db.transaction { () -> Bool in
                let applied = try appliedMigrations(db)
                try validate(applied, path: db.path)
                guard applied[migration.name] == nil else { return false }
                try db.execute(migration.sql)
                // A violation would be a bug in a migration, not in the data: nothing of it is kept.
                if let violation = try db.scalarText("SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1") {
                    throw SQLiteError(
                        extendedCode: SQLiteError.constraintForeignKey,
                        message: "foreign key check failed in table \(violation) in migration \(migration.name)")
                }
                try db.run(
                    "INSERT INTO htdb_migrations (name, checksum, applied_at) VALUES (?, ?, ?)",
                    migration.name, migration.checksum, Self.timestamp())
                // user_version mirrors the number of applied migrations, for tools that only read the header.
                try db.execute("PRAGMA user_version = \(applied.count + 1)")
                return true
            }
            if didApply { appliedNow.append(migration.name) }
        } }
        if !appliedNow.isEmpty {
            // Migrations may add foreign keys; a violation would be a bug in a migration, not in the data.
            if let violation = try db.scalarText("SELECT \"table\" FROM pragma_foreign_key_check LIMIT 1") {
                throw SQLiteError(
                    extendedCode: SQLiteError.constraintForeignKey,
                    message: "foreign key check failed in table \(violation) after migrating")
            }
        }
        return appliedNow
    }

    /// Checks that a database can be read by this binary: it is an htdb database, fully migrated, and not newer.
    public func checkCurrent(_ db: Connection) throws {
        let applied = try appliedMigrations(db)
        if applied.isEmpty {
            if try db.scalarInt("SELECT count(*) FROM sqlite_schema") ?? 0 > 0 {
                throw MigrationError.notACaseDatabase(path: db.path)
            }
        }
        try validate(applied, path: db.path)
        let missing = migrations.filter { applied[$0.name] == nil }.map(\.name)
        if !missing.isEmpty { throw MigrationError.pendingMigrations(path: db.path, names: missing) }
    }

    private struct AppliedMigration {
        let checksum: String
        let appliedAt: String
    }

    private func appliedMigrations(_ db: Connection) throws -> [String: AppliedMigration] {
        guard try db.tableExists("htdb_migrations") else { return [:] }
        let statement = try db.prepare("SELECT name, checksum, applied_at FROM htdb_migrations")
        var result: [String: AppliedMigration] = [:]
        while try statement.step() {
            result[statement.string(0) ?? ""] = AppliedMigration(
                checksum: statement.string(1) ?? "", appliedAt: statement.string(2) ?? "")
        }
        return result
    }

    private func validate(_ applied: [String: AppliedMigration], path: String) throws {
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.name, $0) })
        let unknown = applied.keys.filter { known[$0] == nil }.sorted()
        if !unknown.isEmpty { throw MigrationError.unknownMigrations(path: path, names: unknown) }
        for (name, record) in applied.sorted(by: { $0.key < $1.key }) where known[name]?.checksum != record.checksum {
            throw MigrationError.checksumMismatch(path: path, name: name)
        }
    }

    /// Now, as ISO 8601 in UTC with seconds ("2026-11-29T23:59:01Z").
    static func timestamp() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date())
    }
}
