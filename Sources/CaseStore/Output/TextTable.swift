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
        let right = (0..<columnCount).map { rightAligned.contains($0) }
        // Every cell's width once: [row * columnCount + column], the header first.
        var cellWidths = [Int](repeating: 0, count: (rows.count + 1) * columnCount)
        var widths = [Int](repeating: 0, count: columnCount)
        func measure(_ cells: [String], _ row: Int) {
            for (index, cell) in cells.enumerated() {
                let width = Self.width(cell)
                cellWidths[row * columnCount + index] = width
                widths[index] = max(widths[index], width)
            }
        }
        measure(headers, 0)
        for (index, row) in rows.enumerated() { measure(row, index + 1) }
        let rule = Array(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ").utf8)
        var text: [UInt8] = []
        text.reserveCapacity((rule.count + 1) * (rows.count + separatorsBefore.count + 2))
        // Spaces are held back until something follows them on the line, so no line ends in spaces.
        func line(_ cells: [String], _ row: Int) {
            var spaces = 0
            for index in 0..<columnCount {
                let padding = widths[index] - cellWidths[row * columnCount + index]
                if index > 0 { spaces += 2 }
                if right[index] { spaces += padding }
                if index < cells.count && !cells[index].isEmpty {
                    for _ in 0..<spaces { text.append(UInt8(ascii: " ")) }
                    spaces = 0
                    text.append(contentsOf: cells[index].utf8)
                }
                if !right[index] { spaces += padding }
            }
        }
        line(headers, 0)
        text.append(UInt8(ascii: "\n"))
        text.append(contentsOf: rule)
        for (index, row) in rows.enumerated() {
            if separatorsBefore.contains(index) {
                text.append(UInt8(ascii: "\n"))
                text.append(contentsOf: rule)
            }
            text.append(UInt8(ascii: "\n"))
            line(row, index + 1)
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// The cell's width in characters (counted as bytes when it is ASCII).
    static func width(_ cell: String) -> Int {
        let ascii = cell.utf8.withContiguousStorageIfAvailable { bytes in bytes.allSatisfy { $0 < 0x80 } }
            ?? cell.utf8.allSatisfy { $0 < 0x80 }
        return ascii ? cell.utf8.count : cell.count
    }
}
