import SQLite

/// The eight count tables the reports read (created by `Migrations/0003_count_tables.sql`): cases or victims,
/// with or without venue, by county or by state only. Each holds, for every combination of its key columns that
/// occurs, how many cases or victims have it; they are derived data that the importer and batch deletion keep equal
/// to the stored rows in the same transaction, and `htdb check` recomputes.
struct CountTable: Hashable, Sendable, CaseIterable {
    let unit: Report.Unit
    let byVenue: Bool
    let byCounty: Bool

    static let allCases: [CountTable] = [Report.Unit.cases, .victims].flatMap { unit in
        [true, false].flatMap { county in [false, true].map { CountTable(unit: unit, byVenue: $0, byCounty: county) } }
    }

    var name: String {
        (byCounty ? "" : "state_") + (unit == .cases ? "case" : "victim") + (byVenue ? "_venue" : "") + "_counts"
    }

    /// The count column: `cases` or `victims`.
    var countColumn: String { unit.rawValue }

    /// The key columns, in primary-key order.
    var keyColumns: [String] {
        var columns = ["state"]
        if byCounty { columns.append("county_fips") }
        columns += ["year", "trafficking_type"]
        if byVenue { columns.append("venue_id") }
        if unit == .victims { columns += ["gender", "age_group", "citizenship"] }
        return columns
    }

    /// The key columns computed from the stored rows (`cases c`, `victims x`, `case_venues cv`).
    private var sourceExpressions: [String] {
        keyColumns.map { column in
            switch column {
            case "county_fips": "coalesce(c.county_fips, '')"
            case "venue_id": "cv.venue_id"
            case "gender", "age_group", "citizenship": "x.\(column)"
            default: "c.\(column)"
            }
        }
    }

    /// The table's rows computed from the stored cases: `SELECT keys..., count(*) FROM ... GROUP BY keys`.
    var aggregateSQL: String {
        var from = unit == .victims ? "victims x JOIN cases c ON c.id = x.case_id" : "cases c"
        if byVenue { from += " JOIN case_venues cv ON cv.case_id = c.id" }
        let keys = sourceExpressions
        return "SELECT \(keys.joined(separator: ", ")), count(*) FROM \(from) GROUP BY "
            + (1...keys.count).map(String.init).joined(separator: ", ")
    }

    /// Subtracts from a combination's count (an upsert cannot: SQLite checks the count column's CHECK on the row it
    /// would insert before it finds the conflict).
    var subtractSQL: String {
        "UPDATE \(name) SET \(countColumn) = \(countColumn) - ? WHERE "
            + keyColumns.map { "\($0) = ?" }.joined(separator: " AND ")
    }

    /// Adds to a combination's count, creating it when new.
    var upsertSQL: String {
        let columns = keyColumns + [countColumn]
        return "INSERT INTO \(name) (\(columns.joined(separator: ", "))) VALUES ("
            + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ") "
            + "ON CONFLICT (\(keyColumns.joined(separator: ", "))) DO UPDATE SET "
            + "\(countColumn) = \(countColumn) + excluded.\(countColumn)"
    }

    /// Recomputes every count table from the stored rows (after a batch is deleted).
    static func rebuild(_ db: Connection) throws {
        for table in allCases {
            try db.execute("DELETE FROM \(table.name)")
            try db.execute("INSERT INTO \(table.name) \(table.aggregateSQL)")
        }
    }

    /// The tables whose rows differ from what the stored cases give, with the number of differing rows.
    static func mismatches(_ db: Connection) throws -> [String] {
        var problems: [String] = []
        for table in allCases {
            let stored = "SELECT \((table.keyColumns + [table.countColumn]).joined(separator: ", ")) FROM \(table.name) "
                + "WHERE \(table.countColumn) > 0"
            let statement = try db.prepare(
                "SELECT (SELECT count(*) FROM (\(stored) EXCEPT \(table.aggregateSQL))) + "
                    + "(SELECT count(*) FROM (\(table.aggregateSQL) EXCEPT \(stored)))")
            let differing = try statement.step() ? statement.int(0) : 0
            if differing > 0 {
                problems.append("\(table.name): \(differing) rows differ from what the stored cases give")
            }
        }
        return problems
    }
}

/// Changes to the count tables collected while a file is imported, written once before its transaction commits.
/// Storing a case or victim adds 1 to its combinations; taking a stored case back (a case rejected after some of its
/// rows were stored, or replaced with --replace) subtracts its rows again.
struct CountDeltas {
    struct Key: Hashable {
        var state: String
        var county: String
        var year: Int
        var type: String
        var venue: Int = 0
        var gender: String = ""
        var ageGroup: String = ""
        var citizenship: String = ""
    }

    private var deltas: [CountTable: [Key: Int]] = [:]

    /// A case's own row and its venue links, counted `sign` times (+1 stored, -1 taken back).
    mutating func addCase(state: String, county: String?, year: Int, type: String, venues: [Int], sign: Int) {
        let key = Key(state: state, county: county ?? "", year: year, type: type)
        add(key, unit: .cases, venues: venues, sign: sign)
    }

    /// A victim of a case, counted `sign` times.
    mutating func addVictim(state: String, county: String?, year: Int, type: String, venues: [Int],
                            gender: String, ageGroup: String, citizenship: String, sign: Int) {
        let key = Key(state: state, county: county ?? "", year: year, type: type, gender: gender, ageGroup: ageGroup,
                      citizenship: citizenship)
        add(key, unit: .victims, venues: venues, sign: sign)
    }

    private mutating func add(_ key: Key, unit: Report.Unit, venues: [Int], sign: Int) {
        for byCounty in [true, false] {
            var base = key
            if !byCounty { base.county = "" }
            deltas[CountTable(unit: unit, byVenue: false, byCounty: byCounty), default: [:]][base, default: 0] += sign
            for venue in venues {
                var linked = base
                linked.venue = venue
                deltas[CountTable(unit: unit, byVenue: true, byCounty: byCounty), default: [:]][linked, default: 0] += sign
            }
        }
    }

    /// Subtracts everything stored for case `id` (its row, venue links and victims), before it is deleted.
    mutating func subtractStoredCase(_ id: Int64, statements: CountStatements) throws {
        let caseRow = statements.caseRow
        defer { try? caseRow.reset() }
        try caseRow.bind(id, at: 1)
        guard try caseRow.step() else { return }
        let state = caseRow.string(0) ?? ""
        let county = caseRow.string(1)
        let year = caseRow.int(2)
        let type = caseRow.string(3) ?? ""
        try caseRow.reset()
        var venues: [Int] = []
        defer { try? statements.venues.reset() }
        try statements.venues.bind(id, at: 1)
        while try statements.venues.step() { venues.append(statements.venues.int(0)) }
        addCase(state: state, county: county, year: year, type: type, venues: venues, sign: -1)
        let victims = statements.victims
        defer { try? victims.reset() }
        try victims.bind(id, at: 1)
        while try victims.step() {
            addVictim(state: state, county: county, year: year, type: type, venues: venues,
                      gender: victims.string(0) ?? "", ageGroup: victims.string(1) ?? "",
                      citizenship: victims.string(2) ?? "", sign: -1)
        }
    }

    /// Writes the collected changes and removes combinations that fell to zero.
    mutating func write(to db: Connection) throws {
        for (table, changes) in deltas {
            let upsert = try db.prepare(table.upsertSQL)
            let subtract = try db.prepare(table.subtractSQL)
            for (key, delta) in changes where delta != 0 {
                var values: [SQLValue] = [.text(key.state)]
                if table.byCounty { values.append(.text(key.county)) }
                values += [.integer(Int64(key.year)), .text(key.type)]
                if table.byVenue { values.append(.integer(Int64(key.venue))) }
                if table.unit == .victims { values += [.text(key.gender), .text(key.ageGroup), .text(key.citizenship)] }
                if delta > 0 {
                    try upsert.bind(values + [.integer(Int64(delta))])
                    try upsert.run()
                } else {
                    try subtract.bind([.integer(Int64(-delta))] + values)
                    try subtract.run()
                    // Rows taken back were counted when stored: a missing combination means the tables are broken.
                    guard db.changes == 1 else { throw CountTableError.missingCombination(table: table.name) }
                }
            }
            try db.execute("DELETE FROM \(table.name) WHERE \(table.countColumn) = 0")
        }
        deltas.removeAll()
    }
}

/// The count tables do not hold a combination that stored rows have (they were changed by hand): the import stops
/// and its transaction rolls back.
enum CountTableError: Error, CustomStringConvertible {
    case missingCombination(table: String)

    var description: String {
        "the count table \(table) does not match the stored cases; run htdb check"
    }

    private var table: String {
        switch self { case .missingCombination(let table): table }
    }
}

/// The queries that read a stored case back for `CountDeltas.subtractStoredCase`.
final class CountStatements {
    let caseRow: Statement
    let venues: Statement
    let victims: Statement

    init(_ db: Connection) throws {
        caseRow = try db.prepare("SELECT state, county_fips, year, trafficking_type FROM cases WHERE id = ?")
        venues = try db.prepare("SELECT venue_id FROM case_venues WHERE case_id = ?")
        victims = try db.prepare("SELECT gender, age_group, citizenship FROM victims WHERE case_id = ?")
    }
}
