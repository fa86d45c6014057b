import Foundation
import SQLite

/// Why an ad hoc query did not run to the end.
public enum QueryError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The SQL asks for something a read-only query may not do (a write, ATTACH, a state-changing PRAGMA, ...).
    case refused(what: String)
    case missingParameter(String)
    case unusedParameter(String)
    case positionalParameter
    case timedOut(seconds: Double)
    case interrupted

    public var description: String {
        switch self {
        case .refused(let what):
            "refused: \(what) is not allowed; htdb query is read-only (SELECT, WITH ... SELECT, and reading PRAGMAs)"
        case .missingParameter(let name): "the SQL uses :\(name) but no --param \(name)=VALUE was given"
        case .unusedParameter(let name): "--param \(name) is given but the SQL has no parameter :\(name)"
        case .positionalParameter: "positional parameters (?) are not supported; name them (:name) and use --param"
        case .timedOut(let seconds): "the query was stopped after \(Self.seconds(seconds)) (--timeout)"
        case .interrupted: "the query was interrupted"
        }
    }

    private static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : String(format: "%.1f s", value)
    }
}

/// Ad hoc SQL for researchers, made safe to run on the case database: the file is opened read-only
/// (`SQLITE_OPEN_READONLY`), `query_only` is set, defensive mode is on, no database can be attached, and an
/// authorizer refuses every write, ATTACH and DETACH, PRAGMAs that change state, and extension loading. Nothing a
/// query does can change the file.
///
///     let query = try ReadOnlyQuery(path: "hotline.db")
///     try query.run("SELECT state, count(*) FROM cases WHERE year = :year GROUP BY 1",
///                   parameters: ["year": "2021"], timeout: 30, output: output)
public final class ReadOnlyQuery {
    public let database: CaseDatabase
    private var connection: Connection { database.connection }
    private let state = RunState()

    /// PRAGMAs that only read. Those in `pragmasTakingNames` take a table or index name as their argument; the rest
    /// are allowed only without one (`PRAGMA user_version` reads it, `PRAGMA user_version = 9` would set it).
    static let readingPragmas: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        "foreign_key_check", "integrity_check", "quick_check", "database_list", "collation_list", "function_list",
        "module_list", "pragma_list", "compile_options", "user_version", "application_id", "schema_version",
        "data_version", "page_count", "page_size", "freelist_count", "journal_mode", "encoding", "foreign_keys",
        "query_only", "max_page_count", "auto_vacuum", "cache_size",
    ]
    static let pragmasTakingNames: Set<String> = [
        "table_info", "table_xinfo", "table_list", "index_list", "index_info", "index_xinfo", "foreign_key_list",
        "foreign_key_check", "integrity_check", "quick_check",
    ]

    /// Opens the database read-only and locks it down.
    /// - Throws: `CaseDatabaseError`, `MigrationError`, `SQLiteError`.
    public init(path: String) throws {
        database = try CaseDatabase.openForReading(at: path)
        let db = database.connection
        try db.execute("PRAGMA query_only = ON")
        try db.enableDefensiveMode()
        try db.limitAttachedDatabases(to: 0)
        try db.setAuthorizer(Self.policy)
        try db.setProgressHandler(every: 1000) { [state] in state.shouldStop() }
    }

    /// What a read-only query may do.
    static func policy(_ request: AuthorizerRequest) -> AuthorizerDecision {
        switch request.action {
        case AuthorizerRequest.select, AuthorizerRequest.read, AuthorizerRequest.recursive:
            return .allow
        case AuthorizerRequest.function:
            return (request.second ?? "").lowercased() == "load_extension" ? .deny : .allow
        case AuthorizerRequest.pragma:
            let name = (request.first ?? "").lowercased()
            guard readingPragmas.contains(name) else { return .deny }
            return request.second == nil || pragmasTakingNames.contains(name) ? .allow : .deny
        default:
            return .deny
        }
    }

    /// Lets another thread (a Ctrl-C handler) stop the running query.
    public var interruptHandle: InterruptHandle { connection.interruptHandle }

    /// Marks the query as interrupted by the user, then interrupts it.
    public func interruptByUser() {
        state.markUserInterrupt()
        connection.interruptHandle.interrupt()
    }

    /// Prepares `sql` (one statement), binds `parameters` by name, and streams every row to `output`.
    /// - Returns: the number of rows written.
    /// - Throws: `QueryError`, or `SQLiteError` with SQLite's message for SQL errors.
    @discardableResult
    public func run(_ sql: String, parameters: [String: String], timeout: Double?, output: QueryOutput) throws -> Int {
        _ = connection.takeDeniedRequest()
        let statement: Statement
        do {
            statement = try connection.prepare(sql)
        } catch let error as SQLiteError {
            // Any prepare failure the authorizer caused is a refusal (a denied function fails as a plain error).
            if let denied = connection.takeDeniedRequest() {
                // A schema change shows as a write to sqlite_schema: name it by the statement's own words.
                let schemaTables: Set<String> = ["sqlite_master", "sqlite_temp_master"]
                if schemaTables.contains((denied.first ?? "").lowercased()) {
                    let words = sql.split(whereSeparator: { $0.isWhitespace || $0 == "(" }).prefix(2)
                    throw QueryError.refused(what: words.map { $0.uppercased() }.joined(separator: " "))
                }
                throw QueryError.refused(what: Self.describe(denied))
            }
            if error.primaryCode == SQLiteError.auth { throw QueryError.refused(what: "this statement") }
            throw error
        }
        try bind(parameters, to: statement)
        if !statement.isReadOnly && statement.columnCount == 0 {
            // VACUUM and the like have no authorizer action of their own; they return no rows and are not reads.
            let keyword = sql.split(whereSeparator: { $0.isWhitespace || $0 == ";" }).first.map { $0.uppercased() }
            throw QueryError.refused(what: keyword ?? "this statement")
        }
        state.start(timeout: timeout)
        defer { state.stop() }
        let columns = (0..<statement.columnCount).map { statement.columnName($0) }
        try output.begin(columns: columns)
        var rows = 0
        do {
            while try statement.step() {
                try output.row((0..<columns.count).map { statement.value($0) })
                rows += 1
            }
        } catch let error as SQLiteError where error.primaryCode == SQLiteError.interrupt {
            try? output.finish(rows: rows)
            if state.userInterrupted { throw QueryError.interrupted }
            throw QueryError.timedOut(seconds: timeout ?? 0)
        }
        try output.finish(rows: rows)
        return rows
    }

    private static func describe(_ request: AuthorizerRequest) -> String {
        if request.action == AuthorizerRequest.pragma {
            let name = request.first ?? ""
            return request.second == nil ? "PRAGMA \(name)" : "PRAGMA \(name) = \(request.second ?? "")"
        }
        return request.actionName
    }

    /// Binds `--param NAME=VALUE` values: a whole number as an integer, another number as a real, else text.
    private func bind(_ parameters: [String: String], to statement: Statement) throws {
        var used: Set<String> = []
        for index in stride(from: 1, through: statement.parameterCount, by: 1) {
            guard let raw = statement.parameterName(index) else { throw QueryError.positionalParameter }
            let name = String(raw.dropFirst())
            guard let value = parameters[name] else { throw QueryError.missingParameter(name) }
            used.insert(name)
            if let integer = Int64(value) {
                try statement.bind(integer, at: index)
            } else if let real = Double(value), real.isFinite, value.contains(where: \.isNumber) {
                try statement.bind(SQLValue.real(real), at: index)
            } else {
                try statement.bind(value, at: index)
            }
        }
        if let unused = parameters.keys.sorted().first(where: { !used.contains($0) }) {
            throw QueryError.unusedParameter(unused)
        }
    }
}

/// The deadline and the user's interrupt, shared with the progress handler.
/// `@unchecked Sendable`: its fields are guarded by the lock; the Ctrl-C handler runs on another thread.
final class RunState: @unchecked Sendable {
    private let lock = NSLock()
    private var deadline: DispatchTime?
    private var interrupted = false

    func start(timeout: Double?) {
        lock.withLock {
            deadline = timeout.map { .now() + $0 }
            interrupted = false
        }
    }

    func stop() {
        lock.withLock { deadline = nil }
    }

    func markUserInterrupt() {
        lock.withLock { interrupted = true }
    }

    var userInterrupted: Bool { lock.withLock { interrupted } }

    /// Whether the running statement must stop now.
    func shouldStop() -> Bool {
        lock.withLock {
            if interrupted { return true }
            if let deadline, DispatchTime.now() >= deadline { return true }
            return false
        }
    }
}
