import Foundation

extension FactSheet {
    /// One self-contained HTML file (XHTML-compatible markup): no script, no external font, image or stylesheet.
    /// Each breakdown is a horizontal bar chart in inline SVG — every bar labelled with its count and percent, bar
    /// lengths proportional to counts, suppressed cells drawn as "<3" with no bar — followed by the same figures as
    /// a table for screen readers. It names the scope, the data source (batches and their files), the date made,
    /// and the hotline's caveat. All text is escaped.
    public func html(sources: [ImportBatch], generatedAt: Date) -> String {
        var body: [String] = []
        body.append("<h1>Hotline fact sheet: \(Self.escape(scope))</h1>")
        var facts = "<p class=\"totals\"><strong>\(Report.grouped(cases))</strong> cases, "
            + "<strong>\(Report.grouped(victims))</strong> victims"
        if let share = countyShare {
            let county = share.suppressed ? suppression.placeholder : Report.grouped(share.countyCases)
            facts += ". \(Self.escape(share.countyName)): \(Self.escape(county)) of \(Report.grouped(share.stateCases)) "
                + "\(Self.escape(share.stateName)) cases" + (share.suppressed ? "" : " (\(share.percent)%)")
        }
        body.append(facts + ".</p>")
        if let share = countyShare, !share.suppressed {
            body.append(Self.shareSVG(share))
        }
        for (index, (title, report)) in sections.enumerated() {
            body.append("<section>")
            body.append("<h2 id=\"chart-\(index)\">\(Self.escape(title))</h2>")
            body.append("<p class=\"base\">Base: \(Report.grouped(report.total)) \(report.unit.rawValue)</p>")
            body.append(barsSVG(report, labelledBy: "chart-\(index)"))
            body.append(table(report, caption: title))
            body.append("</section>")
        }
        body.append("<footer>")
        body.append("<p>\(Self.escape(sourcesLine))</p>")
        if hasCTDCData { body.append("<p class=\"ctdc\">\(Self.escape(Self.ctdcNote))</p>") }
        body.append("<p>\(Self.escape(notes))</p>")
        body.append("<p>Filters: \(Self.escape(filterText)).</p>")
        if sources.isEmpty {
            body.append("<p>Data source: no import batches.</p>")
        } else {
            body.append("<p>Data source: " + sources.map { batch in
                "\(Self.escape(batch.fileName)) (batch \(batch.id), imported \(Self.escape(batch.importedAt)), "
                    + "\(Report.grouped(batch.casesNow)) cases)"
            }.joined(separator: "; ") + ".</p>")
        }
        body.append("<p>Made by htdb on \(Self.escape(Self.isoDate(generatedAt))).</p>")
        body.append("</footer>")
        return """
            <!DOCTYPE html>
            <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
            <head>
            <meta charset="utf-8"/>
            <meta name="viewport" content="width=device-width, initial-scale=1"/>
            <title>Hotline fact sheet: \(Self.escape(scope))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            \(body.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    private var filterText: String {
        let members = filters.jsonMembers()
        return members.isEmpty ? "none" : members.map { "\($0.0) \($0.1.replacingOccurrences(of: "\"", with: ""))" }
            .joined(separator: ", ")
    }

    static let barArea = 320.0
    static let labelArea = 250.0
    static let rowHeight = 24.0

    /// Horizontal bars: label, bar (length ∝ count), "count (percent%)"; a suppressed row has "<3" and no bar.
    private func barsSVG(_ report: Report, labelledBy id: String) -> String {
        guard !report.rows.isEmpty else { return "<p>None.</p>" }
        let largest = Double(report.rows.filter { !$0.suppressed }.map(\.count).max() ?? 0)
        let width = Self.labelArea + Self.barArea + 130
        let height = Self.rowHeight * Double(report.rows.count) + 4
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"bars\" role=\"img\" aria-labelledby=\"\(id)\" "
            + "width=\"\(Self.number(width))\" height=\"\(Self.number(height))\" "
            + "viewBox=\"0 0 \(Self.number(width)) \(Self.number(height))\">"
        for (index, row) in report.rows.enumerated() {
            let y = Double(index) * Self.rowHeight
            let label = row.cells.map(\.label).joined(separator: " / ")
            svg += "<g class=\"row\">"
            svg += "<text x=\"\(Self.number(Self.labelArea - 8))\" y=\"\(Self.number(y + 16))\" text-anchor=\"end\">"
                + "\(Self.escape(label))</text>"
            if row.suppressed {
                svg += "<text class=\"value\" x=\"\(Self.number(Self.labelArea))\" y=\"\(Self.number(y + 16))\">"
                    + "\(Self.escape(suppression.placeholder))</text>"
            } else {
                let length = largest > 0 ? Double(row.count) / largest * Self.barArea : 0
                svg += "<rect x=\"\(Self.number(Self.labelArea))\" y=\"\(Self.number(y + 4))\" "
                    + "width=\"\(Self.number(length))\" height=\"16\" data-count=\"\(row.count)\"/>"
                svg += "<text class=\"value\" x=\"\(Self.number(Self.labelArea + length + 6))\" "
                    + "y=\"\(Self.number(y + 16))\">\(Report.grouped(row.count)) (\(row.percent)%)</text>"
            }
            svg += "</g>"
        }
        return svg + "</svg>"
    }

    /// The county's share of its state as one bar of the state's width.
    private static func shareSVG(_ share: CountyShare) -> String {
        let length = share.stateCases > 0 ? Double(share.countyCases) / Double(share.stateCases) * barArea * 1.5 : 0
        let total = barArea * 1.5
        return "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"share\" role=\"img\" "
            + "aria-label=\"\(escape(share.countyName)): \(share.countyCases) of \(share.stateCases) cases\" "
            + "width=\"\(number(total + 4))\" height=\"24\" viewBox=\"0 0 \(number(total + 4)) 24\">"
            + "<rect class=\"state\" x=\"0\" y=\"2\" width=\"\(number(total))\" height=\"18\"/>"
            + "<rect x=\"0\" y=\"2\" width=\"\(number(length))\" height=\"18\" data-count=\"\(share.countyCases)\"/>"
            + "</svg>"
    }

    private func table(_ report: Report, caption: String) -> String {
        var html = "<table><caption>\(Self.escape(caption))</caption>"
        html += "<thead><tr><th scope=\"col\">\(Self.escape(report.dimensions.map(\.rawValue).joined(separator: " / ")))"
            + "</th><th scope=\"col\">\(report.unit.rawValue)</th><th scope=\"col\">percent</th></tr></thead><tbody>"
        for row in report.rows {
            let count = row.suppressed ? suppression.placeholder : Report.grouped(row.count)
            html += "<tr><th scope=\"row\">\(Self.escape(row.cells.map(\.label).joined(separator: " / ")))</th>"
                + "<td>\(Self.escape(count))</td><td>\(row.suppressed ? "" : "\(row.percent)%")</td></tr>"
        }
        html += "<tr class=\"base\"><th scope=\"row\">Base</th><td>\(Report.grouped(report.total))</td><td></td></tr>"
        return html + "</tbody></table>"
    }

    /// Escapes text for HTML and XML: & < > " '.
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A coordinate with at most one decimal.
    static func number(_ value: Double) -> String {
        let tenths = (value * 10).rounded()
        return tenths.truncatingRemainder(dividingBy: 10) == 0 ? String(Int(tenths / 10)) : String(tenths / 10)
    }

    static func isoDate(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        return formatter.string(from: date)
    }

    static let css = """
        body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a;\
        max-width:820px;margin:24px auto;padding:0 16px;line-height:1.4}\
        h1{font-size:1.5em;margin-bottom:.2em}h2{font-size:1.1em;margin:1.4em 0 .2em}\
        .totals{font-size:1.1em}.base{color:#555;margin:.1em 0 .4em;font-size:.9em}\
        svg.bars text,svg.share text{font-size:13px;fill:#1a1a1a}svg rect{fill:#2f6690}svg rect.state{fill:#d9e4ec}\
        svg text.value{fill:#333}\
        table{border-collapse:collapse;margin:.5em 0 0;font-size:.85em}\
        caption{position:absolute;left:-9999px}th,td{padding:2px 10px;text-align:left;border-bottom:1px solid #ddd}\
        td{text-align:right}tr.base th,tr.base td{font-weight:bold}\
        footer{margin-top:2em;color:#444;font-size:.85em;border-top:1px solid #ccc}\
        section{break-inside:avoid;page-break-inside:avoid}\
        @page{size:A4;margin:15mm}@media print{body{margin:0;max-width:none}table{display:none}}
        """
}
