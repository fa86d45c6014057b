import ArgumentParser
import CSV
import CaseStore
import Dispatch
import Foundation
import SQLite

extension ImportFormat: ExpressibleByArgument {}
extension ImportOptions.OnError: ExpressibleByArgument {}
extension TextEncoding: ExpressibleByArgument {}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Import hotline export files (CSV or NDJSON), each file in one transaction.",
        discussion: """
            Every row is either stored or rejected with a reason printed as FILE:LINE:COLUMN: message. With \
            --on-error abort (the default) a file with any invalid row is not imported at all (exit status 65). \
            With --on-error skip the valid cases are imported and every row of an invalid case goes to the \
            rejects file. A file imported before (same sha256) is skipped.
            With --profile ctdc, the files are the CTDC global victim dataset (CSV, one victim per row): each row \
            becomes one case with one victim.
            Examples: htdb import Samples/hotline-2021.csv
                      htdb import Samples/hotline-2019.csv --profile Samples/profiles/hotline-2019.json
                      htdb import Samples/ctdc/ctdc-synthetic-2024.csv --profile ctdc
                      htdb import export.csv --on-error skip --rejects rejected.csv
            """)

    @Argument(help: "The files to import, in order.")
    var files: [String]

    @OptionGroup var database: DatabaseOptions

    @Option(help: ArgumentHelp("A built-in profile (hotline, ctdc) or a profile JSON file that maps another layout.",
                               valueName: "name|file.json"))
    var profile: String = "hotline"

    @Option(help: "The file format (default: from the extension; .ndjson/.jsonl/.json are NDJSON).")
    var format: ImportFormat?

    @Option(help: "The files' text encoding.")
    var encoding: TextEncoding = .utf8

    @Option(name: .customLong("on-error"), help: "What an invalid row does: abort the file, or skip its case.")
    var onError: ImportOptions.OnError = .abort

    @Option(help: ArgumentHelp("Where rejected rows go with --on-error skip (default: FILE.rejects.csv).",
                               valueName: "file"))
    var rejects: String?

    @Option(name: .customLong("max-errors"), help: "Print at most this many problems, then count the rest.")
    var maxErrors: Int = 50

    @Flag(name: .customLong("dry-run"), help: "Check everything and report; change nothing in the database.")
    var dryRun = false

    @Flag(help: "Replace cases that earlier batches imported instead of failing on them.")
    var replace = false

    @Flag(inversion: .prefixedNo, help: "Show a progress line (default: when stderr is a terminal).")
    var progress: Bool?

    func validate() throws {
        if maxErrors < 0 { throw ValidationError("--max-errors must be 0 or more") }
        if rejects != nil && onError != .skip { throw ValidationError("--rejects goes with --on-error skip") }
        if rejects != nil && files.count > 1 {
            throw ValidationError("--rejects names one file; with several inputs each gets FILE.rejects.csv")
        }
    }

    func run() throws {
        try Console.run {
            var options = ImportOptions()
            options.profile = try Profile.load(profile)
            options.format = format
            options.encoding = encoding
            options.onError = onError
            options.rejectsPath = rejects
            options.dryRun = dryRun
            options.replace = replace

            // The flusher's files are closed after the database (defers run in reverse order): see WritebackFlusher.
            let writeback = WritebackFlusher(paths: [database.path, database.path + "-wal"])
            defer { writeback.close() }
            let db = try CaseDatabase.openForWriting(at: database.path)
            defer { try? db.close() }
            let importer = try Importer(database: db, options: options)
            importer.writeback = writeback

            let showProgress = progress ?? (isatty(STDERR_FILENO) == 1)
            // Ctrl-C asks the import to stop: the file's transaction rolls back, nothing of it is kept.
            let stop = StopFlag()
            signal(SIGINT, SIG_IGN)
            let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            interrupt.setEventHandler { stop.set() }
            interrupt.resume()
            defer {
                interrupt.cancel()
                signal(SIGINT, SIG_DFL)
            }
            var failed: [String] = []
            var worst: Int32 = 0
            for file in files {
                var printed = 0
                var warnings = 0
                let meter = ProgressMeter(enabled: showProgress)
                let events = ImportEvents(
                    issue: { message in
                        if printed < maxErrors {
                            meter.clear()
                            Console.err(message)
                        }
                        printed += 1
                    },
                    warning: { message in
                        // One warning per unknown column, but a file with thousands of them prints only the first.
                        if warnings < maxErrors {
                            meter.clear()
                            Console.err(message)
                        }
                        warnings += 1
                    },
                    progress: { bytes, total, rows in meter.update(bytes: bytes, total: total, rows: rows) },
                    shouldStop: { stop.isSet })
                let summary: ImportSummary
                do {
                    summary = try importer.importFile(file, events: events)
                } catch let error as ImportError {
                    meter.clear()
                    Console.err("htdb: error: \(error)")
                    failed.append(file)
                    switch error {
                    case .fileNotFound: worst = max(worst, Console.Status.noInput)
                    case .interrupted: throw ExitCode(Console.Status.interrupted)
                    default: worst = max(worst, Console.Status.ioError)
                    }
                    continue
                }
                meter.clear()
                if warnings > maxErrors {
                    Console.err("\(file): … and \(warnings - maxErrors) more warnings (--max-errors \(maxErrors))")
                }
                if printed > maxErrors {
                    Console.err("\(file): … and \(printed - maxErrors) more problems (--max-errors \(maxErrors))")
                }
                Console.err(Self.describe(summary, onError: onError))
                if summary.outcome == .failed {
                    failed.append(file)
                    worst = max(worst, Console.Status.dataError)
                }
            }
            if files.count > 1 {
                let done = files.filter { !failed.contains($0) }
                Console.err("imported: \(done.isEmpty ? "none" : done.joined(separator: ", "))"
                    + (failed.isEmpty ? "" : "; not imported: \(failed.joined(separator: ", "))"))
            }
            if worst != 0 { throw ExitCode(worst) }
        }
    }

    /// The summary line of one file: rows read, cases, victims, rejected, seconds.
    static func describe(_ summary: ImportSummary, onError: ImportOptions.OnError) -> String {
        let seconds = String(format: "%.2f s", summary.seconds)
        let counts = "\(summary.rowsRead) rows read, \(summary.casesImported) cases, \(summary.victimsImported) "
            + "victims, \(summary.rowsRejected) rejected"
        switch summary.outcome {
        case .alreadyImported:
            return "\(summary.file): already imported as batch \(summary.batchID ?? 0) (same sha256); skipped. "
                + "Delete that batch first to import it again."
        case .failed:
            return "\(summary.file): not imported (\(summary.issueCount) problems); the database is unchanged. "
                + "\(summary.rowsRead) rows read, \(seconds)"
        case .dryRun:
            var text = "\(summary.file): dry run, nothing changed: would import \(counts)"
            if summary.casesReplaced > 0 { text += ", \(summary.casesReplaced) cases replaced" }
            if let rejects = summary.rejectsPath { text += "; rejected rows in \(rejects)" }
            return text + ", \(seconds)"
        case .imported:
            var text = "\(summary.file): imported as batch \(summary.batchID ?? 0): \(counts)"
            if summary.casesReplaced > 0 { text += ", \(summary.casesReplaced) cases replaced" }
            if let rejects = summary.rejectsPath { text += "; rejected rows in \(rejects)" }
            return text + ", \(seconds)"
        }
    }
}

/// One updating progress line on stderr, at most 10 updates a second.
final class ProgressMeter {
    private let enabled: Bool
    private let started = Date()
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(bytes: Int, total: Int, rows: Int) {
        guard enabled else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let percent = total > 0 ? Double(bytes) * 100 / Double(total) : 100
        let elapsed = max(now.timeIntervalSince(started), 0.001)
        let line = String(format: "\r%5.1f%%  %d rows  %.0f rows/s", percent, rows, Double(rows) / elapsed)
        FileHandle.standardError.write(Data(line.utf8))
        drawn = true
    }

    func clear() {
        guard drawn else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        drawn = false
    }
}

/// Set from the signal queue, read by the import loop.
/// `@unchecked Sendable`: the one field is guarded by the lock.
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
