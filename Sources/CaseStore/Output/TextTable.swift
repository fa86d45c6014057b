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
    public func render() -> String {
        let columnCount = max(headers.count, rows.map(\.count).max() ?? 0)
        var widths = [Int](repeating: 0, count: columnCount)
        for row in [headers] + rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        func line(_ cells: [String]) -> String {
            var text = ""
            for index in 0..<columnCount {
                let cell = index < cells.count ? cells[index] : ""
                let padding = String(repeating: " ", count: widths[index] - cell.count)
                if index > 0 { text += "  " }
                text += rightAligned.contains(index) ? padding + cell : cell + padding
            }
            while text.last == " " { text.removeLast() }
            return text
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        var lines = [line(headers), rule]
        for (index, row) in rows.enumerated() {
            if separatorsBefore.contains(index) { lines.append(rule) }
            lines.append(line(row))
        }
        return lines.joined(separator: "\n")
    }
}
