import CSV
import Foundation

/// The formats import reads.
public enum ImportFormat: String, Sendable, CaseIterable {
    case csv
    case ndjson

    /// The format a file name implies: `.ndjson`, `.jsonl` and `.json` are NDJSON, everything else CSV.
    public static func from(path: String) -> ImportFormat {
        switch (path as NSString).pathExtension.lowercased() {
        case "ndjson", "jsonl", "json": .ndjson
        default: .csv
        }
    }
}

/// One record of a file (a CSV row or an NDJSON line): the rows it holds and what is wrong with it as a record.
struct SourceRecord: Sendable {
    var line: Int
    /// One row per victim (CSV: always one). Empty when the record could not be read at all.
    var rows: [RawRow]
    /// Problems with the record itself (field count, encoding, JSON syntax and types).
    var issues: [RowIssue]
    /// The case reference as the source read it; a CSV source leaves it to the first row (read when asked).
    var readCaseRef: String?

    init(line: Int, rows: [RawRow], issues: [RowIssue], caseRef: String?) {
        self.line = line
        self.rows = rows
        self.issues = issues
        readCaseRef = caseRef
    }

    /// The case reference, when one could be read (used to reject every row of a case).
    var caseRef: String? {
        readCaseRef ?? rows.first?[.caseID].map(RowValidator.trim).flatMap { $0.isEmpty ? nil : $0 }
    }
}

/// A problem that stops a whole file before or while its rows are read (a missing column, a CSV syntax error).
public struct FileIssue: Error, Equatable, Sendable {
    public var line: Int
    public var column: String
    public var message: String
}

/// Reads export records one at a time from a CSV or NDJSON file.
protocol RowSource {
    /// Header warnings (unknown columns), known once the source is open.
    var warnings: [RowIssue] { get }
    /// The next record, or nil at the end.
    /// - Throws: `FileIssue` when the rest of the file cannot be read.
    mutating func next() throws(FileIssue) -> SourceRecord?
    var bytesConsumed: Int { get }
}

// MARK: - CSV

/// Export rows from a CSV file: header matching by the profile, one row per record.
struct CSVRowSource: RowSource {
    private var reader: CSVReader
    private let encoding: TextEncoding
    /// For each export column, its field index in the file (nil when the file has no such column).
    private let fieldMap: FieldMap
    /// How issues name each export column: the file's header spelling where the file has the column.
    let columnNames: [String]
    let headerCount: Int
    /// The header fields as read, for the rejects file.
    let header: [String]
    private(set) var warnings: [RowIssue] = []

    var bytesConsumed: Int { reader.bytesConsumed }

    /// Opens `path` and reads its header.
    /// - Throws: `FileIssue` for an unreadable or empty file, a duplicated or missing required column.
    init(path: String, profile: Profile, encoding: TextEncoding) throws(FileIssue) {
        let opened = try Self.open(path: path, encoding: encoding)
        reader = opened.reader
        self.encoding = encoding
        let header = opened.header.map(RowValidator.trim)
        self.header = header
        headerCount = header.count

        var positions: [String: Int] = [:]
        for (index, name) in header.enumerated() {
            let key = LabelMap<String>.key(name)
            if let first = positions[key], !key.isEmpty {
                throw FileIssue(line: 1, column: name, message: "duplicate column (also column \(first + 1))")
            }
            positions[key] = index
        }
        var fieldMap = FieldMap()
        var names = ExportColumn.allCases.map(\.rawValue)
        for column in ExportColumn.allCases {
            let wanted = profile.header(for: column)
            if let index = positions[LabelMap<String>.key(wanted)] {
                fieldMap[column] = index
                names[column.index] = header[index]
            }
        }
        let missing = ExportColumn.allCases.filter { $0.isRequired && fieldMap[$0] == nil }
        if let first = missing.first {
            let list = missing.map { profile.header(for: $0) }.joined(separator: ", ")
            throw FileIssue(line: 1, column: profile.header(for: first),
                            message: "required column is missing (missing: \(list)); no row was read")
        }
        let used = Set(ExportColumn.allCases.compactMap { fieldMap[$0] })
        for (index, name) in header.enumerated() where !used.contains(index) {
            warnings.append(RowIssue(line: 1, column: name.isEmpty ? "\(index + 1)" : name,
                                     message: "warning: unknown column, ignored"))
        }
        self.fieldMap = fieldMap
        columnNames = names
    }

    /// Opens `path` and reads its header record, each field decoded (not trimmed).
    /// - Throws: `FileIssue` for an unreadable or empty file, or a header that is not valid text in `encoding`.
    static func open(path: String, delimiter: UInt8 = UInt8(ascii: ","), encoding: TextEncoding)
        throws(FileIssue) -> (reader: CSVReader, header: [String]) {
        var reader: CSVReader
        do {
            reader = try CSVReader(path: path, delimiter: delimiter)
        } catch {
            throw FileIssue(line: 0, column: "", message: "cannot read the file: \(error.message)")
        }
        let first: CSVRecord?
        do {
            first = try reader.next()
        } catch {
            throw fileIssue(error)
        }
        guard let headerRecord = first else {
            throw FileIssue(line: 1, column: "", message: "the file is empty; the first line must be the header")
        }
        var header: [String] = []
        for index in 0..<headerRecord.count {
            guard let name = headerRecord.string(index, encoding: encoding) else {
                throw FileIssue(line: 1, column: "\(index + 1)", message: "the header is not valid \(encoding.rawValue) "
                    + "(use --encoding to name the file's encoding)")
            }
            header.append(name)
        }
        return (reader, header)
    }

    static func fileIssue(_ error: CSVError) -> FileIssue {
        FileIssue(line: error.line ?? 0, column: error.column.map { "field \($0)" } ?? "",
                  message: "\(error.message); the rest of the file cannot be read")
    }

    mutating func next() throws(FileIssue) -> SourceRecord? {
        // Not `.map(convert)`: the partial application copied the source (a retain of each of its arrays) per record.
        guard let record = try Self.nextDataRecord(&reader, headerCount: headerCount) else { return nil }
        return convert(record)
    }

    /// The next record that is not a blank line (a blank line holds no data: it is not a row), or nil at the end.
    /// - Throws: `FileIssue` when the rest of the file cannot be read.
    static func nextDataRecord(_ reader: inout CSVReader, headerCount: Int) throws(FileIssue) -> CSVRecord? {
        while true {
            let record: CSVRecord
            do {
                guard let next = try reader.next() else { return nil }
                record = next
            } catch {
                throw fileIssue(error)
            }
            if record.count == 1 && headerCount > 1 && record.isEmpty(0) { continue }
            return record
        }
    }

    /// The record as export columns. Fields of the wrong count or encoding become record issues.
    func convert(_ record: CSVRecord) -> SourceRecord {
        guard record.count == headerCount else {
            let caseRef = fieldMap[.caseID].flatMap { index in
                index < record.count ? record.string(index, encoding: encoding).map(RowValidator.trim) : nil
            }
            return SourceRecord(
                line: record.line, rows: [],
                issues: [RowIssue(line: record.line, column: "",
                                  message: "the row has \(record.count) fields; the header has \(headerCount)")],
                caseRef: caseRef.flatMap { $0.isEmpty ? nil : $0 })
        }
        var issues: [RowIssue] = []
        var caseFieldValid = false
        // UTF-8 rows are checked from the record's bytes, read in place; other encodings are decoded to strings.
        var values = encoding == .utf8 ? nil : [String?](repeating: nil, count: ExportColumn.allCases.count)
        // Valid UTF-8 across the whole record is valid in every field; otherwise each field the row uses is checked
        // (a bad byte in an ignored column rejects nothing).
        if values != nil || !record.withAllFields({ encoding.isValid($0) }) {
            for export in ExportColumn.allCases {
                guard let index = fieldMap[export] else { continue }
                let column = export.index
                let valid: Bool
                if values == nil {
                    valid = record.withField(index) { encoding.isValid($0) }
                } else {
                    values?[column] = record.string(index, encoding: encoding)
                    valid = values?[column] != nil
                }
                if column == ExportColumn.caseID.index { caseFieldValid = valid }
                if !valid {
                    issues.append(RowIssue(line: record.line, column: columnNames[column],
                                           message: "not valid \(encoding.rawValue) text (use --encoding to name the file's encoding)"))
                }
            }
        }
        let row = values.map { RawRow(line: record.line, values: $0, columnNames: columnNames) }
            ?? RawRow(line: record.line, record: record, fieldMap: fieldMap, columnNames: columnNames)
        // A row that is read has its case reference from the validator (RecordReader) or from `caseRef` when asked;
        // only a record refused here is given it now.
        let caseRef = caseFieldValid && !issues.isEmpty
            ? row[.caseID].map(RowValidator.trim).flatMap { $0.isEmpty ? nil : $0 } : nil
        return SourceRecord(line: record.line, rows: issues.isEmpty ? [row] : [], issues: issues, caseRef: caseRef)
    }

    /// Re-reads the file from the start and calls `body` with every data record and its conversion.
    static func forEachRecord(
        path: String, source: CSVRowSource, _ body: (CSVRecord, SourceRecord) throws -> Void
    ) throws {
        var reader = try CSVReader(path: path)
        _ = try reader.next()  // the header
        while let record = try reader.next() {
            if record.count == 1 && source.headerCount > 1 && record.isEmpty(0) { continue }
            try body(record, source.convert(record))
        }
    }
}
