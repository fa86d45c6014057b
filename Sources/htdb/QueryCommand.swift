import ArgumentParser
import CaseStore
import Dispatch
import Foundation
import SQLite

extension QueryOutput.Format: ExpressibleByArgument {}

struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one read-only SQL query against the database and stream its rows.",
        discussion: """
            The database is opened read-only with query_only set, and an authorizer refuses every write, ATTACH, \
            state-changing PRAGMA and extension loading: nothing a query does can change the file. Name \
            parameters in the SQL (:year) and give them with --param (numbers bind as numbers, else text). \
            Rows stream as they come, with no row limit.
            Examples: htdb query "SELECT state, count(*) AS cases FROM cases GROUP BY state ORDER BY 2 DESC"
                      htdb query "SELECT * FROM case_facts WHERE year = :year" --param year=2021 --format csv --out 2021.csv
                      htdb query --file analysis.sql --format json
            """)

    @Argument(help: "The SQL statement (or use --file).")
    var sql: String?

    @Option(help: ArgumentHelp("Read the SQL from this file.", valueName: "file"))
    var file: String?

    @Option(name: .customLong("param"), help: ArgumentHelp("A named parameter, NAME=VALUE (repeatable).",
                                                           valueName: "name=value"))
    var parameters: [String] = []

    @Option(help: "Output format.")
    var format: QueryOutput.Format = .table

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var out: String?

    @Option(help: ArgumentHelp("Stop the query after this many seconds (0: no limit).", valueName: "seconds"))
    var timeout: Double = 30

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        if (sql == nil) == (file == nil) { throw ValidationError("give the SQL either as an argument or with --file") }
        if timeout < 0 { throw ValidationError("--timeout must be 0 or more") }
        _ = try parsedParameters()
    }

    func parsedParameters() throws -> [String: String] {
        var result: [String: String] = [:]
        for parameter in parameters {
            guard let equals = parameter.firstIndex(of: "="), equals != parameter.startIndex else {
                throw ValidationError("--param takes NAME=VALUE, not \"\(parameter)\"")
            }
            var name = String(parameter[..<equals])
            if let first = name.first, ":@$".contains(first) { name.removeFirst() }
            guard result[name] == nil else { throw ValidationError("--param \(name) is given twice") }
            result[name] = String(parameter[parameter.index(after: equals)...])
        }
        return result
    }

    func run() throws {
        try Console.run {
            let text: String
            if let file {
                guard let data = FileManager.default.contents(atPath: file) else {
                    Console.err("htdb: error: \(file): cannot read the SQL file")
                    throw ExitCode(Console.Status.noInput)
                }
                text = String(decoding: data, as: UTF8.self)
            } else {
                text = sql ?? ""
            }
            let query = try ReadOnlyQuery(path: database.path)
            var descriptor = STDOUT_FILENO
            if let out {
                // Results may hold victim data: readable by the owner only.
                descriptor = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
                guard descriptor >= 0 else {
                    Console.err("htdb: error: cannot write \(out): \(String(cString: strerror(errno)))")
                    throw ExitCode(Console.Status.cantCreate)
                }
            }
            defer { if out != nil { close(descriptor) } }
            let output = QueryOutput(format: format, fileDescriptor: descriptor, label: out ?? "standard output")

            // Ctrl-C stops the query cleanly instead of killing the process mid-write.
            signal(SIGINT, SIG_IGN)
            let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            let stopper = QueryStopper(query)
            interrupt.setEventHandler { stopper.stop() }
            interrupt.resume()
            defer {
                interrupt.cancel()
                signal(SIGINT, SIG_DFL)
            }

            do {
                try query.run(text, parameters: try parsedParameters(), timeout: timeout > 0 ? timeout : nil,
                              output: output)
                if format == .table, out == nil, let note = output.note { Console.err(note) }
            } catch let error as QueryError {
                Console.err("htdb: error: \(error)")
                switch error {
                case .refused: throw ExitCode(Console.Status.refused)
                case .missingParameter, .unusedParameter, .positionalParameter: throw ExitCode(Console.Status.usage)
                case .timedOut: throw ExitCode(Console.Status.timedOut)
                case .interrupted: throw ExitCode(Console.Status.interrupted)
                }
            } catch let error as SQLiteError where error.primaryCode == SQLiteError.error
                || error.primaryCode == SQLiteError.misuse || error.primaryCode == SQLiteError.range
            {
                Console.err("htdb: error: \(error.message)")
                throw ExitCode(Console.Status.dataError)
            }
        }
    }
}

/// Carries the Ctrl-C request to the query from the signal queue.
/// `@unchecked Sendable`: it only calls `interruptByUser()`, which takes a lock and calls `sqlite3_interrupt`,
/// both safe from another thread.
private final class QueryStopper: @unchecked Sendable {
    private let query: ReadOnlyQuery
    init(_ query: ReadOnlyQuery) { self.query = query }
    func stop() { query.interruptByUser() }
}
