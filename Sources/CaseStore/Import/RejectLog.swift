import SQLite

/// What one file's import rejected (the reasons of its lines, its rejected cases) and the cases `--replace` set
/// aside, kept in temporary tables of the import's connection: SQLite's temporary file, never the database file,
/// with a bounded page cache. So memory stays flat however much of a file is invalid: a file of 1,002,415 rows,
/// every one invalid, held 219 MB in dictionaries (and a `--replace` of 600,000 cases 92 MB).
///
/// The first ``cachedCases`` references of rejected cases are also held in a set: a file with few rejected cases
/// never queries for them while its rows are stored.
///
/// The tables are empty when a file's transaction begins: it ends with `clear` or rolls back, and temporary tables
/// are part of the connection's transaction.
final class RejectLog {
    /// How many rejected cases are looked up in memory before the table is asked.
    static let cachedCases = 65_536

    private let db: Connection
    private let insertLine: Statement
    private let linesFrom: Statement
    private let insertCase: Statement
    private let findCase: Statement
    private let insertReplaced: Statement
    private let allReplaced: Statement

    private var cached: Set<String> = []
    /// Whether a rejected case is in the table but not in `cached`.
    private var overflowed = false
    /// Whether any line or case was rejected (the file has rejects).
    private(set) var isEmpty = true
    private(set) var hasRejectedCases = false
    /// Where a pass of `reason(ofLine:)` is.
    private var lineCursor: (line: Int, reason: String)?
    private var lastLineAsked = Int.max

    /// Creates the temporary tables when the connection has none yet (outside a transaction: at `Importer.init`).
    static func createTables(_ db: Connection) throws {
        // A temporary file, not memory, whatever the library's default: the point is to stay flat.
        try db.execute("PRAGMA temp_store = FILE")
        try db.execute(
            """
            CREATE TEMP TABLE IF NOT EXISTS htdb_rejected_lines (line INTEGER PRIMARY KEY, reason TEXT NOT NULL);
            CREATE TEMP TABLE IF NOT EXISTS htdb_rejected_cases (
                case_ref TEXT PRIMARY KEY, first_line INTEGER NOT NULL) WITHOUT ROWID;
            CREATE TEMP TABLE IF NOT EXISTS htdb_replaced_cases (old_id INTEGER PRIMARY KEY, case_ref TEXT NOT NULL);
            """)
    }

    init(_ db: Connection) throws {
        self.db = db
        insertLine = try db.prepare(
            """
            INSERT INTO temp.htdb_rejected_lines (line, reason) VALUES (?, ?)
            ON CONFLICT (line) DO UPDATE SET reason = reason || '; ' || excluded.reason
            """)
        linesFrom = try db.prepare("SELECT line, reason FROM temp.htdb_rejected_lines WHERE line >= ? ORDER BY line")
        insertCase = try db.prepare(
            "INSERT INTO temp.htdb_rejected_cases (case_ref, first_line) VALUES (?, ?) ON CONFLICT DO NOTHING")
        findCase = try db.prepare("SELECT first_line FROM temp.htdb_rejected_cases WHERE case_ref = ?")
        insertReplaced = try db.prepare("INSERT INTO temp.htdb_replaced_cases (old_id, case_ref) VALUES (?, ?)")
        allReplaced = try db.prepare("SELECT old_id, case_ref FROM temp.htdb_replaced_cases ORDER BY old_id")
    }

    /// Empties the tables and the set.
    func clear() throws {
        try endLineReads()
        try allReplaced.reset()
        try db.execute(
            """
            DELETE FROM temp.htdb_rejected_lines;
            DELETE FROM temp.htdb_rejected_cases;
            DELETE FROM temp.htdb_replaced_cases;
            """)
        cached = []
        overflowed = false
        isEmpty = true
        hasRejectedCases = false
    }

    // MARK: - Lines

    /// Adds `reason` to the line's reasons (joined with "; ").
    func rejectLine(_ line: Int, reason: String) throws {
        try insertLine.run(line, reason)
        isEmpty = false
    }

    /// The reasons of a rejected line; nil when the line has none of its own. Meant for lines asked in increasing
    /// order (the rejects pass reads the file again): the table is then read once, in order. Call `endLineReads`
    /// after the last.
    func reason(ofLine line: Int) throws -> String? {
        guard !isEmpty else { return nil }
        if line <= lastLineAsked {  // the first line asked (lastLineAsked is Int.max then), or back again
            try linesFrom.reset()
            try linesFrom.bind(line, at: 1)
            lineCursor = try nextLine()
        }
        lastLineAsked = line
        while let current = lineCursor, current.line < line { lineCursor = try nextLine() }
        guard let current = lineCursor, current.line == line else { return nil }
        return current.reason
    }

    /// Ends a pass of `reason(ofLine:)`.
    func endLineReads() throws {
        try linesFrom.reset()
        lineCursor = nil
        lastLineAsked = Int.max
    }

    private func nextLine() throws -> (line: Int, reason: String)? {
        try linesFrom.step() ? (linesFrom.int(0), linesFrom.string(1) ?? "") : nil
    }

    // MARK: - Cases

    /// Notes a rejected case; false when it was rejected already.
    func rejectCase(_ caseRef: String, line: Int) throws -> Bool {
        try insertCase.run(caseRef, line)
        guard db.changes == 1 else { return false }
        if cached.count < Self.cachedCases {
            cached.insert(caseRef)
        } else {
            overflowed = true
        }
        isEmpty = false
        hasRejectedCases = true
        return true
    }

    /// Whether the case was rejected.
    func isRejected(_ caseRef: String) throws -> Bool {
        guard hasRejectedCases else { return false }
        if cached.contains(caseRef) { return true }
        guard overflowed else { return false }
        return try firstLine(ofCase: caseRef) != nil
    }

    /// The line of the case's first problem, when the case was rejected (asked of the table only for a case in the
    /// set or when the set is full: the rejects pass asks for every row of the file).
    func firstLine(ofCase caseRef: String) throws -> Int? {
        guard hasRejectedCases, overflowed || cached.contains(caseRef) else { return nil }
        defer { try? findCase.reset() }
        try findCase.bind(caseRef, at: 1)
        return try findCase.step() ? findCase.int(0) : nil
    }

    // MARK: - Cases set aside by --replace

    /// Notes an earlier batch's case renamed out of the way of its replacement.
    func setAside(caseRef: String, oldID: Int64) throws {
        try insertReplaced.run(oldID, caseRef)
    }

    /// Calls `body` with each case set aside, in id order, then forgets them.
    func settleSetAside(_ body: (_ caseRef: String, _ oldID: Int64) throws -> Void) throws {
        try allReplaced.reset()
        defer { try? allReplaced.reset() }
        while try allReplaced.step() {
            try body(allReplaced.string(1) ?? "", allReplaced.int64(0))
        }
        try db.execute("DELETE FROM temp.htdb_replaced_cases")
    }
}
