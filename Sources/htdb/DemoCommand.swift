import ArgumentParser
import CaseStore
import Foundation

struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a database from the bundled synthetic 2021 California sample and print the Los Angeles fact sheet.",
        discussion: """
            The sample is built into htdb (Samples/hotline-2021-california.csv is the same bytes). The database \
            defaults to ./htdb-demo.db, not your hotline database; running the demo again reuses it.
            Example: htdb demo
            """)

    @Option(help: ArgumentHelp("The demo database file.", valueName: "path"))
    var db: String = "./htdb-demo.db"

    @Option(help: "Output format of the fact sheet.")
    var format: FactSheet.Format = .table

    func run() throws {
        try Console.run {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("htdb-demo-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let sample = folder.appendingPathComponent(CaliforniaSample.fileName).path
            try Data(CaliforniaSample.csv()).write(to: URL(fileURLWithPath: sample))

            let database = try CaseDatabase.openForWriting(at: db)
            defer { try? database.close() }
            let importer = try Importer(database: database, options: ImportOptions())
            var problems: [String] = []
            let summary = try importer.importFile(sample, events: ImportEvents(issue: { problems.append($0) }))
            switch summary.outcome {
            case .imported:
                Console.err("Imported the bundled sample \(CaliforniaSample.fileName) into \(db): "
                    + "\(summary.casesImported) cases, \(summary.victimsImported) victims.")
            case .alreadyImported:
                Console.err("\(db) already holds the bundled sample; reusing it.")
            case .failed, .dryRun:
                problems.prefix(5).forEach(Console.err)
                Console.err("htdb: error: the bundled sample did not import into \(db) (is it another database?)")
                throw ExitCode(Console.Status.dataError)
            }
            let geography = try Geography(database.connection)
            let filters = ReportFilters(years: 2021...2021, state: "CA", countyFIPS: "06037")
            let sheet = try FactSheet.make(filters: filters, suppression: .hotline, in: database.connection,
                                           geography: geography)
            Console.out(sheet.render(format))
            Console.err("Try: htdb report --by county --state CA --db \(db)")
        }
    }
}
