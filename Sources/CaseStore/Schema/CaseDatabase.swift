import Foundation
import SQLite

/// Why a case database cannot be opened.
public enum CaseDatabaseError: Error, Equatable, CustomStringConvertible, Sendable {
    case notFound(path: String)
    case folderNotFound(path: String)

    public var description: String {
        switch self {
        case .notFound(let path):
            "no database at \(path); create one with `htdb init --db \(path)` (or import a file into it)"
        case .folderNotFound(let path):
            "cannot create \(path): the folder \((path as NSString).deletingLastPathComponent) does not exist"
        }
    }
}

/// An htdb database file: a plain SQLite file whose schema comes from the bundled migrations.
///
///     let db = try CaseDatabase.openForWriting(at: "hotline.db")   // creates and migrates as needed
///     let reader = try CaseDatabase.openForReading(at: "hotline.db")
public final class CaseDatabase {
    public let connection: Connection
    public var path: String { connection.path }
    /// Migrations applied when this handle was opened (empty when the file was up to date).
    public let appliedOnOpen: [String]

    private init(connection: Connection, appliedOnOpen: [String]) {
        self.connection = connection
        self.appliedOnOpen = appliedOnOpen
    }

    /// The page size of a new database file, in bytes. 16 KiB rather than SQLite's 4 KiB: a quarter of the pages
    /// to write into the WAL and copy back at the checkpoint, in a quarter of the system calls. A fresh import of
    /// 1,002,415 rows, four rounds alternating with 4 KiB (`ab3.sh` in BENCHMARKS.md): 8.13 -> 7.75 s median, system
    /// time 1.33 -> 0.95 s, peak RSS 52.9 -> 54.0 MiB; reports as fast (the 390-command loop, one run each: 35.8 s
    /// and 35.7 s in all). An empty database is about 0.7 MB instead of 0.2 MB. Files made earlier keep theirs.
    public static let pageSize = 16384

    /// Opens the file for writing, creating it when missing and applying pending migrations.
    ///
    /// An existing file is first checked read-only, so a file this htdb must refuse (newer, edited migration,
    /// another application's database) is left byte-for-byte unchanged.
    /// - Throws: `CaseDatabaseError`, `MigrationError` or `SQLiteError`.
    public static func openForWriting(
        at path: String, requireExisting: Bool = false, migrator: Migrator = Migrator()
    ) throws -> CaseDatabase {
        if requireExisting && !FileManager.default.fileExists(atPath: path) {
            throw CaseDatabaseError.notFound(path: path)
        }
        if FileManager.default.fileExists(atPath: path) {
            do {
                let probe = try Connection(path: path, mode: .readOnly)
                _ = try migrator.pending(probe)
                if try migrator.status(probe).allSatisfy({ $0.state == .pending }),
                   try probe.scalarInt("SELECT count(*) FROM sqlite_schema") ?? 0 > 0
                {
                    throw MigrationError.notACaseDatabase(path: path)
                }
                try probe.close()
            } catch let error as SQLiteError where error.primaryCode == SQLiteError.cantOpen && !error.message.hasPrefix("cannot open") {
                // A WAL file in a folder that cannot be written: SQLite's message names neither the file nor why.
                throw SQLiteError(extendedCode: error.extendedCode, message: "cannot open \(path): \(error.message) "
                    + "(its folder must be writable: SQLite keeps \((path as NSString).lastPathComponent)-wal and -shm beside it)")
            }
        } else {
            let folder = (path as NSString).deletingLastPathComponent
            if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
                throw CaseDatabaseError.folderNotFound(path: path)
            }
        }
        let connection = try Connection(path: path, mode: .readWriteCreate, pageSize: pageSize)
        let applied = try migrator.migrate(connection)
        return CaseDatabase(connection: connection, appliedOnOpen: applied)
    }

    /// Opens an existing, fully migrated file read-only (`SQLITE_OPEN_READONLY`): reports and queries cannot change it.
    /// - Parameter mapped: read pages through a memory map (for reports: see `readMapBytes`).
    /// - Throws: `CaseDatabaseError.notFound`, `MigrationError` (pending, newer, not htdb) or `SQLiteError`.
    public static func openForReading(at path: String, mapped: Bool = false,
                                      migrator: Migrator = Migrator()) throws -> CaseDatabase {
        guard FileManager.default.fileExists(atPath: path) else { throw CaseDatabaseError.notFound(path: path) }
        let connection = try Connection(path: path, mode: .readOnly)
        try migrator.checkCurrent(connection)
        // SQLite's sorter may use one helper thread (a report counted from the rows sorts up to a row per victim):
        // in the sqlite3 shell on 1M victims, 1.40-2.20 s -> 1.11-1.43 s for the two such GROUP BYs of the
        // benchmark; two helpers were slower on two cores.
        try connection.execute("PRAGMA threads = 1")
        if mapped { try connection.execute("PRAGMA mmap_size = \(Self.readMapBytes)") }
        return CaseDatabase(connection: connection, appliedOnOpen: [])
    }

    /// The most of a file that reports and summaries map into memory (SQLite caps it at its compile-time
    /// SQLITE_MAX_MMAP_SIZE, 2 GiB here). Pages are then read from the map rather than copied into the 2 MiB page
    /// cache: a report that scans an index (`--by county,venue --type labor` read all of the index cases_by_place, schema 1-12) spent half
    /// its time in read() copying pages, evicted and read again; in the sqlite3 shell on 1M victims that scan took
    /// 0.16-0.19 s with read() and 0.07-0.09 s mapped. Not for export and queries, which read every row once: the
    /// pages they touch would count in their resident memory (an export of 972,173 victims, 24 -> 131 MiB), for no
    /// gain.
    static let readMapBytes = 1 << 32

    /// Opens an existing file without migrating or checking its schema (for `htdb migrate --status`).
    public static func openExisting(at path: String, readOnly: Bool) throws -> Connection {
        guard FileManager.default.fileExists(atPath: path) else { throw CaseDatabaseError.notFound(path: path) }
        return try Connection(path: path, mode: readOnly ? .readOnly : .readWrite)
    }

    public func close() throws {
        try connection.close()
    }
}

/// The version of the SQLite library htdb runs on, e.g. "3.40.1".
public let sqliteLibraryVersion = Connection.libraryVersion
