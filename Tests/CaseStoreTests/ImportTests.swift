import CaseStore
import Foundation
import SQLite
import Testing

// MARK: - Harness shared by the Import*Tests files

/// Where an import put a problem: `FILE:LINE:COLUMN` (column empty when the problem is the whole row).
struct IssueLocation: Equatable, CustomStringConvertible {
    var line: Int
    var column: String
    init(_ line: Int, _ column: String = "") {
        self.line = line
        self.column = column
    }
    var description: String { column.isEmpty ? "\(line)" : "\(line):\(column)" }
}

/// What one import reported, split into location and message.
struct ReportedIssue {
    var file: String
    var location: IssueLocation
    var message: String
    var text: String

    /// Parses `FILE:LINE:COLUMN: message` (or `FILE:LINE: message`) for a known `file`.
    init?(_ text: String, file: String) {
        self.text = text
        guard text.hasPrefix(file + ":") else { return nil }
        self.file = file
        let rest = text.dropFirst(file.count + 1)
        guard let separator = rest.range(of: ": ") else { return nil }
        let place = rest[..<separator.lowerBound]
        message = String(rest[separator.upperBound...])
        let parts = place.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        guard let line = Int(parts[0]) else { return nil }
        location = IssueLocation(line, parts.count > 1 ? String(parts[1]) : "")
    }
}

/// Collects what an import reports (the events' closures are not Sendable; the import runs synchronously).
final class ImportLog {
    var issues: [String] = []
    var warnings: [String] = []
    var progress: [(Int, Int, Int)] = []

    var events: ImportEvents {
        ImportEvents(issue: { self.issues.append($0) }, warning: { self.warnings.append($0) },
                     progress: { self.progress.append(($0, $1, $2)) })
    }

    func clear() {
        issues = []
        warnings = []
        progress = []
    }
}

/// The spec's header, in the spec's column order.
let specHeader = ["case_id", "reported_on", "state", "county", "city", "trafficking_type", "venues", "victim_id",
                  "victim_gender", "victim_age_group", "victim_age", "victim_citizenship"]

/// One row of a hotline export, every field as text; defaults make a valid case row with no victim.
struct ExportRow {
    var caseID = "C-1"
    var reportedOn = "2021-03-04"
    var state = "CA"
    var county = ""
    var city = ""
    var type = "Sex"
    var venues = ""
    var victimID = ""
    var gender = ""
    var ageGroup = ""
    var age = ""
    var citizenship = ""

    var fields: [String] {
        [caseID, reportedOn, state, county, city, type, venues, victimID, gender, ageGroup, age, citizenship]
    }

    /// A victim row of case `caseID`.
    static func victim(_ caseID: String, id: String = "", gender: String = "Female", ageGroup: String = "",
                       age: String = "", citizenship: String = "") -> ExportRow {
        ExportRow(caseID: caseID, victimID: id, gender: gender, ageGroup: ageGroup, age: age, citizenship: citizenship)
    }
}

/// RFC 4180 text for one record (quoted when needed), without the line break.
func csvLine(_ fields: [String]) -> String {
    fields.map { field in
        // Bytes, not Characters: a CR LF pair is one Character, equal to neither "\r" nor "\n".
        field.utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            ? "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : field
    }.joined(separator: ",")
}

/// A CSV export: the spec's header, then the rows, LF line ends.
func csvText(_ rows: [ExportRow], header: [String] = specHeader) -> String {
    ([csvLine(header)] + rows.map { csvLine($0.fields) }).joined(separator: "\n") + "\n"
}

/// A fresh database in its own temporary folder, files to import next to it, and an import that records what it
/// reports. `today` is fixed (2024-06-30) so date rules do not depend on the clock.
final class ImportHarness {
    static let today = (year: 2024, month: 6, day: 30)

    let folder: TemporaryDirectory
    let dbPath: String
    private(set) var database: CaseDatabase?
    let log = ImportLog()

    init() throws {
        folder = try TemporaryDirectory()
        dbPath = folder.path("cases.db")
        database = try CaseDatabase.openForWriting(at: dbPath)
    }

    /// The open database (reopened when `close()` closed it).
    var db: CaseDatabase {
        get throws {
            if let database { return database }
            let opened = try CaseDatabase.openForWriting(at: dbPath)
            database = opened
            return opened
        }
    }

    var connection: Connection { get throws { try db.connection } }

    func close() throws {
        try database?.close()
        database = nil
    }

    /// Options with the harness's `today`.
    static func options(_ configure: (inout ImportOptions) -> Void = { _ in }) -> ImportOptions {
        var options = ImportOptions()
        options.today = today
        configure(&options)
        return options
    }

    // MARK: Files

    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        try write(name, bytes: Array(text.utf8))
    }

    @discardableResult
    func write(_ name: String, bytes: [UInt8]) throws -> String {
        let path = folder.path(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    // MARK: Importing

    /// Imports `path` with a new `Importer`; the log holds only this import's reports.
    func importFile(_ path: String, _ configure: (inout ImportOptions) -> Void = { _ in }) throws -> ImportSummary {
        log.clear()
        let importer = try Importer(database: try db, options: Self.options(configure))
        let summary = try importer.importFile(path, events: log.events)
        try verifyConstraints()
        return summary
    }

    /// The importer writes with CHECK constraints ignored (its validator enforces them), so every import a test
    /// runs is followed by SQLite's own check of them on the stored rows, and by a look at the pragma being off
    /// again for any other writer. The count tables, which the importer keeps from what both of its threads
    /// counted, are compared with what the stored rows give (`htdb check`'s schema checks) after every import too.
    func verifyConstraints(sourceLocation: SourceLocation = #_sourceLocation) throws {
        let problems = try connection.prepare("PRAGMA quick_check(20)").allRows()
        #expect(problems == [[.text("ok")]], "CHECK or NOT NULL violated by an import", sourceLocation: sourceLocation)
        #expect(try connection.scalarInt("PRAGMA ignore_check_constraints") == 0, sourceLocation: sourceLocation)
        #expect(try DatabaseCheck.run(connection).schemaProblems == [], sourceLocation: sourceLocation)
    }

    /// Writes `text` to `name` and imports it.
    func importText(_ text: String, name: String = "export.csv",
                    _ configure: (inout ImportOptions) -> Void = { _ in }) throws -> ImportSummary {
        try importFile(try write(name, text), configure)
    }

    /// Writes the rows (spec header) and imports them.
    func importRows(_ rows: [ExportRow], name: String = "export.csv",
                    _ configure: (inout ImportOptions) -> Void = { _ in }) throws -> ImportSummary {
        try importText(csvText(rows), name: name, configure)
    }

    /// The reported issues of the last import, parsed against `path`'s name as the importer prints it.
    func issues(in path: String) -> [ReportedIssue] {
        log.issues.compactMap { ReportedIssue($0, file: path) }
    }

    func issueLocations(in path: String) -> [IssueLocation] {
        issues(in: path).map(\.location)
    }

    func warningLocations(in path: String) -> [IssueLocation] {
        log.warnings.compactMap { ReportedIssue($0, file: path)?.location }
    }

    // MARK: Reading the database

    func count(_ table: String) throws -> Int {
        Int(try connection.scalarInt("SELECT count(*) FROM \(table)") ?? -1)
    }

    /// The stored case refs, sorted.
    func caseRefs() throws -> [String] {
        try connection.prepare("SELECT case_ref FROM cases ORDER BY case_ref").allRows().map {
            if case .text(let ref) = $0[0] { return ref }
            return "?"
        }
    }

    /// A case as stored: reported_on, year, state, county_fips, city, trafficking_type, source_line; empty when
    /// there is no such case.
    func storedCase(_ ref: String) throws -> [SQLValue] {
        let statement = try connection.prepare(
            """
            SELECT reported_on, year, state, county_fips, city, trafficking_type, source_line
            FROM cases WHERE case_ref = ?
            """)
        try statement.bind(ref, at: 1)
        return try statement.allRows().first ?? []
    }

    func field(_ column: String, ofCase ref: String) throws -> SQLValue? {
        let statement = try connection.prepare("SELECT \(column) FROM cases WHERE case_ref = ?")
        try statement.bind(ref, at: 1)
        return try statement.allRows().first?.first
    }

    /// A case's venue codes in venue order.
    func venues(of ref: String) throws -> [String] {
        let statement = try connection.prepare(
            """
            SELECT v.code FROM case_venues cv JOIN venues v ON v.id = cv.venue_id JOIN cases c ON c.id = cv.case_id
            WHERE c.case_ref = ? ORDER BY v.id
            """)
        try statement.bind(ref, at: 1)
        return try statement.allRows().map { if case .text(let code) = $0[0] { code } else { "?" } }
    }

    /// A case's victims by position: position, victim_ref, gender, age_group, age, citizenship, source_line.
    func victims(of ref: String) throws -> [[SQLValue]] {
        let statement = try connection.prepare(
            """
            SELECT x.position, x.victim_ref, x.gender, x.age_group, x.age, x.citizenship, x.source_line
            FROM victims x JOIN cases c ON c.id = x.case_id WHERE c.case_ref = ? ORDER BY x.position
            """)
        try statement.bind(ref, at: 1)
        return try statement.allRows()
    }

    func batches() throws -> [ImportBatch] {
        try ImportBatch.all(try connection)
    }

    /// The geography of a freshly migrated database, loaded once for the tests that only read it (the database is
    /// removed once loaded).
    static let sharedGeography: Result<Geography, any Error> = Result {
        let folder = try TemporaryDirectory()
        let database = try CaseDatabase.openForWriting(at: folder.path("geography.db"))
        defer { try? database.close() }
        return try Geography(database.connection)
    }

    /// A validator over this database's geography with the harness's `today`.
    func validator(profile: Profile = .hotline) throws -> RowValidator {
        try RowValidator(profile: profile, geography: try Geography(try connection), today: Self.today)
    }
}

/// An import batch's row counts, comparable in one expectation.
struct BatchCounts: Equatable {
    var read, imported, rejected, cases, victims, casesNow: Int
}

extension ImportBatch {
    var counts: BatchCounts {
        BatchCounts(read: rowsRead, imported: rowsImported, rejected: rowsRejected, cases: casesImported,
                    victims: victimsImported, casesNow: casesNow)
    }
}

/// A summary's row counts, comparable in one expectation.
struct SummaryCounts: Equatable {
    var read, imported, rejected, cases, victims: Int
}

extension ImportSummary {
    var counts: SummaryCounts {
        SummaryCounts(read: rowsRead, imported: rowsImported, rejected: rowsRejected, cases: casesImported,
                      victims: victimsImported)
    }
}

/// A raw CSV-like row for `RowValidator`: column -> text, columns named as in the spec.
func rawRow(_ row: ExportRow, line: Int = 2) -> RawRow {
    RawRow(line: line, values: row.fields.map { $0 }, columnNames: specHeader)
}

// MARK: - Basic import

@Suite("Import: a valid file")
struct ImportTests {
    let harness: ImportHarness
    init() throws { harness = try ImportHarness() }

    /// A CSV row is checked from its record's bytes, not from a String per field: white space that is not ASCII
    /// (no-break space U+00A0, em space U+2003, ideographic space U+3000) is still trimmed from every kind of
    /// value, and text that is not ASCII at an edge without being white space is kept as it is.
    @Test func valuesReadInPlaceAreTrimmedOfUnicodeWhiteSpace() throws {
        let path = try harness.write("unicode-space.csv", csvText([
            ExportRow(caseID: "\u{3000}U-1\u{A0}", reportedOn: "\u{A0}2021-03-04", state: "\u{A0}California\u{3000}",
                      county: "\u{2003}Los Angeles\u{A0}", city: "\u{A0}Pasadena\u{A0}", type: "\u{A0}Sex",
                      venues: "Hotel/Motel ;\u{3000}Pornography\u{A0}", victimID: "\u{A0}V1", gender: "\u{A0}F",
                      ageGroup: "Minor\u{3000}", age: "\u{A0}17", citizenship: "\u{3000}Unknown"),
            ExportRow(caseID: "é-2", state: "Texas", city: "Mañana", type: "Labor", venues: "\u{A0}Agriculture",
                      victimID: "Ü"),
        ]))
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .imported, "\(harness.log.issues.prefix(3))")
        #expect(try harness.storedCase("U-1") == ["2021-03-04", 2021, "CA", "06037", "Pasadena", "sex", 2])
        #expect(try harness.venues(of: "U-1") == ["pornography", "hotel_motel"])
        #expect(try harness.victims(of: "U-1") == [[1, "V1", "female", "minor", 17, "unknown", 2]])
        #expect(try harness.storedCase("é-2") == ["2021-03-04", 2021, "TX", nil, "Mañana", "labor", 3])
        #expect(try harness.venues(of: "é-2") == ["agriculture"])
        #expect(try harness.victims(of: "é-2") == [[1, "Ü", "unknown", "unknown", nil, "unknown", 3]])
    }

    /// A CSV record is checked for UTF-8 as a whole when it can be: a bad byte in a column the import ignores
    /// rejects nothing, one in a column it reads rejects the row, and a field whose escaped quotes were unescaped in
    /// place (leaving bytes behind it that are not text) is still read whole.
    @Test func utf8IsCheckedInTheColumnsReadOnly() throws {
        var bytes = Array((specHeader + ["notes"]).joined(separator: ",").utf8) + [0x0A]
        func row(_ text: String, notes: [UInt8]) {
            bytes += Array(text.utf8) + [UInt8(ascii: ",")] + notes + [0x0A]
        }
        row("Q-1,2021-03-04,CA,,,Sex,,,,,,", notes: [0x66, 0xC3])  // "f" and half of a two-byte sequence
        // Unescaped in place, `"Sa""é"` leaves the last byte of é's old place behind the field: a lone continuation.
        row("Q-2,2021-03-04,CA,,\"Sa\"\"é\",Sex,,,,,,", notes: Array("ok".utf8))
        bytes += Array("Q-3,2021-03-04,CA,,San ".utf8) + [0xE9] + Array(",Sex,,,,,,,\n".utf8)  // latin1 é
        let path = try harness.write("utf8.csv", bytes: bytes)
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.rowsImported == 2)
        #expect(try harness.storedCase("Q-1") == ["2021-03-04", 2021, "CA", nil, nil, "sex", 2])
        #expect(try harness.storedCase("Q-2") == ["2021-03-04", 2021, "CA", nil, "Sa\"é", "sex", 3])
        #expect(harness.issueLocations(in: path) == [IssueLocation(4, "city")])
    }

    /// A label with a letter that is not ASCII at its edge is looked up as it is (and is unknown), not trimmed.
    @Test func aLabelEndingInALetterThatIsNotASCIIIsUnknown() throws {
        let path = try harness.write("accent.csv", csvText([
            ExportRow(caseID: "A-1", venues: "Hotel/Motel; Pornographyé"),
            ExportRow(caseID: "A-2", type: "Sexé"),
            ExportRow(caseID: "A-3", state: "Californiaé"),
            ExportRow(caseID: "A-4", county: "Los Angelesé"),
            ExportRow(caseID: "A-5", gender: "Femaleé"),
        ]))
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(harness.log.issues.count == 5, "\(harness.log.issues)")
        #expect(harness.log.issues.contains { $0.contains(":2:venues:") && $0.contains("\"Pornographyé\"") })
        #expect(harness.log.issues.contains { $0.contains(":3:trafficking_type:") && $0.contains("\"Sexé\"") })
        #expect(harness.log.issues.contains { $0.contains(":4:state:") && $0.contains("\"Californiaé\"") })
        #expect(harness.log.issues.contains { $0.contains(":5:county:") && $0.contains("\"Los Angelesé\"") })
        #expect(harness.log.issues.contains { $0.contains(":6:victim_gender:") && $0.contains("\"Femaleé\"") })
    }

    @Test func aValidFileIsStoredWithItsValuesCodesAndBatch() throws {
        let path = try harness.write("hotline-2021.csv", csvText([
            ExportRow(caseID: "C-1", reportedOn: "2021-03-04", state: "CA", county: "Los Angeles", city: "Pasadena",
                      type: "Sex Trafficking", venues: "Hotel/Motel; Online Ads", victimID: "V1", gender: "F",
                      ageGroup: "Minor", age: "16", citizenship: "US Citizen"),
            ExportRow(caseID: "C-1", reportedOn: "2021-03-04", state: "CA", county: "Los Angeles", city: "Pasadena",
                      type: "Sex Trafficking", venues: "Hotel/Motel; Online Ads", victimID: "V2", gender: "Male",
                      ageGroup: "Adult", citizenship: "Foreign National"),
            ExportRow(caseID: "C-2", reportedOn: "2022-12-31", state: "Texas", type: "Labor", venues: "Agriculture"),
        ]))
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .imported)
        #expect(summary.rowsRead == 3)
        #expect(summary.rowsImported == 3)
        #expect(summary.rowsRejected == 0)
        #expect(summary.casesImported == 2)
        #expect(summary.victimsImported == 2)
        #expect(summary.issueCount == 0)
        #expect(summary.warningCount == 0)
        #expect(summary.sha256.count == 64)
        #expect(harness.log.issues.isEmpty)

        #expect(try harness.storedCase("C-1") == ["2021-03-04", 2021, "CA", "06037", "Pasadena", "sex", 2])
        #expect(try harness.storedCase("C-2") == ["2022-12-31", 2022, "TX", nil, nil, "labor", 4])
        #expect(try harness.venues(of: "C-1") == ["hotel_motel", "online_ad"])
        #expect(try harness.venues(of: "C-2") == ["agriculture"])
        #expect(try harness.victims(of: "C-1") == [
            [1, "V1", "female", "minor", 16, "us_citizen_lpr", 2],
            [2, "V2", "male", "adult", nil, "foreign_national", 3],
        ])
        #expect(try harness.victims(of: "C-2").isEmpty)

        let batches = try harness.batches()
        #expect(batches.count == 1)
        let batch = try #require(batches.first)
        #expect(batch.id == summary.batchID)
        #expect(batch.fileName == "hotline-2021.csv")
        #expect(batch.sha256 == summary.sha256)
        #expect(batch.profile == "hotline")
        #expect(batch.counts == BatchCounts(read: 3, imported: 3, rejected: 0, cases: 2, victims: 2, casesNow: 2))
        #expect(try harness.connection.scalarInt("SELECT count(*) FROM cases WHERE batch_id = ?", batch.id) == 2)
    }

    @Test func progressEndsAtTheFileSize() throws {
        let text = csvText([ExportRow(), ExportRow(caseID: "C-2")])
        let summary = try harness.importText(text)
        #expect(summary.outcome == .imported)
        let last = try #require(harness.log.progress.last)
        #expect(last.0 == text.utf8.count)
        #expect(last.1 == text.utf8.count)
        #expect(last.2 == 2)
    }

    @Test func aMissingFileThrowsAndStoresNothing() throws {
        let path = harness.folder.path("absent.csv")
        let error = #expect(throws: ImportError.self) { try harness.importFile(path) }
        #expect(error == .fileNotFound(path: path))
        #expect(try harness.count("import_batches") == 0)
    }

    @Test func aFolderIsNoFile() throws {
        let error = #expect(throws: ImportError.self) { try harness.importFile(harness.folder.url.path) }
        #expect(error == .fileNotFound(path: harness.folder.url.path))
    }

    @Test func aHeaderOnlyFileImportsNothingButIsRecorded() throws {
        let summary = try harness.importText(csvText([]))
        #expect(summary.outcome == .imported)
        #expect(summary.rowsRead == 0)
        #expect(try harness.count("cases") == 0)
        #expect(try harness.count("import_batches") == 1)
    }

    @Test func anEmptyFileFailsAtLineOne() throws {
        let path = try harness.write("empty.csv", "")
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(1)])
        #expect(try harness.count("import_batches") == 0)
    }

    @Test func formatFollowsTheFileNameUnlessGiven() {
        #expect(ImportFormat.from(path: "a/b.ndjson") == .ndjson)
        #expect(ImportFormat.from(path: "b.JSONL") == .ndjson)
        #expect(ImportFormat.from(path: "b.json") == .ndjson)
        #expect(ImportFormat.from(path: "b.csv") == .csv)
        #expect(ImportFormat.from(path: "b.txt") == .csv)
    }

    @Test func theFormatOptionOverridesTheFileName() throws {
        let path = try harness.write("export.txt", #"{"case_id": "N-1", "reported_on": "2021-01-01", "state": "CA"}"# + "\n")
        let summary = try harness.importFile(path) { $0.format = .ndjson }
        #expect(summary.outcome == .imported)
        #expect(try harness.caseRefs() == ["N-1"])
    }
}
