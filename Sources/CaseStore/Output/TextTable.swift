/// Plain-text table with aligned columns, for terminal output.
///
///     var table = TextTable(headers: ["code", "label"], rightAligned: [])
///     table.append(["sex", "Sex"])
///     print(table.render())
public struct TextTable: Sendable {
    public let headers: [String]
    /// Columns (by index) aligned to the right, such as counts.
    public let rightAligned: Set<Int>
    private(set) var rows: [[String]] = []
    private var separatorsBefore: Set<Int> = []

    public init(headers: [String], rightAligned: Set<Int> = []) {
        self.headers = headers
        self.rightAligned = rightAligned
    }

    public mutating func append(_ row: [String]) {
        rows.append(row)
    }

    /// Draws a rule above the next appended row (for a total row).
    public mutating func appendSeparator() {
        separatorsBefore.insert(rows.count)
    }

    /// The table as lines of text, header first, columns separated by two spaces, no trailing spaces.
    ///
    /// Written into one byte buffer: a report by county and gender has over ten thousand rows, and padding each cell
    /// with a string of its own was a quarter of such a report's time.
    public func render() -> String {
        let columnCount = max(headers.count, rows.map(\.count).max() ?? 0)
        var widths = [Int](repeating: 0, count: columnCount)
        for row in [headers] + rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], Self.width(cell)) }
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        var text: [UInt8] = []
        text.reserveCapacity((rule.utf8.count + 1) * (rows.count + separatorsBefore.count + 2))
        // Spaces are held back until something follows them on the line, so no line ends in spaces.
        func line(_ cells: [String]) {
            var spaces = 0
            for index in 0..<columnCount {
                let cell = index < cells.count ? cells[index] : ""
                let padding = widths[index] - Self.width(cell)
                let right = rightAligned.contains(index)
                if index > 0 { spaces += 2 }
                if right { spaces += padding }
                if !cell.isEmpty {
                    text.append(contentsOf: repeatElement(UInt8(ascii: " "), count: spaces))
                    spaces = 0
                    text.append(contentsOf: cell.utf8)
                }
                if !right { spaces += padding }
            }
        }
        line(headers)
        text.append(UInt8(ascii: "\n"))
        text.append(contentsOf: rule.utf8)
        for (index, row) in rows.enumerated() {
            if separatorsBefore.contains(index) {
                text.append(UInt8(ascii: "\n"))
                text.append(contentsOf: rule.utf8)
            }
            text.append(UInt8(ascii: "\n"))
            line(row)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The cell's width in characters (counted as bytes when it is ASCII).
    private static func width(_ cell: String) -> Int {
        cell.utf8.allSatisfy { $0 < 0x80 } ? cell.utf8.count : cell.count
    }
}
