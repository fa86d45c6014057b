import Foundation
import SQLite
import Testing
@testable import CaseStore

// MARK: - Order and output of large reports

@Suite("Reports: order and output of many rows")
struct ReportManyRowsTests {
    /// Every pair of dimensions on the California sample (58 counties, 33 venues, many ties and suppressed rows):
    /// the rows `Report.make` sorts by ranks are exactly the rows sorted by `Report.order`, the reference
    /// comparison of counts and codes, with and without suppression.
    @Test func rowsAreInTheReferenceOrder() throws {
        let harness = try ImportHarness()
        let path = try harness.write(CaliforniaSample.fileName, bytes: CaliforniaSample.csv())
        try #require(try harness.importFile(path).outcome == .imported)
        let geography = try Geography(try harness.connection)
        var largest = 0
        var suppressedTies = 0
        for first in CaseStore.Dimension.allCases {
            for second in [nil] + CaseStore.Dimension.allCases where second != first {
                let dimensions = [first] + (second.map { [$0] } ?? [])
                for minCount in [0, 3, 10] {
                    let report = try makeReport(dimensions, minCount: minCount, harness: harness,
                                                geography: geography)
                    let reference = report.rows.sorted(by: Report.order)
                    #expect(report.rows.map { $0.cells } == reference.map { $0.cells }, "\(dimensions) \(minCount)")
                    #expect(report.rows.map { $0.count } == reference.map { $0.count }, "\(dimensions) \(minCount)")
                    largest = max(largest, report.rows.count)
                    suppressedTies += report.rows.filter { $0.suppressed }.count
                }
            }
        }
        // The comparison had work to do: large reports and many suppressed rows compared by code alone.
        #expect(largest > 300)
        #expect(suppressedTies > 1_000)
    }

    /// JSON strings are escaped as `JSONText.quote` writes them, whether or not anything needs escaping.
    @Test func jsonTextAppendsWhatQuoteWrites() {
        for text in ["", "Los Angeles County", "Doña Ana County", "say \"hi\"", "back\\slash", "tab\there",
                     "line\nbreak", "cr\r\nlf", "\u{1}\u{1F}", "\u{7F}", "日本", "emoji 👩🏽‍⚕️"] {
            var out: [UInt8] = [UInt8(ascii: "[")]
            JSONText.append(text, to: &out)
            #expect(String(decoding: out, as: UTF8.self) == "[" + JSONText.quote(text), "\(text.debugDescription)")
        }
    }

    /// Counts with thousands separators, at the edges of each group and of Int.
    @Test func groupedCounts() {
        let cases: [(Int, String)] = [
            (0, "0"), (7, "7"), (999, "999"), (1_000, "1,000"), (1_334, "1,334"), (999_999, "999,999"),
            (1_000_000, "1,000,000"), (-1, "-1"), (-1_234, "-1,234"),
            (Int.max, "9,223,372,036,854,775,807"), (Int.min, "-9,223,372,036,854,775,808"),
        ]
        for (number, text) in cases { #expect(Report.grouped(number) == text) }
    }

    /// A CSV field is quoted when it holds a comma, a quote, or a line break, including a CR LF pair (one
    /// Character in Swift, equal to neither "\r" nor "\n").
    @Test func csvFieldsAreQuotedForEveryLineBreak() {
        #expect(Report.csvField("plain") == "plain")
        #expect(Report.csvField("") == "")
        #expect(Report.csvField("a,b") == "\"a,b\"")
        #expect(Report.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(Report.csvField("a\nb") == "\"a\nb\"")
        #expect(Report.csvField("a\rb") == "\"a\rb\"")
        #expect(Report.csvField("a\r\nb") == "\"a\r\nb\"")
    }
}
