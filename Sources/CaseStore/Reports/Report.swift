import CSV
import Foundation
import SQLite

/// A breakdown of cases or victims by one or more dimensions, aggregated in SQL (GROUP BY in SQLite over the count
/// tables of `CountTable`; rows are never loaded into Swift one by one).
///
///     let report = try Report.make(by: [.type], filters: filters, suppression: .hotline, in: db)
///     print(report.table())
public struct Report: Sendable, Equatable {
    public enum Unit: String, Sendable { case cases, victims }

    /// One dimension's value in a row: its code ("sex", "06037", "2021") and label ("Sex", "Los Angeles County").
    public struct Cell: Sendable, Equatable {
        public let code: String
        public let label: String
        /// For year: the number (JSON writes it as a number).
        public let number: Int?
    }

    public struct Row: Sendable, Equatable {
        public let cells: [Cell]
        /// The true count (only shown when not suppressed).
        public let count: Int
        public let suppressed: Bool
        /// Percent of the report's total.
        public let percent: Percent
    }

    public let dimensions: [Dimension]
    public let unit: Unit
    public let filters: ReportFilters
    public let suppression: Suppression
    /// Units (cases or victims) in the filtered scope; never suppressed.
    public let total: Int
    /// Counts of at least 1, by count descending, then code.
    public let rows: [Row]

    /// Runs the report.
    public static func make(by dimensions: [Dimension], filters: ReportFilters, suppression: Suppression,
                            in db: Connection, labels: Labels) throws -> Report {
        let unit: Unit = dimensions.contains(where: \.isVictimDimension) ? .victims : .cases
        let caseColumns = Set(dimensions.filter { !$0.isVictimDimension }.map(\.column)).union(filters.columns)
        // Countries and nationalities are not in the count tables.
        var (totalSQL, sql, arguments) =
            if let table = CountTable.covering(unit: unit, keyColumns: caseColumns,
                                               victimDimensions: dimensions.filter(\.isVictimDimension).count,
                                               venuePair: filters.venue != nil && dimensions.contains(.venue)),
               !dimensions.contains(where: \.needsStoredRows) {
                countTableQueries(dimensions, unit: unit, table: table, filters: filters)
            } else {
                rowQueries(dimensions, unit: unit, filters: filters)
            }
        var totalArguments = arguments
        // The total depends on the filters only: whenever a count table covers them, it is summed from there, also
        // for a breakdown counted from the rows (counting the joined rows for it took a third of such a report).
        if let countTableTotal = countTableTotal(unit: unit, filters: filters) {
            (totalSQL, totalArguments) = countTableTotal
        }
        let totalStatement = try db.prepare(totalSQL)
        try totalStatement.bind(totalArguments)
        let total = try totalStatement.step() ? totalStatement.int(0) : 0

        let statement = try db.prepare(sql)
        try statement.bind(arguments)
        // Each column's distinct values are labelled once (`cells`, found through `seen`); `indices` holds the
        // rows' cells as positions in `cells`, which is how `sorted` compares them.
        let width = dimensions.count
        var cells = [[Cell]](repeating: [], count: width)
        var seen = [[SQLValue: Int32]](repeating: [:], count: width)
        var indices: [Int32] = []
        var rows: [Row] = []
        while try statement.step() {
            let count = statement.int(width)
            guard count >= 1 else { continue }
            var rowCells: [Cell] = []
            rowCells.reserveCapacity(width)
            for column in 0..<width {
                let value = statement.value(column)
                let index: Int32
                if let known = seen[column][value] {
                    index = known
                } else {
                    index = Int32(cells[column].count)
                    cells[column].append(labels.cell(dimensions[column], value))
                    seen[column][value] = index
                }
                rowCells.append(cells[column][Int(index)])
                indices.append(index)
            }
            rows.append(Row(cells: rowCells, count: count, suppressed: suppression.suppresses(count),
                            percent: Percent(count, of: total)))
        }
        return Report(dimensions: dimensions, unit: unit, filters: filters, suppression: suppression, total: total,
                      rows: sorted(rows, cells: cells, indices: indices))
    }

    /// The total and the breakdown as sums over the smallest count table that has every column needed (see
    /// `CountTable`).
    private static func countTableQueries(_ dimensions: [Dimension], unit: Unit, table: CountTable,
                                          filters: ReportFilters)
        -> (total: String, breakdown: String, arguments: [SQLValue]) {
        let (conditions, arguments) = filters.sql(on: .countTable)
        // Always there when the breakdown has a count table (the filters need no more columns than it).
        let total = countTableTotal(unit: unit, filters: filters)?.sql ?? ""
        guard unit == .victims, table.victims == .termColumns,
              let victimDimension = dimensions.first(where: \.isVictimDimension) else {
            let columns = dimensions.map(table.column).joined(separator: ", ")
            return (total, "SELECT \(columns), sum(\(table.countColumn(unit))) FROM \(table.name) WHERE \(conditions) "
                        + "GROUP BY \(columns)", arguments)
        }
        // One victim dimension over a table with a column per term: the terms' columns are summed by the case
        // dimensions once (a materialized CTE), then each term's sum becomes a row of its own.
        let terms = CountTable.termColumns(of: victimDimension)
        let groups = dimensions.filter { $0 != victimDimension }.map(table.column)
        let sums = terms.enumerated().map { index, term in "sum(\(term.column)) AS n\(index)" }
        let summed = "SELECT \((groups + sums).joined(separator: ", ")) FROM \(table.name) WHERE \(conditions)"
            + (groups.isEmpty ? "" : " GROUP BY \(groups.joined(separator: ", "))")
        let perTerm = terms.enumerated().map { index, term in
            let columns = dimensions.map { $0 == victimDimension ? "'\(term.code)'" : table.column($0) }
            return "SELECT \(columns.joined(separator: ", ")), n\(index) FROM summed"
        }
        return (total, "WITH summed AS MATERIALIZED (\(summed)) " + perTerm.joined(separator: " UNION ALL "),
                arguments)
    }

    /// The units in the filters' scope, summed over the count table the filters alone need (with venue as a
    /// dimension, a case with several venues still counts once in the total); nil when none has them.
    private static func countTableTotal(unit: Unit, filters: ReportFilters) -> (sql: String, arguments: [SQLValue])? {
        guard let table = CountTable.covering(unit: unit, keyColumns: filters.columns) else { return nil }
        let (conditions, arguments) = filters.sql(on: .countTable)
        return ("SELECT coalesce(sum(\(table.countColumn(unit))), 0) FROM \(table.name) WHERE \(conditions)", arguments)
    }

    /// The same counted over the stored rows, for what the count tables cannot give: a county with a venue and a
    /// victim dimension, a county or a state with two victim dimensions and a venue (the cases are scanned: there is
    /// no index by place since migration 0013), the other venues of the cases that have the filter's venue (`--by
    /// venue --venue X`) with a state or a county, and anything by country or nationality or with a country filter.
    private static func rowQueries(_ dimensions: [Dimension], unit: Unit, filters: ReportFilters)
        -> (total: String, breakdown: String, arguments: [SQLValue]) {
        // The rows are driven by the cases in scope, or, for a venue filter alone with no dimension of the case
        // row, by the venue's links, with no case row read (each link is one case; on 1,000,000 victims, whole
        // processes: `--by gender,age_group --venue hotel_motel` 0.23 -> 0.17 s, `--by venue --venue hotel_motel`
        // 0.17 -> 0.11 s). CROSS JOIN keeps the links first: without statistics SQLite would rather scan every
        // victim.
        let linkVenue = dimensions.allSatisfy { $0 == .venue || $0.isVictimDimension } ? filters.venueAlone : nil
        let (conditions, arguments) = linkVenue.map { ("f.venue_id = ?", [SQLValue.integer(Int64($0.id))]) }
            ?? filters.sql(on: .cases)
        let (driver, caseID, join) = linkVenue == nil ? ("cases c", "c.id", "JOIN")
            : ("case_venues f", "f.case_id", "CROSS JOIN")
        let from = unit == .cases ? driver : "\(driver) \(join) victims x ON x.case_id = \(caseID)"
        let venues = dimensions.contains(.venue) ? " \(join) case_venues cv ON cv.case_id = \(caseID)" : ""
        let columns = dimensions.map(\.rowExpression).joined(separator: ", ")
        return ("SELECT count(*) FROM \(from) WHERE \(conditions)",
                "SELECT \(columns), count(*) FROM \(from)\(venues) WHERE \(conditions) GROUP BY \(columns)",
                arguments)
    }

    /// `rows` in `order`, compared as integers: each cell is replaced by its rank among its column's distinct
    /// `cells` (`indices[row * width + column]` is its position there). Comparing the codes themselves, row against
    /// row, was a fifth of a 64,532-row report by county and venue (Strings retained and released at every
    /// comparison).
    private static func sorted(_ rows: [Row], cells: [[Cell]], indices: [Int32]) -> [Row] {
        let width = cells.count
        guard rows.count > 1, width > 0 else { return rows }
        // rankOf[column][position in cells]: equal codes (a county NULL and '', both "unknown") rank equal.
        let rankOf = cells.map { column -> [Int32] in
            let order = column.indices.sorted { cellOrder(column[$0], column[$1]) }
            var ranks = [Int32](repeating: 0, count: column.count)
            var rank: Int32 = 0
            for (place, position) in order.enumerated() {
                if place > 0 && column[position].code != column[order[place - 1]].code { rank += 1 }
                ranks[position] = rank
            }
            return ranks
        }
        var ranks = [Int32](repeating: 0, count: indices.count)
        for (place, index) in indices.enumerated() { ranks[place] = rankOf[place % width][Int(index)] }
        let shown = rows.map { $0.suppressed ? 0 : $0.count }
        let order = rows.indices.sorted { a, b in
            if shown[a] != shown[b] { return shown[a] > shown[b] }
            for column in 0..<width where ranks[a * width + column] != ranks[b * width + column] {
                return ranks[a * width + column] < ranks[b * width + column]
            }
            return false
        }
        return order.map { rows[$0] }
    }

    /// Two codes of one column: numbers (years) by value, others as text.
    private static func cellOrder(_ x: Cell, _ y: Cell) -> Bool {
        if let p = x.number, let q = y.number { return p < q }
        return x.code < y.code
    }

    /// By count descending, then code. Suppressed rows count as equal (below every shown count): ordering them by
    /// their true counts would disclose which is larger.
    static func order(_ a: Row, _ b: Row) -> Bool {
        let left = a.suppressed ? 0 : a.count
        let right = b.suppressed ? 0 : b.count
        if left != right { return left > right }
        for (x, y) in zip(a.cells, b.cells) where x.code != y.code { return cellOrder(x, y) }
        return false
    }

    /// How codes read: labels of the vocabulary, state names, county names with suffix.
    public struct Labels: Sendable {
        let geography: Geography

        public init(geography: Geography) {
            self.geography = geography
        }

        func cell(_ dimension: Dimension, _ value: SQLValue) -> Cell {
            switch (dimension, value) {
            case (.county, .null), (.county, .text("")), (.state, .null), (.state, .text("")),
                 (.nationality, .null), (.country, .text(CTDCMapping.unknownCountry)):
                // No county, no state (a case outside the US), unknown nationality or country.
                return Cell(code: "unknown", label: "Unknown", number: nil)
            case (.year, .integer(let year)):
                return Cell(code: String(year), label: String(year), number: Int(year))
            case (.venue, .integer(let id)):
                let venue = Venue.all.first { $0.id == Int(id) }
                return Cell(code: venue?.code ?? String(id), label: venue?.label ?? String(id), number: nil)
            case (_, .text(let code)):
                return Cell(code: code, label: label(dimension, code), number: nil)
            default:
                return Cell(code: "unknown", label: "Unknown", number: nil)
            }
        }

        func label(_ dimension: Dimension, _ code: String) -> String {
            switch dimension {
            case .type: TraffickingType(rawValue: code)?.label ?? code
            case .gender: Gender(rawValue: code)?.label ?? code
            case .ageGroup: AgeGroup(rawValue: code)?.label ?? code
            case .citizenship: Citizenship(rawValue: code)?.label ?? code
            case .state: geography.states[code]?.name ?? code
            case .county: geography.counties[code]?.fullName ?? code
            case .venue: Venue.named(code: code)?.label ?? code
            case .year: code
            case .country, .nationality: geography.countries[code] ?? code
            }
        }
    }
}

// MARK: - Output

extension Report {
    /// The output formats of `htdb report`.
    public enum Format: String, Sendable, CaseIterable {
        case table, csv, json, markdown, chart
    }

    /// - Parameters: `chartWidth` and `ascii` shape the chart format only.
    public func render(_ format: Format, chartWidth: Int = 80, ascii: Bool = false) -> String {
        switch format {
        case .table: table()
        case .csv: csv()
        case .json: json()
        case .markdown: markdown()
        case .chart: TerminalChart(width: chartWidth, ascii: ascii).render(self)
        }
    }

    private func shownCount(_ row: Row) -> String {
        row.suppressed ? suppression.placeholder : Self.grouped(row.count)
    }

    private func shownPercent(_ row: Row) -> String {
        row.suppressed ? "" : row.percent.description
    }

    /// Aligned columns with labels, and a total row.
    public func table() -> String {
        var table = TextTable(headers: dimensions.map(\.rawValue) + [unit.rawValue, "percent"],
                              rightAligned: [dimensions.count, dimensions.count + 1])
        for row in rows {
            var line: [String] = []
            line.reserveCapacity(dimensions.count + 2)
            for cell in row.cells { line.append(cell.label) }
            line.append(shownCount(row))
            line.append(shownPercent(row))
            table.append(line)
        }
        table.appendSeparator()
        table.append(["Total"] + Array(repeating: "", count: dimensions.count - 1)
            + [Self.grouped(total), total > 0 ? "100.0" : ""])
        var text = table.render()
        if dimensions.contains(.venue) {
            text += "\nA case with several venues counts under each; percents are of all \(unit.rawValue) in scope."
        }
        if suppression.minCount > 1 && rows.contains(where: { $0.suppressed }) {
            text += "\nCounts from 1 to \(suppression.minCount - 1) are shown as \(suppression.placeholder)."
        }
        return text + "\n"
    }

    /// Header and rows, codes and labels; a suppressed count is "<3" with an empty percent. RFC 4180, CRLF.
    ///
    /// Each format writes bytes into one buffer (a report by county and venue has over 60,000 rows; joining Strings
    /// per row and looking at every Character for quoting took longer than the query).
    public func csv() -> String {
        // In memory the writer cannot fail: it throws only when writing out to a file fails.
        let writer = CSVWriter(lineEnding: .crlf)
        try? writer.write(record: dimensions.flatMap { [$0.rawValue, "\($0.rawValue)_label"] } + ["count", "percent"])
        var fields: [String] = []
        for row in rows {
            fields.removeAll(keepingCapacity: true)
            for cell in row.cells {
                fields.append(cell.code)
                fields.append(cell.label)
            }
            fields.append(row.suppressed ? suppression.placeholder : String(row.count))
            fields.append(shownPercent(row))
            try? writer.write(record: fields)
        }
        return String(decoding: writer.output, as: UTF8.self)
    }

    /// `{"by": [...], "unit": ..., "filters": {...}, "total": N, "min_count": 3, "rows": [...]}`; a suppressed row
    /// has `"count": null, "percent": null, "suppressed": true`.
    public func json() -> String {
        var head = "{\"by\": [\(dimensions.map { JSONText.quote($0.rawValue) }.joined(separator: ", "))], "
        head += "\"unit\": \(JSONText.quote(unit.rawValue)), "
        head += "\"filters\": {\(filters.jsonMembers().map { "\(JSONText.quote($0.0)): \($0.1)" }.joined(separator: ", "))}, "
        head += "\"total\": \(total), \"min_count\": \(suppression.minCount), \"rows\": ["
        var out = Array(head.utf8)
        out.reserveCapacity(out.count + rows.count * 64 * (dimensions.count + 1))
        let codeKeys = dimensions.map { Array("\(JSONText.quote($0.rawValue)): ".utf8) }
        let labelKeys = dimensions.map { Array(", \(JSONText.quote($0.rawValue + "_label")): ".utf8) }
        for (index, row) in rows.enumerated() {
            out.append(contentsOf: (index == 0 ? "{" : ", {").utf8)
            for (column, cell) in row.cells.enumerated() {
                if column > 0 { out.append(contentsOf: ", ".utf8) }
                out.append(contentsOf: codeKeys[column])
                if let number = cell.number {
                    out.append(contentsOf: String(number).utf8)
                } else {
                    JSONText.append(cell.code, to: &out)
                }
                out.append(contentsOf: labelKeys[column])
                JSONText.append(cell.label, to: &out)
            }
            if row.suppressed {
                out.append(contentsOf: ", \"count\": null, \"percent\": null, \"suppressed\": true}".utf8)
            } else {
                out.append(contentsOf: ", \"count\": ".utf8)
                out.append(contentsOf: String(row.count).utf8)
                out.append(contentsOf: ", \"percent\": ".utf8)
                out.append(contentsOf: row.percent.description.utf8)
                out.append(contentsOf: ", \"suppressed\": false}".utf8)
            }
        }
        out.append(contentsOf: "]}\n".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// A pasteable Markdown table with labels and a total row.
    public func markdown() -> String {
        let header = dimensions.map(\.rawValue) + [unit.rawValue, "percent"]
        var out: [UInt8] = []
        func line(_ cells: [String]) {
            out.append(UInt8(ascii: "|"))
            for cell in cells {
                out.append(UInt8(ascii: " "))
                out.append(contentsOf: cell.utf8)
                out.append(contentsOf: " |".utf8)
            }
            out.append(UInt8(ascii: "\n"))
        }
        line(header)
        out.append(contentsOf: ("|" + dimensions.map { _ in "---" }.joined(separator: "|") + "|---:|---:|\n").utf8)
        for row in rows {
            line(row.cells.map { Self.markdownCell($0.label) } + [shownCount(row), shownPercent(row)])
        }
        line(["**Total**"] + Array(repeating: "", count: dimensions.count - 1)
            + ["**\(Self.grouped(total))**", total > 0 ? "100.0" : ""])
        return String(decoding: out, as: UTF8.self)
    }

    /// A CSV field, quoted when it holds a comma, a quote or a line break (looked for as bytes: a CR LF pair is one
    /// Character, equal to neither "\r" nor "\n").
    static func csvField(_ text: String) -> String {
        text.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func markdownCell(_ text: String) -> String {
        text.utf8.contains(UInt8(ascii: "|")) ? text.replacingOccurrences(of: "|", with: "\\|") : text
    }

    /// 1334 -> "1,334".
    static func grouped(_ number: Int) -> String {
        DecimalText.string(number.magnitude, negative: number < 0, grouped: true)
    }
}
