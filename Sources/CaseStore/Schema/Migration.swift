/// One schema step: a `Migrations/NNNN_name.sql` file compiled into the binary.
public struct Migration: Sendable, Equatable {
    /// The file name without `.sql`, e.g. "0001_schema"; migrations run in name order.
    public let name: String
    public let sql: String
    /// SHA-256 of the SQL text, recorded when applied: an edited shipped migration is detected and refused.
    public let checksum: String

    public init(name: String, sql: String) {
        self.name = name
        self.sql = sql
        self.checksum = SHA256.hash(Array(sql.utf8)).hex
    }

    /// The migrations this binary carries, in order.
    public static let bundled: [Migration] = EmbeddedMigrations.all
        .map { Migration(name: $0.name, sql: $0.sql) }
        .sorted { $0.name < $1.name }
}

/// Why a database cannot be migrated. Each leaves the file unchanged.
public enum MigrationError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The database holds migrations this binary does not know: it was made by a newer htdb.
    case unknownMigrations(path: String, names: [String])
    /// An applied migration's SQL differs from this binary's copy of it.
    case checksumMismatch(path: String, name: String)
    /// The file is an SQLite database with tables of its own, but not an htdb database.
    case notACaseDatabase(path: String)
    /// A read needs migrations that have not been applied yet.
    case pendingMigrations(path: String, names: [String])

    public var description: String {
        switch self {
        case .unknownMigrations(let path, let names):
            "\(path) was made by a newer htdb (it has migrations this htdb does not know: "
                + "\(names.joined(separator: ", "))); use a newer htdb. The file was not changed."
        case .checksumMismatch(let path, let name):
            "\(path): migration \(name) was applied from different SQL than this htdb carries "
                + "(checksum mismatch); refusing to go on. The file was not changed."
        case .notACaseDatabase(let path):
            "\(path) is an SQLite database but not an htdb database (it has tables and no htdb_migrations table). "
                + "The file was not changed."
        case .pendingMigrations(let path, let names):
            "\(path) needs migrations \(names.joined(separator: ", ")); run `htdb migrate --db \(path)` first."
        }
    }
}

/// Where one migration stands in a database.
public struct MigrationStatus: Sendable, Equatable {
    public enum State: String, Sendable { case applied, pending, unknown }
    public let name: String
    public let state: State
    /// When it was applied (ISO 8601, UTC); nil when pending.
    public let appliedAt: String?
}
