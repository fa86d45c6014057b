import Foundation
import SQLite

/// Streams query rows to a file descriptor in one of five formats. Values print faithfully: NULL is distinct from
/// empty text (table and Markdown: `NULL`; CSV: an empty unquoted field, while empty text is `""`; JSON: null),
/// and a blob prints as hex, `x'00ff'`.
public final class QueryOutput {
    public enum Format: String, Sendable, CaseIterable {
        case table, csv, json, ndjson, markdown
    }

    /// Rows the table format reads before it sizes its columns; later rows keep those widths.
    public static let tableSizingRows = 1000

    public let format: Format
    private let sink: ByteSink
    private var columns: [String] = []
    private var buffered: [[String]] = []
    private var widths: [Int] = []
    /// `"column": ` for each column, for JSON and NDJSON.
    private var jsonKeys: [[UInt8]] = []
    private var tableStarted = false
    private var wroteRow = false
    /// A note for stderr after the output (the table's sizing).
    public private(set) var note: String?

    public init(format: Format, fileDescriptor: Int32, label: String) {
        self.format = format
        sink = ByteSink(descriptor: fileDescriptor, label: label)
    }

    func begin(columns: [String]) throws {
        self.columns = columns
        jsonKeys = columns.map { Array("\(JSONText.quote($0)): ".utf8) }
        switch format {
        case .csv: try sink.write(columns.map(Report.csvField).joined(separator: ",") + "\r\n")
        case .json: try sink.write("[")
        case .markdown:
            try sink.write("| " + columns.map(Report.markdownCell).joined(separator: " | ") + " |\n")
            try sink.write("|" + columns.map { _ in "---" }.joined(separator: "|") + "|\n")
        case .table, .ndjson: break
        }
    }

    func row(_ values: [SQLValue]) throws {
        switch format {
        case .csv:
            try sink.write(values.map(Self.csvValue).joined(separator: ",") + "\r\n")
        case .json:
            try writeJSONObject(values, before: wroteRow ? ",\n" : "\n", after: "")
        case .ndjson:
            try writeJSONObject(values, before: "", after: "\n")
        case .markdown:
            try sink.write("| " + values.map { Report.markdownCell(Self.text($0)) }.joined(separator: " | ") + " |\n")
        case .table:
            let cells = values.map(Self.text)
            if tableStarted {
                try writeTableRow(cells)
            } else {
                buffered.append(cells)
                if buffered.count >= Self.tableSizingRows { try startTable() }
            }
        }
        wroteRow = true
    }

    func finish(rows: Int) throws {
        switch format {
        case .json: try sink.write(wroteRow ? "\n]\n" : "]\n")
        case .table:
            if !tableStarted { try startTable() }
            if rows > Self.tableSizingRows {
                note = "(\(rows) rows; column widths were set from the first \(Self.tableSizingRows) rows)"
            } else {
                note = "(\(rows) row\(rows == 1 ? "" : "s"))"
            }
        default: break
        }
        try sink.flush()
    }

    // MARK: - Table

    private func startTable() throws {
        tableStarted = true
        widths = columns.map(TextTable.width)
        for row in buffered {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], TextTable.width(cell))
            }
        }
        try writeTableRow(columns)
        try sink.write(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n")
        for row in buffered { try writeTableRow(row) }
        buffered = []
    }

    private func writeTableRow(_ cells: [String]) throws {
        try sink.write { out in
            for (index, cell) in cells.enumerated() {
                if index > 0 { out.append(contentsOf: "  ".utf8) }
                out.append(contentsOf: cell.utf8)
                guard index < cells.count - 1 else { break }
                let width = index < widths.count ? widths[index] : 0
                for _ in 0..<max(0, width - TextTable.width(cell)) { out.append(UInt8(ascii: " ")) }
            }
            out.append(UInt8(ascii: "\n"))
        }
    }

    // MARK: - Values

    static func hex(_ data: Data) -> String {
        "x'" + data.map { String(format: "%02x", $0) }.joined() + "'"
    }

    /// For table and Markdown: NULL as `NULL`, line breaks kept out of the layout.
    static func text(_ value: SQLValue) -> String {
        switch value {
        case .null: "NULL"
        case .integer(let number): String(number)
        case .real(let number): number.description
        case .text(let string) where !string.utf8.contains(where: { $0 == 0x0A || $0 == 0x0D }):
            string
        case .text(let string):
            string.replacingOccurrences(of: "\r\n", with: "\\n").replacingOccurrences(of: "\n", with: "\\n")
                .replacingOccurrences(of: "\r", with: "\\r")
        case .blob(let data): hex(data)
        }
    }

    /// NULL is an empty field; empty text is `""`, so the two stay distinct.
    static func csvValue(_ value: SQLValue) -> String {
        switch value {
        case .null: ""
        case .text(let string) where string.isEmpty: "\"\""
        case .text(let string): Report.csvField(string)
        case .integer(let number): String(number)
        case .real(let number): number.description
        case .blob(let data): hex(data)
        }
    }

    /// `before`, the row as one JSON object, `after`, written as bytes.
    private func writeJSONObject(_ values: [SQLValue], before: String, after: String) throws {
        try sink.write { out in
            out.append(contentsOf: before.utf8)
            out.append(UInt8(ascii: "{"))
            for (index, value) in values.enumerated() where index < jsonKeys.count {
                if index > 0 { out.append(contentsOf: ", ".utf8) }
                out.append(contentsOf: jsonKeys[index])
                if case .text(let string) = value {
                    JSONText.append(string, to: &out)
                } else {
                    out.append(contentsOf: Self.json(value).utf8)
                }
            }
            out.append(UInt8(ascii: "}"))
            out.append(contentsOf: after.utf8)
        }
    }

    static func json(_ value: SQLValue) -> String {
        switch value {
        case .null: "null"
        case .integer(let number): String(number)
        case .real(let number): number.isFinite ? number.description : "null"
        case .text(let string): JSONText.quote(string)
        case .blob(let data): JSONText.quote(hex(data))
        }
    }
}
