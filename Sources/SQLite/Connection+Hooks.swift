import CSQLite
import Foundation

// MARK: - Authorizer

/// What the authorizer is asked about: SQLite's action code and its up-to-four text arguments.
/// See https://www.sqlite.org/c3ref/set_authorizer.html
public struct AuthorizerRequest: Sendable {
    public let action: Int32
    /// For reads: table and column; for PRAGMA: name and argument (nil when none); for FUNCTION: nil and name.
    public let first: String?
    public let second: String?
    /// The database name ("main", "temp") where it applies.
    public let database: String?
    /// The innermost trigger or view, when the access comes from one.
    public let trigger: String?

    /// Action codes, after sqlite3.h.
    public static let createIndex = SQLITE_CREATE_INDEX
    public static let createTable = SQLITE_CREATE_TABLE
    public static let createTempIndex = SQLITE_CREATE_TEMP_INDEX
    public static let createTempTable = SQLITE_CREATE_TEMP_TABLE
    public static let createTempTrigger = SQLITE_CREATE_TEMP_TRIGGER
    public static let createTempView = SQLITE_CREATE_TEMP_VIEW
    public static let createTrigger = SQLITE_CREATE_TRIGGER
    public static let createView = SQLITE_CREATE_VIEW
    public static let delete = SQLITE_DELETE
    public static let insert = SQLITE_INSERT
    public static let pragma = SQLITE_PRAGMA
    public static let read = SQLITE_READ
    public static let select = SQLITE_SELECT
    public static let transaction = SQLITE_TRANSACTION
    public static let update = SQLITE_UPDATE
    public static let attach = SQLITE_ATTACH
    public static let detach = SQLITE_DETACH
    public static let alterTable = SQLITE_ALTER_TABLE
    public static let reindex = SQLITE_REINDEX
    public static let analyze = SQLITE_ANALYZE
    public static let function = SQLITE_FUNCTION
    public static let savepoint = SQLITE_SAVEPOINT
    public static let recursive = SQLITE_RECURSIVE

    /// A readable name of the action, for messages ("INSERT", "PRAGMA", ...).
    public var actionName: String {
        switch action {
        case SQLITE_CREATE_INDEX, SQLITE_CREATE_TEMP_INDEX: "CREATE INDEX"
        case SQLITE_CREATE_TABLE, SQLITE_CREATE_TEMP_TABLE, SQLITE_CREATE_VTABLE: "CREATE TABLE"
        case SQLITE_CREATE_TRIGGER, SQLITE_CREATE_TEMP_TRIGGER: "CREATE TRIGGER"
        case SQLITE_CREATE_VIEW, SQLITE_CREATE_TEMP_VIEW: "CREATE VIEW"
        case SQLITE_DROP_INDEX, SQLITE_DROP_TEMP_INDEX, SQLITE_DROP_TABLE, SQLITE_DROP_TEMP_TABLE,
             SQLITE_DROP_TRIGGER, SQLITE_DROP_TEMP_TRIGGER, SQLITE_DROP_VIEW, SQLITE_DROP_TEMP_VIEW,
             SQLITE_DROP_VTABLE: "DROP"
        case SQLITE_DELETE: "DELETE"
        case SQLITE_INSERT: "INSERT"
        case SQLITE_UPDATE: "UPDATE"
        case SQLITE_PRAGMA: "PRAGMA"
        case SQLITE_TRANSACTION: "a transaction statement"
        case SQLITE_ATTACH: "ATTACH"
        case SQLITE_DETACH: "DETACH"
        case SQLITE_ALTER_TABLE: "ALTER TABLE"
        case SQLITE_REINDEX: "REINDEX"
        case SQLITE_ANALYZE: "ANALYZE"
        case SQLITE_FUNCTION: "the function \(second ?? "")()"
        case SQLITE_SAVEPOINT: "SAVEPOINT"
        default: "action \(action)"
        }
    }
}

/// The authorizer's answer. See https://www.sqlite.org/c3ref/c_deny.html
public enum AuthorizerDecision: Sendable {
    case allow
    /// The statement fails to prepare with SQLITE_AUTH ("not authorized").
    case deny
}

/// Holds the Swift closures that C callbacks reach through their context pointer.
final class HookBox {
    var authorizer: ((AuthorizerRequest) -> AuthorizerDecision)?
    var progress: (() -> Bool)?
    /// The requests the authorizer denied since the last reset, for a clear message.
    var denied: [AuthorizerRequest] = []
}

private func text(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }

private let authorizerCallback: @convention(c) (
    UnsafeMutableRawPointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?,
    UnsafePointer<CChar>?
) -> Int32 = { context, action, first, second, database, trigger in
    guard let context else { return SQLITE_DENY }
    let box = Unmanaged<HookBox>.fromOpaque(context).takeUnretainedValue()
    let request = AuthorizerRequest(action: action, first: text(first), second: text(second),
                                    database: text(database), trigger: text(trigger))
    switch box.authorizer?(request) ?? .allow {
    case .allow: return SQLITE_OK
    case .deny:
        if box.denied.count < 16 { box.denied.append(request) }
        return SQLITE_DENY
    }
}

private let progressCallback: @convention(c) (UnsafeMutableRawPointer?) -> Int32 = { context in
    guard let context else { return 0 }
    let box = Unmanaged<HookBox>.fromOpaque(context).takeUnretainedValue()
    return box.progress?() == true ? 1 : 0
}

extension Connection {
    /// Installs (or with nil, removes) an authorizer consulted for every action while statements are prepared.
    /// See https://www.sqlite.org/c3ref/set_authorizer.html
    public func setAuthorizer(_ authorizer: ((AuthorizerRequest) -> AuthorizerDecision)?) throws {
        let handle = try openHandle()
        hooks.authorizer = authorizer
        let context = Unmanaged.passUnretained(hooks).toOpaque()
        try check(sqlite3_set_authorizer(handle, authorizer == nil ? nil : authorizerCallback, context))
    }

    /// The most telling action the authorizer denied since the last call (a CREATE rather than the write to
    /// sqlite_schema it implies), and forgets them all.
    public func takeDeniedRequest() -> AuthorizerRequest? {
        defer { hooks.denied = [] }
        let schemaTables: Set<String> = ["sqlite_master", "sqlite_temp_master", "sqlite_schema", "sqlite_temp_schema"]
        return hooks.denied.first { !schemaTables.contains(($0.first ?? "").lowercased()) } ?? hooks.denied.first
    }

    /// Calls `handler` about every `instructions` virtual-machine steps while a statement runs; returning true
    /// interrupts it (the statement then fails with SQLITE_INTERRUPT). See https://www.sqlite.org/c3ref/progress_handler.html
    public func setProgressHandler(every instructions: Int32, _ handler: (() -> Bool)?) throws {
        let handle = try openHandle()
        hooks.progress = handler
        let context = Unmanaged.passUnretained(hooks).toOpaque()
        sqlite3_progress_handler(handle, handler == nil ? 0 : instructions, handler == nil ? nil : progressCallback,
                                 context)
    }

    /// Turns SQLITE_DBCONFIG_DEFENSIVE on: no writable_schema, no direct writes to shadow tables.
    public func enableDefensiveMode() throws {
        try check(htdb_sqlite3_enable_defensive(try openHandle()))
    }

    /// Sets the most databases that can be attached (0: ATTACH always fails). See https://www.sqlite.org/limits.html
    public func limitAttachedDatabases(to count: Int32) throws {
        sqlite3_limit(try openHandle(), SQLITE_LIMIT_ATTACHED, count)
    }

    /// A handle that can interrupt this connection's running statement from another thread or a signal handler.
    public var interruptHandle: InterruptHandle { InterruptHandle(handle) }
}

/// Interrupts a connection's running statement from any thread.
///
/// `@unchecked Sendable` is safe here: it only ever calls `sqlite3_interrupt`, which SQLite documents as safe to
/// call from another thread while the connection is open ("It is safe to call this routine from a thread different
/// from the thread that is currently running the database operation"). The owner keeps the connection open while
/// the handle may be used.
public final class InterruptHandle: @unchecked Sendable {
    private let handle: OpaquePointer?

    init(_ handle: OpaquePointer?) {
        self.handle = handle
    }

    public func interrupt() {
        if let handle { sqlite3_interrupt(handle) }
    }
}
