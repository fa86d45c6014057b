import Testing

import CSV

/// One input and what the reader must make of it, at every chunk size.
struct ReaderCase: Sendable, CustomTestStringConvertible {
    var name: String
    var input: [UInt8]
    var records: [ParsedRecord]
    var error: CSVError?
    var maxFieldBytes = 16 << 20
    var maxFields = 1 << 20

    init(
        _ name: String, _ input: String, _ records: [ParsedRecord], error: CSVError? = nil,
        maxFieldBytes: Int = 16 << 20, maxFields: Int = 1 << 20
    ) {
        self.init(
            name, bytes: Array(input.utf8), records, error: error, maxFieldBytes: maxFieldBytes, maxFields: maxFields)
    }

    init(
        _ name: String, bytes: [UInt8], _ records: [ParsedRecord], error: CSVError? = nil,
        maxFieldBytes: Int = 16 << 20, maxFields: Int = 1 << 20
    ) {
        self.name = name
        self.input = bytes
        self.records = records
        self.error = error
        self.maxFieldBytes = maxFieldBytes
        self.maxFields = maxFields
    }

    var testDescription: String { name }
}

private let bom: [UInt8] = [0xEF, 0xBB, 0xBF]

let wellFormedCases: [ReaderCase] = [
    ReaderCase("empty input", "", []),
    ReaderCase("header only, no final line break", "id,name", [ParsedRecord(1, ["id", "name"])]),
    ReaderCase("header only, LF", "id,name\n", [ParsedRecord(1, ["id", "name"])]),
    ReaderCase("header only, CRLF", "id,name\r\n", [ParsedRecord(1, ["id", "name"])]),
    ReaderCase("header only, lone CR", "id,name\r", [ParsedRecord(1, ["id", "name"])]),
    ReaderCase(
        "BOM, header and row", bytes: bom + Array("id,name\n1,Ana\n".utf8),
        [ParsedRecord(1, ["id", "name"]), ParsedRecord(2, ["1", "Ana"])]),
    ReaderCase("only a BOM", bytes: bom, []),
    ReaderCase("BOM and one line break", bytes: bom + [0x0A], [ParsedRecord(1, [""])]),
    ReaderCase(
        "partial BOM is data", bytes: [0xEF, 0xBB, 0x61], [ParsedRecord(line: 1, fields: [[0xEF, 0xBB, 0x61]])]),
    ReaderCase("BOM after the start is data", "a,\u{FEFF}", [ParsedRecord(1, ["a", "\u{FEFF}"])]),
    ReaderCase(
        "mixed line ends", "a\nb\r\nc\rd\n",
        [ParsedRecord(1, ["a"]), ParsedRecord(2, ["b"]), ParsedRecord(3, ["c"]), ParsedRecord(4, ["d"])]),
    ReaderCase(
        "CRLF at every chunk boundary", "ab\r\ncd\r\nef\r\n",
        [ParsedRecord(1, ["ab"]), ParsedRecord(2, ["cd"]), ParsedRecord(3, ["ef"])]),
    ReaderCase(
        "empty lines are records with one empty field", "a\n\nb\r\n\r\nc\r\rd",
        [
            ParsedRecord(1, ["a"]), ParsedRecord(2, [""]), ParsedRecord(3, ["b"]), ParsedRecord(4, [""]),
            ParsedRecord(5, ["c"]), ParsedRecord(6, [""]), ParsedRecord(7, ["d"]),
        ]),
    ReaderCase(
        "CRLF then lone CR", "a\r\n\rb", [ParsedRecord(1, ["a"]), ParsedRecord(2, [""]), ParsedRecord(3, ["b"])]),
    ReaderCase(
        "LF then CR is two line breaks", "a\n\rb",
        [ParsedRecord(1, ["a"]), ParsedRecord(2, [""]), ParsedRecord(3, ["b"])]),
    ReaderCase(
        "empty fields and trailing delimiters", "a,,b\n,\n,",
        [ParsedRecord(1, ["a", "", "b"]), ParsedRecord(2, ["", ""]), ParsedRecord(3, ["", ""])]),
    ReaderCase(
        "quoted fields with delimiters and quotes", "\"x,y\",\"he said \"\"hi\"\"\",z,\"\"\n\"\"\"\",\"\"\"\"\"\"",
        [ParsedRecord(1, ["x,y", "he said \"hi\"", "z", ""]), ParsedRecord(2, ["\"", "\"\""])]),
    ReaderCase(
        "quoted fields with line breaks set the next records' lines", "\"a\nb\",c\n\"d\r\ne\"\rf,\"g\rh\"\r\ni",
        [
            ParsedRecord(1, ["a\nb", "c"]), ParsedRecord(3, ["d\r\ne"]), ParsedRecord(5, ["f", "g\rh"]),
            ParsedRecord(7, ["i"]),
        ]),
    ReaderCase(
        "quoted field of line breaks only", "\"\r\n\n\r\r\n\",x\ny",
        [ParsedRecord(1, ["\r\n\n\r\r\n", "x"]), ParsedRecord(6, ["y"])]),
    ReaderCase("quoted field at end of input", "a,\"b\"", [ParsedRecord(1, ["a", "b"])]),
    ReaderCase("empty quoted field at end of input", "a,\"\"", [ParsedRecord(1, ["a", ""])]),
    ReaderCase(
        "line breaks after closing quotes", "\"a\"\r\n\"b\"\r\"c\"\n",
        [ParsedRecord(1, ["a"]), ParsedRecord(2, ["b"]), ParsedRecord(3, ["c"])]),
    ReaderCase("spaces are data", " a , b ", [ParsedRecord(1, [" a ", " b "])]),
    ReaderCase(
        "NUL bytes are data", "a\u{0}b,\u{0}\n\u{0}",
        [ParsedRecord(1, ["a\u{0}b", "\u{0}"]), ParsedRecord(2, ["\u{0}"])]),
    ReaderCase(
        "invalid UTF-8 passes through", bytes: [0xFF, 0x2C, 0xC3, 0xA9, 0x0A, 0x80],
        [ParsedRecord(line: 1, fields: [[0xFF], [0xC3, 0xA9]]), ParsedRecord(line: 2, fields: [[0x80]])]),
    ReaderCase(
        "fields of exactly maxFieldBytes, counted after unescaping", "abc,\"a\"\"b\"\n\"\"\"\"\"\"\"\"",
        [ParsedRecord(1, ["abc", "a\"b"]), ParsedRecord(2, ["\"\"\""])], maxFieldBytes: 3),
    ReaderCase(
        "exactly maxFields", "a,b,c\n,,", [ParsedRecord(1, ["a", "b", "c"]), ParsedRecord(2, ["", "", ""])],
        maxFields: 3),
]

let malformedCases: [ReaderCase] = [
    ReaderCase(
        "unterminated quote", "a,b\nc,\"de\nf", [ParsedRecord(1, ["a", "b"])],
        error: .unterminatedQuote(line: 2, column: 2)),
    ReaderCase("lone quote", "\"", [], error: .unterminatedQuote(line: 1, column: 1)),
    ReaderCase(
        "unterminated quote ending in an escaped quote", "x\n\"ab\"\"", [ParsedRecord(1, ["x"])],
        error: .unterminatedQuote(line: 2, column: 1)),
    ReaderCase(
        "bare quote", "a,b\nc,d\"e", [ParsedRecord(1, ["a", "b"])], error: .bareQuote(line: 2, column: 2)),
    ReaderCase("quote after a leading space is bare", " \"a\"", [], error: .bareQuote(line: 1, column: 1)),
    ReaderCase(
        "character after closing quote", "a\n\"b\"c", [ParsedRecord(1, ["a"])],
        error: .characterAfterClosingQuote(line: 2, column: 1)),
    ReaderCase(
        "character after closing quote of a multi-line field", "x,\"y\r\nz\"w", [],
        error: .characterAfterClosingQuote(line: 2, column: 2)),
    ReaderCase(
        "field over maxFieldBytes", "abc\nx,abcd", [ParsedRecord(1, ["abc"])],
        error: .fieldTooLarge(line: 2, column: 2, limit: 3), maxFieldBytes: 3),
    ReaderCase(
        "multi-line quoted field over maxFieldBytes reports its first line", "x\n\"ab\ncd\"", [ParsedRecord(1, ["x"])],
        error: .fieldTooLarge(line: 2, column: 1, limit: 4), maxFieldBytes: 4),
    ReaderCase(
        "unterminated field over maxFieldBytes fails on size", "\"" + String(repeating: "a", count: 100), [],
        error: .fieldTooLarge(line: 1, column: 1, limit: 10), maxFieldBytes: 10),
    ReaderCase(
        "too many fields", "a,b\nc,d,e", [ParsedRecord(1, ["a", "b"])], error: .tooManyFields(line: 2, limit: 2),
        maxFields: 2),
    ReaderCase(
        "too many empty fields", "\"x\ny\",,\n", [], error: .tooManyFields(line: 1, limit: 2), maxFields: 2),
]

@Suite("CSVReader syntax, at every chunk size")
struct ReaderSyntaxTests {
    @Test(arguments: wellFormedCases, chunkSizes)
    func wellFormed(_ testCase: ReaderCase, chunkSize: Int) {
        var reader = CSVReader(
            bytes: testCase.input, chunkSize: chunkSize, maxFieldBytes: testCase.maxFieldBytes,
            maxFields: testCase.maxFields)
        let outcome = readAll(&reader)
        #expect(outcome == ParseOutcome(records: testCase.records, error: testCase.error))
        #expect(reader.bytesConsumed == testCase.input.count)
    }

    @Test(arguments: malformedCases, chunkSizes)
    func malformed(_ testCase: ReaderCase, chunkSize: Int) {
        let outcome = parse(
            testCase.input, chunkSize: chunkSize, maxFieldBytes: testCase.maxFieldBytes, maxFields: testCase.maxFields)
        #expect(outcome == ParseOutcome(records: testCase.records, error: testCase.error))
    }

    @Test("A semicolon delimiter makes commas data", arguments: chunkSizes)
    func otherDelimiter(chunkSize: Int) {
        var reader = CSVReader(
            bytes: Array("a,b;\"c;d\"\n".utf8), delimiter: UInt8(ascii: ";"), chunkSize: chunkSize)
        #expect(readAll(&reader) == ParseOutcome(records: [ParsedRecord(1, ["a,b", "c;d"])], error: nil))
    }

    @Test("Inputs made of CSV's special bytes parse like a simple reference parser", arguments: chunkSizes)
    func matchesReferenceParser(chunkSize: Int) {
        var generator = SeededGenerator(seed: 0x5EED_0000 + UInt64(chunkSize))
        let alphabet: [UInt8] = [0x61, 0x2C, 0x22, 0x0D, 0x0A, 0x00, 0xEF, 0xBB, 0xBF]
        for _ in 0..<3000 {
            let length = Int.random(in: 0...30, using: &generator)
            var input = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 0x61 }
            if Bool.random(using: &generator) { input = bom + input }
            let expected = referenceParse(input)
            let actual = parse(input, chunkSize: chunkSize)
            #expect(actual == expected, "input \(input)")
            if actual != expected { return }
        }
    }
}

/// A slow, whole-input, byte-at-a-time parser written straight from the rules, to check the streaming reader.
func referenceParse(_ input: [UInt8]) -> ParseOutcome {
    let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
    var index = input.starts(with: bom) ? 3 : 0
    var line = 1
    var records: [ParsedRecord] = []
    while index < input.count {
        let recordLine = line
        var fields: [[UInt8]] = []
        while true {
            var field: [UInt8] = []
            let fieldLine = line
            if index < input.count && input[index] == quote {
                index += 1
                while true {
                    guard index < input.count else {
                        return ParseOutcome(
                            records: records, error: .unterminatedQuote(line: fieldLine, column: fields.count + 1))
                    }
                    let byte = input[index]
                    if byte == quote {
                        if index + 1 < input.count && input[index + 1] == quote {
                            field.append(quote)
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    if byte == cr || (byte == lf && input[index - 1] != cr) { line += 1 }
                    field.append(byte)
                    index += 1
                }
                if index < input.count && ![comma, cr, lf].contains(input[index]) {
                    return ParseOutcome(
                        records: records, error: .characterAfterClosingQuote(line: line, column: fields.count + 1))
                }
            } else {
                while index < input.count && ![comma, cr, lf].contains(input[index]) {
                    if input[index] == quote {
                        return ParseOutcome(records: records, error: .bareQuote(line: line, column: fields.count + 1))
                    }
                    field.append(input[index])
                    index += 1
                }
            }
            fields.append(field)
            if index >= input.count { break }
            if input[index] == comma {
                index += 1
                continue
            }
            line += 1
            index += input[index] == cr && index + 1 < input.count && input[index + 1] == lf ? 2 : 1
            break
        }
        records.append(ParsedRecord(line: recordLine, fields: fields))
    }
    return ParseOutcome(records: records, error: nil)
}
