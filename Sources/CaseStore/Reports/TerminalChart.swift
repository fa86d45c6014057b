/// Horizontal bar charts for the terminal: labels and counts aligned, bars scaled to the width, drawn with Unicode
/// block characters (eighths of a cell) or, with `ascii`, with `#`. A suppressed count shows as "<3" with no bar.
///
///     print(TerminalChart(width: 80, ascii: false).render(report))
public struct TerminalChart: Sendable {
    public let width: Int
    public let ascii: Bool

    /// - Parameter width: the terminal's columns (at least 40 are used).
    public init(width: Int, ascii: Bool) {
        self.width = max(40, width)
        self.ascii = ascii
    }

    /// The terminal width from `COLUMNS`, else 80.
    public static func width(environment: [String: String]) -> Int {
        environment["COLUMNS"].flatMap(Int.init) ?? 80
    }

    public func render(_ report: Report) -> String {
        let title = "\(report.dimensions.map(\.rawValue).joined(separator: " × ")) (\(report.unit.rawValue), "
            + "total \(Report.grouped(report.total)))"
        return title + "\n" + bars(report) + "\n"
    }

    /// The bar lines of a report, without a title.
    func bars(_ report: Report) -> String {
        guard !report.rows.isEmpty else { return "  none" }
        let labels = report.rows.map { $0.cells.map(\.label).joined(separator: " / ") }
        // Counts and percents each right-aligned in their own column.
        let counts = report.rows.map { $0.suppressed ? report.suppression.placeholder : Report.grouped($0.count) }
        let percents = report.rows.map { $0.suppressed ? "" : "\($0.percent)%" }
        let countWidth = counts.map(\.count).max() ?? 0
        let percentWidth = percents.map(\.count).max() ?? 0
        let values = zip(counts, percents).map { count, percent in
            String(repeating: " ", count: countWidth - count.count) + count + "  "
                + String(repeating: " ", count: percentWidth - percent.count) + percent
        }
        let labelWidth = min(labels.map(\.count).max() ?? 0, width / 3)
        let valueWidth = values.map(\.count).max() ?? 0
        let barWidth = max(10, width - labelWidth - valueWidth - 6)
        let largest = report.rows.filter { !$0.suppressed }.map(\.count).max() ?? 0
        return zip(report.rows, zip(labels, values)).map { row, text in
            let label = text.0.count > labelWidth ? String(text.0.prefix(labelWidth - 1)) + "…"
                : text.0 + String(repeating: " ", count: labelWidth - text.0.count)
            let bar = row.suppressed || largest == 0 ? "" : self.bar(eighths: row.count * barWidth * 8 / largest)
            let padding = String(repeating: " ", count: max(0, barWidth - cells(bar)))
            let value = String(repeating: " ", count: valueWidth - text.1.count) + text.1
            let line = "  \(label)  \(bar)\(padding)  \(value)"
            return String(line.reversed().drop(while: { $0 == " " }).reversed())
        }.joined(separator: "\n")
    }

    /// A bar `eighths` eighths of a cell long (at least a sliver for a count above zero).
    func bar(eighths: Int) -> String {
        let length = max(1, eighths)
        if ascii { return String(repeating: "#", count: max(1, (length + 4) / 8)) }
        let partials = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        return String(repeating: "█", count: length / 8) + partials[length % 8]
    }

    /// Terminal cells a bar takes.
    private func cells(_ bar: String) -> Int { bar.count }
}

extension FactSheet {
    /// The fact sheet as terminal bar charts.
    public func chart(width: Int, ascii: Bool) -> String {
        let chart = TerminalChart(width: width, ascii: ascii)
        var lines = ["Hotline fact sheet: \(scope)", "",
                     "Cases: \(Report.grouped(cases))   Victims: \(Report.grouped(victims))"]
        if let countyShare {
            let shown = countyShare.suppressed ? suppression.placeholder : Report.grouped(countyShare.countyCases)
            lines.append("\(countyShare.countyName): \(shown) of \(Report.grouped(countyShare.stateCases)) "
                + "\(countyShare.stateName) cases" + (countyShare.suppressed ? "" : ", \(countyShare.percent)%"))
        }
        for (title, report) in sections {
            lines += ["", "\(title) (base \(Report.grouped(report.total)))", chart.bars(report)]
        }
        lines += ["", notes]
        return lines.joined(separator: "\n") + "\n"
    }
}
