import ArgumentParser
import CaseStore
import Foundation

extension CaseExport.Subject: ExpressibleByArgument {}
extension CaseExport.Format: ExpressibleByArgument {}

/// `htdb export cases|victims`: the scope's rows as CSV, NDJSON or the hotline import format.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the cases or victims of a scope as CSV, NDJSON, or the hotline import format.",
        discussion: """
            cases columns: case_id, reported_on, year, state, state_name, county_fips, county_name, city, \
            trafficking_type, trafficking_type_label, venues (codes joined by ;), venue_labels (joined by "; "), \
            victim_count, batch_id.
            victims columns: case_id, reported_on, year, state, county_fips, city, trafficking_type, victim_id, \
            position, gender, gender_label, age_group, age_group_label, age, citizenship, citizenship_label.
            --format hotline writes the import format (shared/spec/hotline-export.md) for either subject: one row \
            per victim, a case without victims as one row; `htdb import` reads it back into the same reports.
            CSV is RFC 4180 (CRLF), UTF-8; an empty field is NULL. NDJSON: one object per row, same keys. \
            --excel adds a byte-order mark and prefixes ' to cells that start with = + - @ tab or CR, so \
            spreadsheets show them as text (the data then differs from the database).
            Examples: htdb export victims --year 2021 --state CA --out ca-victims.csv
                      htdb export cases --format ndjson --venue hotel_motel
                      htdb export victims --format hotline --out backup.csv
            """)

    @Argument(help: "What one row is: cases or victims.")
    var subject: CaseExport.Subject

    @OptionGroup var scope: ScopeOptions

    @Option(help: "Output format.")
    var format: CaseExport.Format = .csv

    @Option(help: ArgumentHelp("Write to this file (created or replaced) instead of standard output.",
                               valueName: "file"))
    var out: String?

    @Flag(help: "For spreadsheets: a byte-order mark and formula neutralization (CSV formats only).")
    var excel = false

    @OptionGroup var database: DatabaseOptions

    func validate() throws {
        do { try CaseExport(subject: subject, format: format, excel: excel).validate() } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        // A bad filter is a usage error (exit 64): carried past Console.run, which would make it a plain failure.
        var usageError: ValidationError?
        try Console.run {
            let db = try CaseDatabase.openForReading(at: database.path)
            let filters: ReportFilters
            do { filters = try scope.filters(try Geography(db.connection)) } catch let error as ValidationError {
                usageError = error
                return
            }
            let export = CaseExport(subject: subject, format: format, filters: filters, excel: excel)
            do {
                if let out {
                    try export.write(from: db.connection, toPath: out)
                } else {
                    try export.write(from: db.connection, toFileDescriptor: STDOUT_FILENO, label: "standard output")
                }
            } catch let error as ExportError {
                Console.err("htdb: error: \(error)")
                switch error {
                case .excelNeedsCSV: throw ExitCode.validationFailure
                case .cannotCreate: throw ExitCode(Console.Status.cantCreate)
                case .cannotWrite: throw ExitCode(Console.Status.ioError)
                }
            }
        }
        if let usageError { throw usageError }
    }
}
