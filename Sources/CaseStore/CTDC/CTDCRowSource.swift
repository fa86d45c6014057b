import CSV
import SQLite
import Foundation

/// The data rows of a CTDC CSV file, as fields: the delimiter sniffed from the header line (`,` or `;`), the header
/// read by ``CTDCHeader``, a warning for each column the mapping ignores, blank lines skipped.
///
///     var source = try CTDCRowSource(path: "ctdc.csv", encoding: .utf8)
///     while let row = try source.next() { mapping.map(fields: row.fields, line: row.line) ... }
struct CTDCRowSource {
    private var reader: CSVReader
    private let encoding: TextEncoding
    let header: CTDCHeader
    /// The header fields as read, for the rejects file.
    let headerFields: [String]
    let delimiter: UInt8
    /// One per ignored column (and one naming the optional columns the file lacks), line 1.
    let warnings: [RowIssue]

    var bytesConsumed: Int { reader.bytesConsumed }

    /// One data row: its fields decoded, or the problems that kept it from being decoded.
    struct Row {
        var line: Int
        /// 1 for the first data row, counting rows, not lines (a quoted field may span lines; blank lines are
        /// not rows).
        var number: Int
        var fields: [String]
        var issues: [RowIssue]
    }

    private var rowsRead = 0

    /// Opens `path`, sniffs its delimiter and reads its header.
    /// - Throws: `FileIssue` for an unreadable or empty file, a header that is not valid text, a duplicated or
    ///   missing required column.
    init(path: String, encoding: TextEncoding) throws(FileIssue) {
        delimiter = CTDCHeader.sniffDelimiter(Self.firstBytes(path))
        let opened = try CSVRowSource.open(path: path, delimiter: delimiter, encoding: encoding)
        reader = opened.reader
        self.encoding = encoding
        let fields = opened.header
        header = try CTDCHeader(fields: fields)
        headerFields = header.names
        var warnings = header.ignoredColumns.map {
            RowIssue(line: 1, column: $0, message: "warning: column not used by the ctdc profile, ignored")
        }
        if !header.absentOptionalColumns.isEmpty {
            warnings.append(RowIssue(
                line: 1, column: "",
                message: "warning: optional CTDC columns absent, counted as flags never set: "
                    + header.absentOptionalColumns.joined(separator: ", ")))
        }
        self.warnings = warnings
    }

    /// The first line's bytes (at most 1 MiB), for the delimiter.
    private static func firstBytes(_ path: String) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else { return [] }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: 1 << 20) else { return [] }
        return [UInt8](data)
    }

    /// The next data row, or nil at the end.
    /// - Throws: `FileIssue` when the rest of the file cannot be read (a CSV syntax error).
    mutating func next() throws(FileIssue) -> Row? {
        guard let record = try CSVRowSource.nextDataRecord(&reader, headerCount: header.fieldCount) else {
            return nil
        }
        rowsRead += 1
        var fields: [String] = []
        fields.reserveCapacity(record.count)
        var issues: [RowIssue] = []
        for index in 0..<record.count {
            if let text = record.string(index, encoding: encoding) {
                fields.append(text)
            } else {
                fields.append("")
                let column = index < header.names.count ? header.names[index] : "field \(index + 1)"
                issues.append(RowIssue(line: record.line, column: column,
                                       message: "not valid \(encoding.rawValue) text (use --encoding to name the file's encoding)"))
            }
        }
        return Row(line: record.line, number: rowsRead, fields: fields, issues: issues)
    }

    /// Re-reads the file from the start and calls `body` with every data record (blank lines skipped).
    static func forEachRecord(path: String, source: CTDCRowSource, _ body: (CSVRecord) throws -> Void) throws {
        var reader = try CSVReader(path: path, delimiter: source.delimiter)
        _ = try reader.next()  // the header
        while let record = try reader.next() {
            if record.count == 1 && source.header.fieldCount > 1 && record.isEmpty(0) { continue }
            try body(record)
        }
    }
}

extension CTDCCountries {
    /// The countries of the database's `countries` table (migration 0004), without `ZZ`, which stands there for
    /// an unknown country and is read as unknown (``CTDCCountries/unknownTokens``).
    static func load(_ db: Connection) throws -> CTDCCountries {
        let statement = try db.prepare("SELECT code, alpha3 FROM countries WHERE code <> ?")
        try statement.bind(CTDCMapping.unknownCountry, at: 1)
        var alpha2: Set<String> = []
        var alpha3: [String: String] = [:]
        while try statement.step() {
            guard let code = statement.string(0), let three = statement.string(1) else { continue }
            alpha2.insert(code)
            alpha3[three] = code
        }
        return CTDCCountries(alpha2: alpha2, alpha3ToAlpha2: alpha3)
    }
}

extension CTDCMapping {
    /// The `cases.country` of a victim whose country of exploitation is unknown: `ZZ`, ISO 3166-1's user-assigned
    /// code that CLDR uses for "Unknown Region" (a row of `countries` since migration 0004, named "Unknown").
    public static let unknownCountry = "ZZ"

    /// A mapped victim as the case and victim rows htdb stores: one case with one victim, no date, no state.
    static func records(_ victim: CTDCVictim, caseRef: String) -> (CaseRecord, VictimRecord) {
        var venueIDs = VenueSet()
        for id in victim.venues.compactMap({ Venue.named(code: $0)?.id }) { venueIDs.insert(id) }
        let caseRecord = CaseRecord(
            caseRef: caseRef, reportedOn: "", year: victim.year, state: "", countyFIPS: nil, city: nil,
            traffickingType: TraffickingType(rawValue: victim.traffickingType) ?? .notSpecified, venueIDs: venueIDs,
            country: victim.country ?? unknownCountry)
        let victimRecord = VictimRecord(
            ref: nil, gender: victim.gender, ageGroup: victim.ageGroup, age: nil,
            citizenship: Citizenship(rawValue: victim.citizenship) ?? .unknown, nationality: victim.nationality)
        return (caseRecord, victimRecord)
    }
}
