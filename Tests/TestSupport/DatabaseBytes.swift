import Foundation

/// The bytes of a database file and of its WAL, to prove that a write that failed or rolled back (or a file refused)
/// left the file as it was. By default the two counters of the file header that SQLite moves whenever a connection
/// changes the journal mode (as an import does: `Connection.withRollbackJournal`) are zeroed: the change counter
/// (bytes 24-27) and the version-valid-for number (bytes 92-95). Every other byte, the pages of every table included,
/// must be the same. An empty or missing WAL counts as none: it holds no change (a read-only connection to a WAL
/// database may leave an empty one behind).
public func databaseBytes(_ path: String, ignoringHeaderCounters: Bool = true) -> [Data?] {
    var file = FileManager.default.contents(atPath: path)
    if ignoringHeaderCounters, var header = file, header.count >= 100 {
        header.replaceSubrange(24..<28, with: Data(count: 4))
        header.replaceSubrange(92..<96, with: Data(count: 4))
        file = header
    }
    let wal = FileManager.default.contents(atPath: path + "-wal")
    return [file, wal?.isEmpty == true ? nil : wal]
}
