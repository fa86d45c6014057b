import SQLite

/// The seven count tables the reports read (`Migrations/0003_count_tables.sql`, widened by
/// `0005_victim_term_counts.sql`, then `0009_county_venue_counts.sql`, `0010_venue_pair_counts.sql`,
/// `0011_venue_victim_counts.sql` and `0012_county_venue_year_counts.sql`): cases and their victims by county, cases
/// by state, cases and their victims by state and venue, victims by state with their gender, age group and
/// citizenship, cases by county and venue, cases and their victims by venue and each venue they also have (with no
/// state), and victims by venue with their terms (with no state); all by year and trafficking type too. Each holds,
/// for every combination of its key columns that occurs, how many cases or victims have it; they are derived data
/// that the importer and batch deletion keep equal to the stored rows in the same transaction, and `htdb check`
/// recomputes.
struct CountTable: Hashable, Sendable, CaseIterable {
    /// How a table counts victims.
    enum VictimCounts: Hashable, Sendable {
        /// Not at all (cases only).
        case none
        /// Beside the cases: `victims` and one column per victim term (`gender_female`, ...), see `termColumns`.
        case termColumns
        /// Only victims, with gender, age group and citizenship among the key columns.
        case keyColumns
    }

    let name: String
    /// Whether the state is a key column (all but `case_venue_pair_counts` and `venue_victim_counts`).
    var byState = true
    let byCounty: Bool
    let byVenue: Bool
    /// Whether the key has a second venue, `with_venue_id` (`case_venue_pair_counts`): a case counts under
    /// each pair of its venues.
    var byVenuePair = false
    let victims: VictimCounts

    static let cases = CountTable(name: "case_counts", byCounty: true, byVenue: false, victims: .termColumns)
    static let stateCases = CountTable(name: "state_case_counts", byCounty: false, byVenue: false, victims: .none)
    static let stateCaseVenues = CountTable(name: "state_case_venue_counts", byCounty: false, byVenue: true,
                                            victims: .termColumns)
    static let stateVictims = CountTable(name: "state_victim_counts", byCounty: false, byVenue: false,
                                         victims: .keyColumns)
    static let countyCaseVenues = CountTable(name: "county_case_venue_counts", byCounty: true, byVenue: true,
                                             victims: .none)
    static let caseVenuePairs = CountTable(name: "case_venue_pair_counts", byState: false, byCounty: false,
                                           byVenue: true, byVenuePair: true, victims: .termColumns)
    static let venueVictims = CountTable(name: "venue_victim_counts", byState: false, byCounty: false, byVenue: true,
                                         victims: .keyColumns)
    /// Smallest first (rows at 1,000,000 victims: about 1,100, 9,200, 12,500, 20,000, 28,500, 47,000 and 207,000).
    static let allCases: [CountTable] = [stateCases, caseVenuePairs, venueVictims, stateCaseVenues, stateVictims,
                                         cases, countyCaseVenues]

    /// The smallest table from which a report is a sum, nil when none is (it is counted from the stored rows):
    /// - `unit`: cases need a `cases` column; victims a table with victim key columns, or, for at most one victim
    ///   dimension, one with a column per victim term;
    /// - `keyColumns`: the columns the report's case dimensions and filters use (`ReportFilters.columns`,
    ///   `Dimension.column`), all of which the table must have. A table by venue counts a case once per venue, so
    ///   it serves only a report that needs the venue;
    /// - `venuePair`: venue is both a dimension and a filter, the venues of the cases that have the filter's venue:
    ///   only `case_venue_pair_counts` has them, and it serves nothing else.
    static func covering(unit: Report.Unit, keyColumns needed: Set<String>, victimDimensions: Int = 0,
                         venuePair: Bool = false) -> CountTable? {
        allCases.first { table in
            let counts = switch (unit, table.victims) {
            case (.cases, .keyColumns): false
            case (.cases, _), (.victims, .keyColumns): true
            case (.victims, .termColumns): victimDimensions <= 1
            case (.victims, .none): false
            }
            return counts && table.byVenuePair == venuePair && table.byVenue == needed.contains("venue_id")
                && needed.isSubset(of: table.keyColumns)
        }
    }

    /// One victim term's column in a `.termColumns` table.
    struct TermColumn: Sendable {
        let dimension: Dimension
        /// The term's code (a vocabulary constant).
        let code: String
        /// `<dimension column>_<code>`: `gender_female`.
        let column: String
    }

    /// Every victim term's column, gender, age group, then citizenship, each in vocabulary order (the order of
    /// `CountDeltas`' counters after `cases` and `victims`).
    static let termColumns: [TermColumn] =
        terms(Gender.self, .gender) + terms(AgeGroup.self, .ageGroup) + terms(Citizenship.self, .citizenship)

    private static func terms<T: VocabularyTerm>(_ type: T.Type, _ dimension: Dimension) -> [TermColumn] {
        T.allCases.map { TermColumn(dimension: dimension, code: $0.code, column: "\(dimension.column)_\($0.code)") }
    }

    /// The term columns of one victim dimension.
    static func termColumns(of dimension: Dimension) -> [TermColumn] {
        termColumns.filter { $0.dimension == dimension }
    }

    /// The table's column that holds `dimension`'s code: the venue of a pair table is the second venue of the
    /// pair (the first is the filter's).
    func column(_ dimension: Dimension) -> String {
        byVenuePair && dimension == .venue ? "with_venue_id" : dimension.column
    }

    /// The count column of `unit`: `cases` or `victims`.
    func countColumn(_ unit: Report.Unit) -> String { unit.rawValue }

    /// The count columns, in table order: the first is never 0 in a stored row.
    var countColumns: [String] {
        switch victims {
        case .none: ["cases"]
        case .termColumns: ["cases", "victims"] + Self.termColumns.map(\.column)
        case .keyColumns: ["victims"]
        }
    }

    /// The key columns: the primary key's, in its order but for `county_case_venue_counts`, whose primary key starts
    /// with the county and the venue (`Migrations/0012_county_venue_year_counts.sql`).
    var keyColumns: [String] {
        var columns = byState ? ["state"] : []
        if byCounty { columns.append("county_fips") }
        columns += ["year", "trafficking_type"]
        if byVenue { columns.append("venue_id") }
        if byVenuePair { columns.append("with_venue_id") }
        if victims == .keyColumns { columns += ["gender", "age_group", "citizenship"] }
        return columns
    }

    /// The key columns computed from the stored rows (`cases c`, `victims x`, `case_venues cv`).
    private var sourceExpressions: [String] {
        keyColumns.map { column in
            switch column {
            case "county_fips": "coalesce(c.county_fips, '')"
            case "state": "coalesce(c.state, '')"
            case "venue_id": "cv.venue_id"
            case "with_venue_id": "cw.venue_id"
            case "gender", "age_group", "citizenship": "x.\(column)"
            default: "c.\(column)"
            }
        }
    }

    /// The table's rows computed from the stored cases: `SELECT keys..., counts... FROM ... GROUP BY keys`.
    var aggregateSQL: String {
        var from = victims == .keyColumns ? "victims x JOIN cases c ON c.id = x.case_id" : "cases c"
        if byVenue { from += " JOIN case_venues cv ON cv.case_id = c.id" }
        if byVenuePair { from += " JOIN case_venues cw ON cw.case_id = c.id" }
        var counts = ["count(*)"]
        if victims == .termColumns {
            // Each case's victims by term, once per case, joined to the case.
            let perCase = ["count(*) AS victims"]
                + Self.termColumns.map { "sum(\($0.dimension.column) = '\($0.code)') AS \($0.column)" }
            from += " LEFT JOIN (SELECT case_id, \(perCase.joined(separator: ", ")) FROM victims GROUP BY case_id) v "
                + "ON v.case_id = c.id"
            counts += countColumns.dropFirst().map { "coalesce(sum(v.\($0)), 0)" }
        }
        let keys = sourceExpressions
        return "SELECT \((keys + counts).joined(separator: ", ")) FROM \(from) GROUP BY "
            + (1...keys.count).map(String.init).joined(separator: ", ")
    }

    /// Adds signed amounts to a stored combination's counts (an upsert cannot subtract: SQLite checks the CHECK
    /// constraints on the row it would insert before it finds the conflict).
    var updateSQL: String {
        "UPDATE \(name) SET " + countColumns.map { "\($0) = \($0) + ?" }.joined(separator: ", ") + " WHERE "
            + keyColumns.map { "\($0) = ?" }.joined(separator: " AND ")
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
            let stored = "SELECT \((table.keyColumns + table.countColumns).joined(separator: ", ")) FROM \(table.name) "
                + "WHERE \(table.countColumns[0]) > 0"
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
