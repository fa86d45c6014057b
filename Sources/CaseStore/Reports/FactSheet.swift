import Foundation
import SQLite

/// What a reader of a hotline report expects for a scope: cases and victims; a county's share of its state's cases;
/// cases by trafficking type; the top venues of sex trafficking and of labor trafficking; victims by gender, age group
/// and citizenship. Counts and percents, with suppression applied (totals are never suppressed).
///
///     let sheet = try FactSheet.make(filters: filters, suppression: .hotline, in: db)
///     print(sheet.text())
public struct FactSheet: Sendable, Equatable {
    /// A county's cases against its state's, in the same years and with the same type and venue filters.
    public struct CountyShare: Sendable, Equatable {
        public let countyFIPS: String
        public let countyName: String
        public let stateName: String
        public let countyCases: Int
        public let stateCases: Int
        public let suppressed: Bool
        public var percent: Percent { Percent(countyCases, of: stateCases) }
    }

    public let filters: ReportFilters
    public let scope: String
    public let suppression: Suppression
    public let cases: Int
    public let victims: Int
    public let countyShare: CountyShare?
    public let byType: Report
    /// Venues of kind sex among cases of type sex or sex and labor; percents of those cases. At most `topCount`.
    public let sexVenues: Report
    /// Industries of kind labor among cases of type labor or sex and labor; percents of those cases.
    public let laborIndustries: Report
    public let byGender: Report
    public let byAgeGroup: Report
    public let byCitizenship: Report
    /// The import batches with cases in scope, by id, each with its data source (from its profile).
    public var sources: [Source] = []

    /// An import batch in scope and the kind of data it holds.
    public struct Source: Sendable, Equatable {
        public let batchID: Int64
        public let fileName: String
        public let profile: String
        public var dataSource: Profile.DataSource { Profile.DataSource(batchProfile: profile) }
    }

    /// Whether CTDC data is in scope: its cases are victims (one per case), which the fact sheet says.
    public var hasCTDCData: Bool { sources.contains { $0.dataSource == .ctdc } }

    /// How many venues and industries the fact sheet lists.
    public static let topCount = 5

    public static func make(filters: ReportFilters, suppression: Suppression, in db: Connection,
                            geography: Geography) throws -> FactSheet {
        let labels = Report.Labels(geography: geography)
        func report(_ dimensions: [Dimension], _ scope: ReportFilters = filters) throws -> Report {
            try Report.make(by: dimensions, filters: scope, suppression: suppression, in: db, labels: labels)
        }
        let byType = try report([.type])
        // Both venue lists come from one breakdown by type and venue: counted from the rows (a venue filter), one
        // query instead of one per type and list (on 1M victims, `htdb summary --venue hotel_motel` 0.88-0.96 s).
        let byTypeAndVenue = try report([.type, .venue])
        let byGender = try report([.gender])

        var share: CountyShare?
        if let fips = filters.countyFIPS, let county = geography.counties[fips] {
            var stateScope = filters
            stateScope.countyFIPS = nil
            stateScope.state = county.state
            let stateCases = try report([.type], stateScope).total
            share = CountyShare(countyFIPS: fips, countyName: county.fullName,
                                stateName: geography.states[county.state]?.name ?? county.state,
                                countyCases: byType.total, stateCases: stateCases,
                                suppressed: suppression.suppresses(byType.total))
        }
        var sheet = FactSheet(
            filters: filters, scope: filters.describe(geography), suppression: suppression,
            cases: byType.total, victims: byGender.total, countyShare: share, byType: byType,
            sexVenues: venues(.sex, of: byTypeAndVenue, byType: byType, filters: filters, suppression: suppression),
            laborIndustries: venues(.labor, of: byTypeAndVenue, byType: byType, filters: filters,
                                    suppression: suppression),
            byGender: byGender, byAgeGroup: try report([.ageGroup]), byCitizenship: try report([.citizenship]))
        sheet.sources = try sources(filters: filters, db: db)
        return sheet
    }

    /// The batches that have a case in scope, collected in one pass over the scope's cases that stops once it has
    /// found as many as there are batches (no index by batch; nor, since migration 0013, by place); a venue alone
    /// finds its cases through its links, as the reports do. Looking for each batch among the cases in turn read the
    /// cases before its first one again for every batch (sqlite3 shell: 0.060 -> 0.015 s). On a million victims in
    /// five yearly batches, whole processes (median of five): `htdb summary` 68 -> 48 ms (36 ms with the place index
    /// of schema 1-12), `--state CA` 30 ms (13 ms). The pass for a venue (sqlite3 shell): 0.12 s -> 0.002 s in one
    /// batch, 0.12 -> 0.09 s in five.
    private static func sources(filters: ReportFilters, db: Connection) throws -> [Source] {
        let inScope: String
        let arguments: [SQLValue]
        // No more distinct batches can be found than there are.
        let everyBatchFound = "LIMIT (SELECT count(*) FROM import_batches)"
        if let venue = filters.venueAlone {
            inScope = "b.id IN (SELECT DISTINCT c.batch_id FROM case_venues f CROSS JOIN cases c ON c.id = f.case_id "
                + "WHERE f.venue_id = ? \(everyBatchFound))"
            arguments = [.integer(Int64(venue.id))]
        } else {
            let (conditions, values) = filters.sql(on: .cases)
            (inScope, arguments) = (
                "b.id IN (SELECT DISTINCT c.batch_id FROM cases c WHERE \(conditions) \(everyBatchFound))", values)
        }
        let statement = try db.prepare(
            """
            SELECT b.id, b.file_name, b.profile FROM import_batches b
            WHERE \(inScope)
            ORDER BY b.id
            """)
        try statement.bind(arguments)
        var sources: [Source] = []
        while try statement.step() {
            sources.append(Source(batchID: statement.int64(0), fileName: statement.string(1) ?? "",
                                  profile: statement.string(2) ?? ""))
        }
        return sources
    }

    /// Venues of one kind, among the cases of the types that kind belongs to, top `topCount`: summed from the scope's
    /// cases by type and venue, with the percent base the scope's cases of those types (from `byType`).
    private static func venues(_ kind: VenueKind, of byTypeAndVenue: Report, byType: Report, filters: ReportFilters,
                               suppression: Suppression) -> Report {
        let types = Set((kind == .sex ? [TraffickingType.sex, .sexAndLabor] : [.labor, .sexAndLabor]).map(\.code))
        let total = byType.rows.filter { types.contains($0.cells[0].code) }.reduce(0) { $0 + $1.count }
        var counts: [String: (Report.Cell, Int)] = [:]
        for row in byTypeAndVenue.rows
        where types.contains(row.cells[0].code) && Venue.named(code: row.cells[1].code)?.kind == kind {
            counts[row.cells[1].code, default: (row.cells[1], 0)].1 += row.count
        }
        let rows = counts.values
            .map { Report.Row(cells: [$0.0], count: $0.1, suppressed: suppression.suppresses($0.1),
                              percent: Percent($0.1, of: total)) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.cells[0].code < $1.cells[0].code }
        return Report(dimensions: [.venue], unit: .cases, filters: filters, suppression: suppression, total: total,
                      rows: Array(rows.prefix(topCount)).sorted(by: Report.order))
    }
}

// MARK: - Output

extension FactSheet {
    public enum Format: String, Sendable, CaseIterable {
        case table, json, markdown, chart, html
    }

    /// - Parameters: `chartWidth` and `ascii` shape the chart format; `sources` and `generatedAt` the HTML.
    public func render(_ format: Format, chartWidth: Int = 80, ascii: Bool = false, sources: [ImportBatch] = [],
                       generatedAt: Date = Date()) -> String {
        switch format {
        case .table: text()
        case .json: json()
        case .markdown: markdown()
        case .chart: chart(width: chartWidth, ascii: ascii)
        case .html: html(sources: sources, generatedAt: generatedAt)
        }
    }

    private func count(_ row: Report.Row) -> String {
        row.suppressed ? suppression.placeholder : Report.grouped(row.count)
    }

    private func shareLine(_ share: CountyShare) -> String {
        let county = share.suppressed ? suppression.placeholder : Report.grouped(share.countyCases)
        let percent = share.suppressed ? "" : ", \(share.percent)%"
        return "\(share.countyName): \(county) of \(Report.grouped(share.stateCases)) \(share.stateName) cases\(percent)"
    }

    var sections: [(String, Report)] {
        [("Cases by trafficking type", byType),
         ("Top sex trafficking venues (of sex and sex-and-labor cases)", sexVenues),
         ("Top labor trafficking industries (of labor and sex-and-labor cases)", laborIndustries),
         ("Victims by gender", byGender), ("Victims by age group", byAgeGroup),
         ("Victims by citizenship", byCitizenship)]
    }

    /// The fact sheet as plain text for the terminal.
    public func text() -> String {
        var lines = ["Hotline fact sheet: \(scope)", "",
                     "Cases: \(Report.grouped(cases))", "Victims: \(Report.grouped(victims))"]
        if let countyShare { lines.append(shareLine(countyShare)) }
        for (title, report) in sections {
            lines.append("")
            lines.append("\(title) (base \(Report.grouped(report.total)))")
            if report.rows.isEmpty { lines.append("  none") }
            var table = TextTable(headers: ["", "count", "percent"], rightAligned: [1, 2])
            for row in report.rows {
                table.append(["  " + row.cells[0].label, count(row), row.suppressed ? "" : "\(row.percent)%"])
            }
            if !report.rows.isEmpty {
                lines += table.render().split(separator: "\n").dropFirst(2).map(String.init)
            }
        }
        lines.append("")
        lines.append(sourcesLine)
        if hasCTDCData { lines.append(Self.ctdcNote) }
        lines.append(notes)
        return lines.joined(separator: "\n") + "\n"
    }

    /// "Data sources: hotline (batch 4: hotline-2021.csv); CTDC (batches 1, 2: a.csv, b.csv)."
    var sourcesLine: String {
        guard !sources.isEmpty else { return "Data sources: none (no import batch has a case in scope)." }
        var parts: [String] = []
        for kind in Profile.DataSource.allCases {
            let batches = sources.filter { $0.dataSource == kind }
            guard !batches.isEmpty else { continue }
            parts.append("\(kind.displayName) (batch\(batches.count == 1 ? "" : "es") "
                + batches.map { String($0.batchID) }.joined(separator: ", ") + ": "
                + batches.map(\.fileName).joined(separator: ", ") + ")")
        }
        return "Data sources: " + parts.joined(separator: "; ") + "."
    }

    /// Said when CTDC data is in scope.
    static let ctdcNote = "CTDC (the Counter-Trafficking Data Collaborative's global victim dataset) counts "
        + "identified victims, not hotline cases: each CTDC record is one victim, stored as a one-victim case, so "
        + "its cases and victims are the same people."

    var notes: String {
        // The caveat names what the figures are: hotline reports, CTDC's identified victims, or both.
        let kinds = Set(sources.map(\.dataSource))
        var text = kinds == [.ctdc]
            ? "These figures describe victims identified in the CTDC data, not the full extent of trafficking."
            : kinds.contains(.ctdc)
            ? "These figures describe cases reported to the hotline and victims identified in the CTDC data, not "
                + "the full extent of trafficking."
            : "These figures describe cases reported to the hotline, not the full extent of trafficking."
        if suppression.minCount > 1 {
            text += " Counts from 1 to \(suppression.minCount - 1) are shown as \(suppression.placeholder)."
        }
        return text
    }

    /// The fact sheet as Markdown.
    public func markdown() -> String {
        var lines = ["## Hotline fact sheet: \(scope)", "",
                     "- Cases: **\(Report.grouped(cases))**", "- Victims: **\(Report.grouped(victims))**"]
        if let countyShare { lines.append("- \(shareLine(countyShare))") }
        for (title, report) in sections {
            lines += ["", "### \(title)", "", "| | count | percent |", "|---|---:|---:|"]
            for row in report.rows {
                lines.append("| \(Report.markdownCell(row.cells[0].label)) | \(count(row)) | "
                    + "\(row.suppressed ? "" : "\(row.percent)%") |")
            }
            lines.append("| **Base** | **\(Report.grouped(report.total))** | |")
        }
        lines += ["", sourcesLine]
        if hasCTDCData { lines += ["", Self.ctdcNote] }
        lines += ["", "_\(notes)_"]
        return lines.joined(separator: "\n") + "\n"
    }

    /// Stable JSON: `{"filters", "scope", "min_count", "cases", "victims", "county_share", "by_type",
    /// "sex_venues", "labor_industries", "victims_by_gender", "victims_by_age_group", "victims_by_citizenship",
    /// "data_sources", "ctdc_note"}`; each breakdown is a report object as `htdb report --format json` gives it;
    /// `data_sources` lists the batches in scope (`batch`, `file`, `profile`, `source`: "hotline" or "ctdc"), and
    /// `ctdc_note` says how CTDC counts when CTDC data is in scope (else null).
    public func json() -> String {
        var members: [String] = []
        members.append("\"filters\": {\(filters.jsonMembers().map { "\(JSONText.quote($0.0)): \($0.1)" }.joined(separator: ", "))}")
        members.append("\"scope\": \(JSONText.quote(scope))")
        members.append("\"min_count\": \(suppression.minCount)")
        members.append("\"cases\": \(cases)")
        members.append("\"victims\": \(victims)")
        if let share = countyShare {
            members.append("\"county_share\": {\"county\": \(JSONText.quote(share.countyFIPS)), "
                + "\"county_label\": \(JSONText.quote(share.countyName)), "
                + "\"state_label\": \(JSONText.quote(share.stateName)), "
                + "\"county_cases\": \(share.suppressed ? "null" : String(share.countyCases)), "
                + "\"state_cases\": \(share.stateCases), "
                + "\"percent\": \(share.suppressed ? "null" : share.percent.description), "
                + "\"suppressed\": \(share.suppressed)}")
        } else {
            members.append("\"county_share\": null")
        }
        let keys = ["by_type", "sex_venues", "labor_industries", "victims_by_gender", "victims_by_age_group",
                    "victims_by_citizenship"]
        for (key, (_, report)) in zip(keys, sections) {
            members.append("\(JSONText.quote(key)): \(report.json().trimmingCharacters(in: .newlines))")
        }
        members.append("\"data_sources\": [" + sources.map { source in
            "{\"batch\": \(source.batchID), \"file\": \(JSONText.quote(source.fileName)), "
                + "\"profile\": \(JSONText.quote(source.profile)), "
                + "\"source\": \(JSONText.quote(source.dataSource.rawValue))}"
        }.joined(separator: ", ") + "]")
        members.append("\"ctdc_note\": \(hasCTDCData ? JSONText.quote(Self.ctdcNote) : "null")")
        return "{\(members.joined(separator: ", "))}\n"
    }
}
