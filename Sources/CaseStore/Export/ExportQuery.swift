import SQLite

// MARK: - Columns

extension CaseExport {
    /// One output column: its name (CSV header, NDJSON key) and how NDJSON writes it.
    public struct Column: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// A JSON string (or null).
            case text
            /// A JSON number (or null).
            case integer
            /// Codes or labels joined by `separator` in CSV; a JSON array of strings (`[]` when none).
            case list(separator: String)
        }

        public let name: String
        public let kind: Kind

        init(_ name: String, _ kind: Kind = .text) {
            self.name = name
            self.kind = kind
        }
    }

    /// The columns written, in order.
    public var columns: [Column] { plan(ExportLookups()).fields.map(\.column) }
}

// MARK: - Plan: the SELECT and where each field comes from

/// How an export reads its rows: one SELECT, and for each output field the result column (or the code field) it
/// comes from.
struct ExportPlan {
    enum Source {
        /// A result column as text (NULL is nil).
        case text(Int)
        /// An integer result column, written in decimal.
        case integer(Int)
        /// The label of the code in field `field` (an earlier field of the same row), from a lookup table read once:
        /// a join per row would cost more than the whole CSV encoding.
        case label(field: Int, labels: [(code: String, label: String)])
        /// Venue ids joined by `,` in a result column, written as their codes joined by `;` or their labels joined
        /// by `; `, in venue order. Ids, not codes: joining `venues` in the per-case subquery doubled its cost.
        case venues(Int, labels: Bool, venues: [Int: (code: String, label: String)])
    }

    struct Field {
        let column: CaseExport.Column
        let source: Source
        /// A case column: rows of one case share it, so it is read once per case (see `caseKey`).
        let perCase: Bool
    }

    let sql: String
    let arguments: [SQLValue]
    /// The result column with the case's id, when rows are victims ordered by case; nil when every row is read
    /// whole.
    let caseKey: Int?
    let fields: [Field]
}

/// The small lookup tables an export reads once, rather than joining them on every row.
struct ExportLookups {
    /// Table name -> (code, label) in sort order, for genders, age_groups and citizenships.
    var labels: [String: [(code: String, label: String)]] = [:]
    /// Venue id -> code and label.
    var venues: [Int: (code: String, label: String)] = [:]

    init() {}

    init(_ db: Connection) throws {
        for table in ["genders", "age_groups", "citizenships"] {
            let statement = try db.prepare("SELECT code, label FROM \(table) ORDER BY sort_order")
            var pairs: [(code: String, label: String)] = []
            while try statement.step() { pairs.append((statement.string(0) ?? "", statement.string(1) ?? "")) }
            labels[table] = pairs
        }
        let statement = try db.prepare("SELECT id, code, label FROM venues")
        while try statement.step() { venues[statement.int(0)] = (statement.string(1) ?? "", statement.string(2) ?? "") }
    }
}

extension CaseExport {
    /// The plan for this export.
    func plan(_ lookups: ExportLookups) -> ExportPlan {
        typealias Field = ExportPlan.Field
        let (conditions, arguments) = filters.sql()
        func text(_ name: String, _ index: Int, perCase: Bool = false) -> Field {
            Field(column: Column(name), source: .text(index), perCase: perCase)
        }
        func integer(_ name: String, _ index: Int, perCase: Bool = false) -> Field {
            Field(column: Column(name, .integer), source: .integer(index), perCase: perCase)
        }
        func label(_ name: String, of field: Int, _ table: String) -> Field {
            Field(column: Column(name), source: .label(field: field, labels: lookups.labels[table] ?? []), perCase: false)
        }
        func venues(_ name: String, _ index: Int, labels: Bool, perCase: Bool = false) -> Field {
            Field(column: Column(name, .list(separator: labels ? "; " : ";")),
                  source: .venues(index, labels: labels, venues: lookups.venues), perCase: perCase)
        }

        switch (format, subject) {
        case (.hotline, _):
            // The spec's header in the spec's order. Cases without victims come out as one row with NULL victim
            // columns (the LEFT JOIN). Victim codes are stored as codes, `unknown` included, so an all-unknown
            // victim never reads back as "no victim".
            let sql = """
                SELECT c.id, c.case_ref, c.reported_on, c.state, c.county_fips, c.city, c.trafficking_type,
                    \(Self.venueIDs),
                    x.victim_ref, x.gender, x.age_group, x.age, x.citizenship
                FROM cases c
                LEFT JOIN victims x ON x.case_id = c.id
                WHERE \(conditions)
                ORDER BY c.id, x.position
                """
            let fields = ExportColumn.allCases.enumerated().map { offset, column in
                switch column {
                case .victimAge: integer(column.rawValue, offset + 1)
                case .venues: venues(column.rawValue, offset + 1, labels: false, perCase: true)
                default: text(column.rawValue, offset + 1, perCase: !column.isVictimColumn)
                }
            }
            return ExportPlan(sql: sql, arguments: arguments, caseKey: 0, fields: fields)

        case (_, .cases):
            let sql = """
                SELECT c.case_ref, c.reported_on, c.year, c.state, s.name, c.county_fips,
                    CASE WHEN co.suffix = '' THEN co.name ELSE co.name || ' ' || co.suffix END,
                    c.city, c.trafficking_type, t.label,
                    \(Self.venueIDs),
                    (SELECT count(*) FROM victims n WHERE n.case_id = c.id),
                    c.batch_id
                FROM cases c
                LEFT JOIN states s ON s.code = c.state  -- a case outside the US has none
                JOIN trafficking_types t ON t.code = c.trafficking_type
                LEFT JOIN counties co ON co.fips = c.county_fips
                WHERE \(conditions)
                ORDER BY c.id
                """
            let fields = [
                text("case_id", 0), text("reported_on", 1), integer("year", 2), text("state", 3),
                text("state_name", 4), text("county_fips", 5), text("county_name", 6), text("city", 7),
                text("trafficking_type", 8), text("trafficking_type_label", 9),
                venues("venues", 10, labels: false), venues("venue_labels", 10, labels: true),
                integer("victim_count", 11), integer("batch_id", 12),
            ]
            return ExportPlan(sql: sql, arguments: arguments, caseKey: nil, fields: fields)

        case (_, .victims):
            let sql = """
                SELECT x.case_id, c.case_ref, c.reported_on, c.year, c.state, c.county_fips, c.city,
                    c.trafficking_type, x.victim_ref, x.position, x.gender, x.age_group, x.age, x.citizenship
                FROM victims x
                JOIN cases c ON c.id = x.case_id
                WHERE \(conditions)
                ORDER BY x.case_id, x.position
                """
            let fields = [
                text("case_id", 1, perCase: true), text("reported_on", 2, perCase: true),
                integer("year", 3, perCase: true), text("state", 4, perCase: true),
                text("county_fips", 5, perCase: true), text("city", 6, perCase: true),
                text("trafficking_type", 7, perCase: true),
                text("victim_id", 8), integer("position", 9),
                text("gender", 10), label("gender_label", of: 9, "genders"),
                text("age_group", 11), label("age_group_label", of: 11, "age_groups"),
                integer("age", 12),
                text("citizenship", 13), label("citizenship_label", of: 14, "citizenships"),
            ]
            return ExportPlan(sql: sql, arguments: arguments, caseKey: 0, fields: fields)
        }
    }

    /// A case's venue ids joined by `,`; NULL when it has none.
    private static let venueIDs = "(SELECT group_concat(cv.venue_id) FROM case_venues cv WHERE cv.case_id = c.id)"
}

// MARK: - Reading rows

/// One row's fields as text, refilled in place for each row; case fields are kept while the case stays the same.
struct ExportRowReader {
    let plan: ExportPlan
    /// Each field's text (empty for NULL), ready for CSV.
    private(set) var values: [String]
    /// Which fields are NULL (NDJSON writes `null`).
    private(set) var nulls: [Bool]
    private let excel: Bool
    private var lastCase: Int64?

    // The plan flattened into plain arrays: the per-field loop runs for every row, and copying a `Field` (strings,
    // arrays) there costs retains and releases that show in a profile.
    private enum Kind: UInt8 { case text, integer, label, venueCodes, venueLabels }
    private let kinds: [Kind]
    /// The result column (text, integer, venues) or the code's field (label).
    private let sources: [Int]
    private let perCase: [Bool]
    /// Per label field its lookup's codes and labels; per venue field the venues' codes and labels by id.
    private let labelCodes: [[String]]
    private let labelTexts: [[String]]

    init(plan: ExportPlan, excel: Bool) {
        self.plan = plan
        self.excel = excel
        values = Array(repeating: "", count: plan.fields.count)
        nulls = Array(repeating: true, count: plan.fields.count)
        var kinds: [Kind] = []
        var sources: [Int] = []
        var labelCodes: [[String]] = []
        var labelTexts: [[String]] = []
        for field in plan.fields {
            var codes: [String] = []
            var texts: [String] = []
            switch field.source {
            case .text(let column):
                kinds.append(.text)
                sources.append(column)
            case .integer(let column):
                kinds.append(.integer)
                sources.append(column)
            case .label(let codeField, let labels):
                kinds.append(.label)
                sources.append(codeField)
                codes = labels.map(\.code)
                texts = labels.map(\.label)
            case .venues(let column, let useLabels, let venues):
                kinds.append(useLabels ? .venueLabels : .venueCodes)
                sources.append(column)
                // Indexed by venue id.
                let top = venues.keys.max() ?? 0
                codes = (0...top).map { venues[$0]?.code ?? String($0) }
                texts = (0...top).map { venues[$0]?.label ?? String($0) }
            }
            labelCodes.append(codes)
            labelTexts.append(texts)
        }
        self.kinds = kinds
        self.sources = sources
        self.labelCodes = labelCodes
        self.labelTexts = labelTexts
        perCase = plan.fields.map(\.perCase)
    }

    /// Reads the statement's current row.
    mutating func read(_ statement: Statement) {
        var sameCase = false
        if let key = plan.caseKey {
            let id = statement.int64(key)
            sameCase = id == lastCase
            lastCase = id
        }
        for index in 0..<kinds.count {
            if sameCase && perCase[index] { continue }
            let source = sources[index]
            var text: String?
            switch kinds[index] {
            case .text:
                text = statement.string(source)
            case .integer:
                text = statement.isNull(source) ? nil : Self.decimal(statement.int64(source))
            case .label:
                if !nulls[source] {
                    let code = values[source]
                    let codes = labelCodes[index]
                    if let found = codes.firstIndex(of: code) { text = labelTexts[index][found] } else { text = code }
                }
            case .venueCodes, .venueLabels:
                if let ids = statement.string(source) {
                    let names = kinds[index] == .venueCodes ? labelCodes[index] : labelTexts[index]
                    text = ids.split(separator: ",").compactMap { Int($0) }.sorted()
                        .map { $0 >= 0 && $0 < names.count ? names[$0] : String($0) }
                        .joined(separator: kinds[index] == .venueCodes ? ";" : "; ")
                }
            }
            nulls[index] = text == nil
            let value = text ?? ""
            values[index] = excel ? CaseExport.neutralizedForSpreadsheet(value) : value
        }
    }

    /// Decimal text; the small numbers of every row (years, positions, ages) come from a table, not an allocation.
    private static func decimal(_ number: Int64) -> String {
        number >= 0 && number < Int64(smallNumbers.count) ? smallNumbers[Int(number)] : String(number)
    }

    private static let smallNumbers: [String] = (0..<2200).map { String($0) }
}
