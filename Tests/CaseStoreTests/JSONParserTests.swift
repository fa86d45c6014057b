@testable import CaseStore
import Foundation
import Testing

@Suite("NDJSON: the JSON reader")
struct JSONParserTests {
    private func parse(_ text: String) -> JSONValue? {
        JSONValue.parse(ArraySlice(Array(text.utf8)))
    }

    @Test func readsEveryKindOfValue() {
        #expect(parse(#"{"a": "x", "b": 12, "c": -1.5, "d": true, "e": false, "f": null, "g": [1, "2", []], "h": {}}"#)
            == .object(["a": .string("x"), "b": .integer(12), "c": .number(-1.5), "d": .bool(true), "e": .bool(false),
                        "f": .null, "g": .array([.integer(1), .string("2"), .array([])]), "h": .object([:])]))
        #expect(parse(" \t[ ]\r\n ") == .array([]))
        #expect(parse(#""only a string""#) == .string("only a string"))
        #expect(parse("7") == .integer(7))
    }

    @Test func numbersAreIntegersWhenWhole() {
        let cases: [(String, JSONValue?)] = [
            ("26", .integer(26)), ("-0", .integer(0)), ("26.0", .integer(26)), ("2.6e1", .integer(26)),
            ("2.60e+1", .integer(26)), ("1E1", .integer(10)), ("-0.0", .integer(0)), ("1.0e-0", .integer(1)),
            ("26.5", .number(26.5)), ("1e-400", .integer(0)),
            ("9223372036854775807", .integer(Int64.max)), ("-9223372036854775808", .integer(Int64.min)),
            ("9223372036854775808", .number(9_223_372_036_854_775_808)),
            ("1e400", nil), ("-1e400", nil), ("0026", nil), ("26.", nil), (".5", nil), ("26e", nil), ("-", nil),
            ("+1", nil), ("0x1F", nil), ("NaN", nil), ("1.e5", nil), ("--1", nil),
        ]
        for (text, expected) in cases {
            #expect(parse(text) == expected, "\(text)")
        }
    }

    @Test func stringsWithEscapesAndTheirErrors() {
        #expect(parse(#""\u00e9\/\"\\\b\f\n\r\t""#) == .string("é/\"\\\u{8}\u{C}\n\r\t"))
        #expect(parse(#""\ud83d\ude00 \uD83D\uDE00 \u20AC \uFFFF""#) == .string("😀 😀 € \u{FFFF}"))
        #expect(parse(#""\u0000""#) == .string("\u{0}"))  // left for the validator: "holds a control character"
        #expect(parse("\"Ürümqi 日本\"") == .string("Ürümqi 日本"))
        for bad in [#""\ud83d""#, #""\ude00""#, #""\ud83d\u0041""#, #""\x""#, #""\u12""#, #""\u12G4""#, "\"a\tb\"",
                    "\"a\nb\"", #""unterminated"#, #""ends in a backslash\"#] {
            #expect(parse(bad) == nil, "\(bad)")
        }
    }

    @Test func acceptsWhatJSONDecoderAcceptedAndNoMore() {
        // A comma after the last member or element, the first of repeated keys, a byte order mark first.
        #expect(parse(#"{"a": 1,}"#) == .object(["a": .integer(1)]))
        #expect(parse(#"["a",]"#) == .array([.string("a")]))
        #expect(parse(#"{"a": 1, "a": 2}"#) == .object(["a": .integer(1)]))
        #expect(parse("\u{FEFF}{}") == .object([:]))
        for bad in ["{,}", "[,]", #"["a",,]"#, #"{"a": 1,, "b": 2}"#, #"{"a" 1}"#, #"{"a": 1 "b": 2}"#, "{'a': 1}",
                    "{a: 1}", #"{"a": TRUE}"#, #"{"a": tru}"#, "nul", #"{"a": 1} x"#, "{}{}", #"{"a": 1 /*c*/}"#,
                    "", "   ", "{", "[", #"{"a":"#, "[1 2]"] {
            #expect(parse(bad) == nil, "\(bad)")
        }
    }

    @Test func nestingIsLimitedWithoutExhaustingTheStack() {
        #expect(parse(String(repeating: "[", count: 512) + String(repeating: "]", count: 512)) != nil)
        #expect(parse(String(repeating: #"{"a":"#, count: 512) + "1" + String(repeating: "}", count: 512)) != nil)
        #expect(parse(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)) == nil)
        #expect(parse(String(repeating: "[", count: 200_000)) == nil)
        #expect(parse(String(repeating: #"{"a":"#, count: 200_000)) == nil)
    }
}

@Suite("NDJSON: lines longer than a case can be")
struct NDJSONLongLineTests {
    @Test func aLineOverTheLimitFailsTheFileAtItsLineWithoutBeingHeldWhole() throws {
        let harness = try ImportHarness()
        let good = #"{"case_id": "C1", "reported_on": "2021-03-04", "state": "CA", "trafficking_type": "Sex"}"#
        // A JSON array of cases on one line, longer than the limit.
        let one = #"{"case_id": "C2", "reported_on": "2021-03-04", "state": "CA", "trafficking_type": "Sex"},"#
        let long = "[" + String(repeating: one, count: LineReader.maxLineBytes / one.utf8.count + 10) + "{}]"
        let path = try harness.write("array.ndjson", good + "\n" + long + "\n" + good + "\n")
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(2, "")])
        #expect(harness.log.issues.first?.contains("longer than 16 MiB") == true)
        #expect(try harness.count("cases") == 0)

        // At the limit, a line is read like any other.
        let padded = #"{"case_id": "C3", "reported_on": "2021-03-04", "state": "CA", "trafficking_type": "Sex", "pad": ""#
        let atLimit = padded + String(repeating: "x", count: LineReader.maxLineBytes - padded.utf8.count - 2) + "\"}"
        #expect(atLimit.utf8.count == LineReader.maxLineBytes)
        let fits = try harness.write("long.ndjson", good + "\n" + atLimit + "\n")
        let imported = try harness.importFile(fits) { $0.onError = .skip }
        #expect(imported.outcome == .imported)
        #expect(imported.casesImported == 2)
    }
}
