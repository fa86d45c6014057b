import CaseStore
import Foundation
import FoundationXML
import SQLite
import Testing

/// The fact sheet as HTML and as terminal charts, on the bundled California sample.
@Suite("Charts and the HTML fact sheet")
struct ChartTests {
    let harness: ImportHarness

    init() throws {
        harness = try ImportHarness()
        let path = try harness.write(CaliforniaSample.fileName, bytes: CaliforniaSample.csv())
        let summary = try harness.importFile(path) { $0.today = (2026, 1, 1) }
        precondition(summary.outcome == .imported)
    }

    private var laFilters: ReportFilters { ReportFilters(years: 2021...2021, state: "CA", countyFIPS: "06037") }

    private func sheet(_ filters: ReportFilters? = nil, minCount: Int = 3) throws -> FactSheet {
        let db = try harness.connection
        return try FactSheet.make(filters: filters ?? laFilters, suppression: Suppression(minCount: minCount), in: db,
                                  geography: try Geography(db))
    }

    private func html(_ sheet: FactSheet) throws -> String {
        sheet.render(.html, sources: try ImportBatch.all(try harness.connection),
                     generatedAt: Date(timeIntervalSince1970: 1_700_000_000))
    }

    /// Parses markup as XML (XHTML-compatible), collecting every <rect> with a data-count and the page's text.
    final class Collector: NSObject, XMLParserDelegate {
        var bars: [(count: Int, width: Double)] = []
        var text = ""
        var elements: Set<String> = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            elements.insert(name)
            if name == "rect", let count = attributes["data-count"].flatMap(Int.init),
               let width = attributes["width"].flatMap(Double.init) {
                bars.append((count, width))
            }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    }

    private func parse(_ markup: String) throws -> Collector {
        // The doctype line is HTML5's; the rest must parse as XML.
        let xml = markup.replacingOccurrences(of: "<!DOCTYPE html>\n", with: "")
        let parser = XMLParser(data: Data(xml.utf8))
        let collector = Collector()
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed: \(parser.parserError.map { "\($0)" } ?? "")")
        return collector
    }

    @Test func theHTMLIsWellFormedSelfContainedAndHoldsTheFigures() throws {
        let sheet = try sheet()
        let markup = try html(sheet)
        let page = try parse(markup)
        #expect(!page.elements.contains("script"))
        #expect(!page.elements.contains("link"))
        #expect(!page.elements.contains("img"))
        #expect(!markup.contains("http://") || !markup.replacingOccurrences(of: "http://www.w3.org/", with: "").contains("http://"))
        #expect(!markup.contains("https://"))
        #expect(page.elements.isSuperset(of: ["svg", "table", "caption"]))
        for expected in ["433", "500", "1,334", "32.5%", "342 (79.0%)", "435 (87.0%)", "245 (49.0%)", "120 (24.0%)",
                         "describe cases reported to the hotline, not the full extent of trafficking", "hotline-2021-california.csv",
                         "2023-11-14"] {
            #expect(page.text.contains(expected), "missing \(expected)")
        }
    }

    @Test func barWidthsAreProportionalToCounts() throws {
        let page = try parse(try html(try sheet()))
        // Within each chart the longest bar is the largest count; every bar's width / count is that chart's ratio.
        // Across charts ratios differ, so check each bar against some chart ratio: width = count × ratio, ±0.1.
        #expect(page.bars.count > 20)
        let ratios = Set(page.bars.map { ($0.width / Double($0.count) * 1000).rounded() })
        for bar in page.bars {
            let fits = ratios.contains { abs(bar.width - Double(bar.count) * $0 / 1000) <= 0.15 + Double(bar.count) * 0.001 }
            #expect(fits)
        }
        // The type chart: 342, 52, 39 over a 320-unit bar area.
        let types = page.bars.filter { [342, 52, 39].contains($0.count) }
        for bar in types where bar.count != 52 || bar.width < 200 {
            #expect(abs(bar.width - Double(bar.count) / 342 * 320) < 0.1)
        }
    }

    @Test func theNumbersInTheHTMLEqualTheJSONSummary() throws {
        let sheet = try sheet()
        let page = try parse(try html(sheet))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(sheet.json().utf8)) as? [String: Any])
        for key in ["by_type", "sex_venues", "labor_industries", "victims_by_gender", "victims_by_age_group",
                    "victims_by_citizenship"] {
            let report = try #require(json[key] as? [String: Any])
            for row in try #require(report["rows"] as? [[String: Any]]) {
                guard let count = row["count"] as? Int, let percent = row["percent"] as? Double else { continue }
                let shown = "\(count.formatted(.number.grouping(.automatic)).replacingOccurrences(of: "\u{202F}", with: ","))"
                #expect(page.text.contains("(\(String(format: "%.1f", percent))%)"), "\(key) \(shown)")
            }
        }
    }

    @Test func hostileLabelsAreEscaped() throws {
        let db = try Connection(path: harness.dbPath)
        try db.execute("UPDATE counties SET name = '<script>alert(\"x\")</script> & Co' WHERE fips = '06037'")
        try db.close()
        let markup = try html(try sheet())
        #expect(!markup.contains("<script>"))
        #expect(markup.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"))
        _ = try parse(markup)
    }

    @Test func suppressedCellsShowTheirPlaceholderAndNoBar() throws {
        let sheet = try sheet(ReportFilters(years: 2021...2021, state: "CA", countyFIPS: "06073"), minCount: 30)
        let markup = try html(sheet)
        let page = try parse(markup)
        #expect(markup.contains("&lt;30"))
        #expect(page.bars.allSatisfy { $0.count >= 30 })
    }

    @Test func terminalBarsScaleToTheWidthAndStayProportional() throws {
        let db = try harness.connection
        let report = try Report.make(by: [.type], filters: laFilters, suppression: .hotline, in: db,
                                     labels: Report.Labels(geography: try Geography(db)))
        for width in [40, 80, 132] {
            let ascii = report.render(.chart, chartWidth: width, ascii: true)
            let lines = ascii.split(separator: "\n").dropFirst()
            #expect(lines.allSatisfy { $0.count <= width }, "width \(width)")
            let hashes = lines.map { $0.filter { $0 == "#" }.count }
            // 342 : 52 : 39 within a cell of rounding.
            let unit = Double(hashes[0]) / 342
            #expect(abs(Double(hashes[1]) - 52 * unit) <= 1)
            #expect(abs(Double(hashes[2]) - 39 * unit) <= 1)
        }
        let unicode = report.render(.chart, chartWidth: 80)
        #expect(unicode.contains("█"))
        #expect(!unicode.contains("#"))
    }

    @Test func terminalChartsShowSuppressionWithoutABar() throws {
        let db = try harness.connection
        let report = try Report.make(by: [.venue], filters: laFilters, suppression: Suppression(minCount: 10),
                                     in: db, labels: Report.Labels(geography: try Geography(db)))
        let chart = report.render(.chart, chartWidth: 80, ascii: true)
        let suppressed = chart.split(separator: "\n").filter { $0.hasSuffix("<10") }
        #expect(!suppressed.isEmpty)
        #expect(suppressed.allSatisfy { !$0.contains("#") })
        let sheetChart = try sheet().render(.chart, chartWidth: 80, ascii: true)
        #expect(sheetChart.contains("433 of 1,334 California cases, 32.5%"))
    }
}
