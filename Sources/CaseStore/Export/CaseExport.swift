import CSV
import Foundation
import SQLite

/// Writes the cases or victims of a scope as CSV, NDJSON, or the hotline import format, streaming: one prepared
/// SELECT is stepped row by row straight into a buffered writer, so memory stays flat at any size. The scope is
/// `ReportFilters`, the same as reports'.
///
///     let export = CaseExport(subject: .victims, format: .csv, filters: ReportFilters(state: "CA"))
///     let rows = try export.write(from: db.connection, toPath: "victims.csv")
///
/// Columns (stable; NULL is an empty CSV field and a JSON `null`):
/// - `cases`: case_id (the hotline's case reference), reported_on, year, state, state_name, county_fips,
///   county_name (with its suffix: "Doña Ana County"), city, trafficking_type, trafficking_type_label, venues
///   (codes joined by `;`), venue_labels (labels joined by `; `), victim_count, batch_id. Ordered by case.
/// - `victims`: case_id, reported_on, year, state, county_fips, city, trafficking_type, then victim_id (the
///   victim's reference), position, gender, gender_label, age_group, age_group_label, age, citizenship,
///   citizenship_label. Ordered by case, then position.
/// - `hotline`: the import format of shared/spec/hotline-export.md, whichever the subject (it holds cases and
///   victims together): the spec's header in its order, one row per victim with the case columns repeated, a case
///   without victims as one row with empty victim columns; codes everywhere (USPS state, 5-digit county FIPS,
///   `unknown` written out), ISO dates. Importing it into an empty database gives the same reports.
///
/// CSV is RFC 4180 with CRLF line ends, UTF-8. NDJSON is one object per row with the same keys: numbers as
/// numbers, `venues` and `venue_labels` as arrays of strings.
public struct CaseExport: Sendable {
    /// What one row is.
    public enum Subject: String, Sendable, CaseIterable {
        case cases, victims
    }

    public enum Format: String, Sendable, CaseIterable {
        case csv, ndjson, hotline
    }

    public var subject: Subject
    public var format: Format
    public var filters: ReportFilters
    /// For spreadsheets: a byte-order mark, and formula neutralization (see ``neutralizedForSpreadsheet(_:)``).
    /// CSV formats only. The data is changed, so an `excel` hotline file does not round-trip.
    public var excel: Bool

    public init(subject: Subject, format: Format = .csv, filters: ReportFilters = ReportFilters(),
                excel: Bool = false) {
        self.subject = subject
        self.format = format
        self.filters = filters
        self.excel = excel
    }

    /// Checks the options against each other.
    /// - Throws: `ExportError.excelNeedsCSV` for `excel` with NDJSON.
    public func validate() throws(ExportError) {
        if excel && format == .ndjson { throw .excelNeedsCSV }
    }

    // MARK: - Writing

    /// Creates (or truncates) `path`, mode 0644, and writes the export to it.
    /// - Returns: the number of data rows (or NDJSON lines) written.
    /// - Throws: `ExportError`, `SQLiteError`, or `CSVError.io` when writing fails.
    @discardableResult
    public func write(from db: Connection, toPath path: String) throws -> Int {
        try validate()
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw ExportError.cannotCreate(path: path, message: String(cString: strerror(errno)))
        }
        var closed = false
        defer { if !closed { close(descriptor) } }
        let rows = try write(from: db, toFileDescriptor: descriptor, label: path)
        closed = true
        if close(descriptor) != 0 {
            throw ExportError.cannotWrite(path: path, message: String(cString: strerror(errno)))
        }
        return rows
    }

    /// Writes the export to an open descriptor (standard output, say), which stays open.
    /// - Returns: the number of data rows (or NDJSON lines) written.
    @discardableResult
    public func write(from db: Connection, toFileDescriptor descriptor: Int32, label: String) throws -> Int {
        try validate()
        let plan = plan(try ExportLookups(db))
        let statement = try db.prepare(plan.sql)
        try statement.bind(plan.arguments)
        defer { try? statement.reset() }
        var reader = ExportRowReader(plan: plan, excel: excel)
        switch format {
        case .csv, .hotline:
            let writer = CSVWriter(fileDescriptor: descriptor, lineEnding: .crlf, byteOrderMark: excel)
            try writer.write(record: plan.fields.map(\.column.name))
            var rows = 0
            while try statement.step() {
                reader.read(statement)
                try writer.write(record: reader.values)
                rows += 1
            }
            try writer.close()
            return rows
        case .ndjson:
            let writer = ByteSink(descriptor: descriptor, label: label)
            let rows = try writeNDJSON(statement, reader: &reader, to: writer)
            try writer.flush()
            return rows
        }
    }

    private func writeNDJSON(_ statement: Statement, reader: inout ExportRowReader,
                             to writer: ByteSink) throws -> Int {
        let columns = reader.plan.fields.map(\.column)
        let keys = columns.map { JSONText.quote($0.name) + ": " }
        var rows = 0
        var line = ""
        while try statement.step() {
            reader.read(statement)
            line.removeAll(keepingCapacity: true)
            line += "{"
            for (index, column) in columns.enumerated() {
                if index > 0 { line += ", " }
                line += keys[index]
                let value = reader.values[index]
                switch column.kind {
                case .list(let separator):
                    let items = reader.nulls[index] ? [] : value.components(separatedBy: separator)
                    line += "[" + items.map(JSONText.quote).joined(separator: ", ") + "]"
                case _ where reader.nulls[index]:
                    line += "null"
                case .text:
                    line += JSONText.quote(value)
                case .integer:
                    line += value
                }
            }
            line += "}\n"
            try writer.write(line)
            rows += 1
        }
        return rows
    }

    // MARK: - Spreadsheets

    /// The cell with a leading `'` when it starts with `=`, `+`, `-`, `@`, tab or CR, so a spreadsheet shows it as
    /// text instead of running it as a formula (OWASP, "CSV Injection"); any other cell unchanged.
    public static func neutralizedForSpreadsheet(_ cell: String) -> String {
        guard let first = cell.utf8.first else { return cell }
        switch first {
        case UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D:
            return "'" + cell
        default:
            return cell
        }
    }
}

/// Why an export could not be written. Never carries data from the database.
public enum ExportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `--excel` asks for spreadsheet CSV; NDJSON is not read by spreadsheets.
    case excelNeedsCSV
    case cannotCreate(path: String, message: String)
    case cannotWrite(path: String, message: String)

    public var description: String {
        switch self {
        case .excelNeedsCSV: "--excel applies to CSV output (--format csv or hotline), not to ndjson"
        case .cannotCreate(let path, let message): "cannot create \(path): \(message)"
        case .cannotWrite(let path, let message): "cannot write \(path): \(message)"
        }
    }
}
