import CSV
import Foundation
import SQLite

/// How `Importer` treats each file.
public struct ImportOptions: Sendable {
    /// What an invalid row does to its file.
    public enum OnError: String, Sendable, CaseIterable {
        /// The file is all or nothing: any invalid row and nothing of it is kept.
        case abort
        /// Valid cases are imported; every row of an invalid case goes to the rejects file.
        case skip
    }

    public var profile: Profile = .hotline
    /// nil: from the file name (`ImportFormat.from(path:)`).
    public var format: ImportFormat?
    public var encoding: TextEncoding = .utf8
    public var onError: OnError = .abort
    /// Where rejected rows go under `.skip`; nil: `FILE.rejects.csv` beside each file.
    public var rejectsPath: String?
    /// Validate and report everything, then roll back.
    public var dryRun = false
    /// Replace cases that earlier batches imported (victims and venues too) instead of failing on them.
    public var replace = false
    /// The latest acceptable `reported_on`.
    public var today: (year: Int, month: Int, day: Int) = ImportOptions.localToday()

    public init() {}

    /// Today's date in the local time zone.
    public static func localToday() -> (year: Int, month: Int, day: Int) {
        let parts = Calendar.current.dateComponents([.year, .month, .day], from: Date())
        return (parts.year ?? 1970, parts.month ?? 1, parts.day ?? 1)
    }

    /// The rejects file for `path`.
    public func rejectsPath(for path: String) -> String {
        rejectsPath ?? path + ".rejects.csv"
    }
}

/// What became of one file.
public struct ImportSummary: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        /// Committed as batch `batchID`.
        case imported
        /// The same bytes (sha256) were imported before, as batch `batchID`: nothing done.
        case alreadyImported
        /// Invalid (under abort, or a problem that stops the whole file): nothing kept.
        case failed
        /// `--dry-run`: everything checked, nothing kept; the counts are what would have been imported.
        case dryRun
    }

    public var file: String
    public var outcome: Outcome
    public var batchID: Int64?
    public var sha256: String = ""
    public var rowsRead = 0
    public var rowsImported = 0
    public var rowsRejected = 0
    public var casesImported = 0
    public var victimsImported = 0
    public var casesReplaced = 0
    /// Problems found (every one, also those past --max-errors).
    public var issueCount = 0
    public var warningCount = 0
    /// The rejects file written, if any.
    public var rejectsPath: String?
    public var seconds: Double = 0
    /// The journal the file's transaction used: the rollback journal when htdb was alone on the database, else the
    /// WAL (see `Importer.importFile`); nil when no transaction ran (a file imported before).
    public var journal: Connection.Journal?
}

/// Where an import reports as it goes. Messages never hold a victim value other than the offending field's own.
public struct ImportEvents {
    /// A problem with a row or the file, as `FILE:LINE:COLUMN: message`.
    public var issue: (String) -> Void
    /// A warning (an unknown column), as `FILE:LINE:COLUMN: warning: ...`.
    public var warning: (String) -> Void
    /// Bytes read of the total, and rows read so far. Called often; throttle before drawing.
    public var progress: (_ bytes: Int, _ totalBytes: Int, _ rows: Int) -> Void
    /// Asked every thousand rows and before the commit: true stops the import, which then rolls back and throws
    /// `ImportError.interrupted` (Ctrl-C).
    public var shouldStop: () -> Bool

    public init(issue: @escaping (String) -> Void = { _ in }, warning: @escaping (String) -> Void = { _ in },
                progress: @escaping (Int, Int, Int) -> Void = { _, _, _ in },
                shouldStop: @escaping () -> Bool = { false }) {
        self.issue = issue
        self.warning = warning
        self.progress = progress
        self.shouldStop = shouldStop
    }
}

/// A problem with the input file as a file (it cannot be found or read).
public enum ImportError: Error, Equatable, CustomStringConvertible, Sendable {
    case fileNotFound(path: String)
    case unreadable(path: String, message: String)
    case cannotWriteRejects(path: String, message: String)
    /// Stopped on request (Ctrl-C) before its commit: nothing of the file was kept.
    case interrupted(path: String)

    public var description: String {
        switch self {
        case .fileNotFound(let path): "\(path): no such file"
        case .unreadable(let path, let message): "\(path): cannot read: \(message)"
        case .cannotWriteRejects(let path, let message): "\(path): cannot write the rejects file: \(message)"
        case .interrupted(let path): "\(path): import interrupted; nothing of this file was kept"
        }
    }
}
