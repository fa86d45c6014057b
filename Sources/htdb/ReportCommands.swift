import ArgumentParser
import CaseStore
import Foundation

extension Report.Format: ExpressibleByArgument {}
extension FactSheet.Format: ExpressibleByArgument {}

/// The filters and output options `report`, `summary` (and later `export`) share.
struct ScopeOptions: ParsableArguments {
    @Option(help: ArgumentHelp("A reporting year, or a range like 2019..2021.", valueName: "year"))
    var year: String?

    @Option(help: ArgumentHelp("A state: USPS code or name.", valueName: "state"))
    var state: String?

    @Option(help: ArgumentHelp("A county: name (needs --state) or 5-digit FIPS.", valueName: "county"))
    var county: String?

    @Option(help: ArgumentHelp("A trafficking type (code or label).", valueName: "type"))
    var type: String?

    @Option(help: ArgumentHelp("A venue or industry (code or label).", valueName: "venue"))
    var venue: String?

    @Option(help: ArgumentHelp("A country: ISO 3166-1 alpha-2 (or alpha-3) code or name; hotline cases are US.",
                               valueName: "country"))
    var country: String?

    func filters(_ geography: Geography) throws -> ReportFilters {
        do {
            return try ReportFilters.parse(year: year, state: state, county: county, type: type, venue: venue,
                                           country: country, geography: geography)
        } catch let error as ReportError {
            throw ValidationError(error.description)
        }
    }
}

struct OutputOptions: ParsableArguments {
    @Option(name: .customLong("min-count"),
            help: "Suppress counts from 1 to N-1 (shown as <N); 0 turns suppression off.")
    var minCount: Int = 3

    @Option(help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
    var out: String?

    @Flag(help: "With --format chart: draw bars with # instead of Unicode blocks.")
    var ascii = false

    /// The chart width: $COLUMNS, else 80.
    var chartWidth: Int { TerminalChart.width(environment: ProcessInfo.processInfo.environment) }

    func validate() throws {
        if minCount < 0 { throw ValidationError("--min-count must be 0 or more") }
    }

    /// Writes `text` to --out or standard output.
    func emit(_ text: String) throws {
        guard let out else {
            // Not Console.out: it adds "\n" after CSV's "\r\n" (one Character, so hasSuffix("\n") is false).
            return FileHandle.standardOutput.write(Data(text.utf8))
        }
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: out))
        } catch {
            Console.err("htdb: error: cannot write \(out): \(error.localizedDescription)")
            throw ExitCode(Console.Status.cantCreate)
        }
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Count cases (or victims) by one or two dimensions, with small counts suppressed.",
        discussion: """
            Dimensions: type, venue, state, county, year, country (of cases); gender, age_group, citizenship, \
            nationality (of victims). \
            The unit is victims when any dimension is a victim dimension, else cases. A case with several venues \
            counts under each; percents are of all units in scope. Counts from 1 to 2 show as <3 unless \
            --min-count says otherwise.
            Examples: htdb report --by type --year 2021 --state CA
                      htdb report --by county,type --state CA --format csv --out ca.csv
                      htdb report --by gender --county 06037 --format json
            """)

    @Option(help: ArgumentHelp("One or two dimensions, comma-separated.", valueName: "dim[,dim]"))
    var by: String

    @OptionGroup var scope: ScopeOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Output format.")
    var format: Report.Format = .table

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        let dimensions: [CaseStore.Dimension]
        do { dimensions = try CaseStore.Dimension.parseList(by) } catch let error as ReportError {
            throw ValidationError(error.description)
        }
        if dimensions.count > 2 { throw ValidationError("--by takes one or two dimensions") }
    }

    func run() throws {
        try Console.run {
            let db = try CaseDatabase.openForReading(at: database.path, mapped: true)
            let geography = try Geography(db.connection)
            let report = try Report.make(
                by: try Dimension.parseList(by), filters: try scope.filters(geography),
                suppression: Suppression(minCount: output.minCount), in: db.connection,
                labels: Report.Labels(geography: geography))
            try output.emit(report.render(format, chartWidth: output.chartWidth, ascii: output.ascii))
        }
    }
}

struct Summary: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The fact sheet of a scope: cases, victims, a county's share of its state, the standard breakdowns.",
        discussion: """
            Examples: htdb summary --year 2021 --state CA --county "Los Angeles"
                      htdb summary --year 2019..2021 --format markdown --out summary.md
            """)

    @OptionGroup var scope: ScopeOptions
    @OptionGroup var output: OutputOptions

    @Option(help: "Output format.")
    var format: FactSheet.Format = .table

    @OptionGroup var database: DatabaseOptions

    func run() throws {
        try Console.run {
            let db = try CaseDatabase.openForReading(at: database.path, mapped: true)
            let geography = try Geography(db.connection)
            let sheet = try FactSheet.make(filters: try scope.filters(geography),
                                           suppression: Suppression(minCount: output.minCount),
                                           in: db.connection, geography: geography)
            // Only the HTML page lists the batches (and counting each batch's cases reads every case).
            let batches = format == .html ? try ImportBatch.all(db.connection) : []
            try output.emit(sheet.render(format, chartWidth: output.chartWidth, ascii: output.ascii,
                                         sources: batches))
        }
    }
}
