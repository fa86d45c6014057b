import Foundation

/// A JSON value as NDJSON import sees it: strict types (a number is never a boolean).
enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// Parses one JSON text (RFC 8259); nil when it is not one. What the import accepted when Foundation's
    /// JSONDecoder read its lines is accepted the same way: a UTF-8 byte order mark first, a comma after the last
    /// member of an object or element of an array, the first of repeated keys, and a number with a fraction or
    /// exponent as an integer when its value is whole (26.0, 2.6e1); a number too large for a Double is not JSON.
    /// The bytes must be valid UTF-8 (checked by the caller). JSONDecoder, asked for each type in turn, was nine
    /// tenths of an NDJSON import (300,000 cases: 31 s).
    static func parse(_ bytes: ArraySlice<UInt8>) -> JSONValue? {
        bytes.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(bytes: buffer)
            if buffer.count >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { parser.index = 3 }
            guard let value = parser.value(depth: 0) else { return nil }
            parser.skipWhitespace()
            return parser.index == buffer.count ? value : nil
        }
    }
}

/// A recursive-descent reader of JSON bytes for ``JSONValue/parse(_:)``.
private struct JSONParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0
    /// Deeper nesting is not JSON here (JSONDecoder took 512 levels too): the recursion must not exhaust the stack.
    static let maxDepth = 512

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0A
            || bytes[index] == 0x0D {
            index += 1
        }
    }

    mutating func value(depth: Int) -> JSONValue? {
        skipWhitespace()
        guard let byte = current, depth <= Self.maxDepth else { return nil }
        switch byte {
        case UInt8(ascii: "{"): return object(depth: depth)
        case UInt8(ascii: "["): return array(depth: depth)
        case UInt8(ascii: "\""): return string().map(JSONValue.string)
        case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
        case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
        case UInt8(ascii: "n"): return literal("null") ? .null : nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return number()
        default: return nil
        }
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let count = word.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { return false }
        index += count
        return true
    }

    private mutating func object(depth: Int) -> JSONValue? {
        index += 1  // {
        var members: [String: JSONValue] = [:]
        if isEmpty(closedBy: UInt8(ascii: "}")) { return .object(members) }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\""), let key = string() else { return nil }
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { return nil }
            index += 1
            guard let member = value(depth: depth + 1) else { return nil }
            if members[key] == nil { members[key] = member }
            guard let closed = closesAfterItem(UInt8(ascii: "}")) else { return nil }
            if closed { return .object(members) }
        }
    }

    private mutating func array(depth: Int) -> JSONValue? {
        index += 1  // [
        var elements: [JSONValue] = []
        if isEmpty(closedBy: UInt8(ascii: "]")) { return .array(elements) }
        while true {
            guard let element = value(depth: depth + 1) else { return nil }
            elements.append(element)
            guard let closed = closesAfterItem(UInt8(ascii: "]")) else { return nil }
            if closed { return .array(elements) }
        }
    }

    /// Right after an opening bracket: whether the closing one follows (and is passed).
    private mutating func isEmpty(closedBy close: UInt8) -> Bool {
        skipWhitespace()
        guard current == close else { return false }
        index += 1
        return true
    }

    /// After a member or element: true at the closing bracket (passed), also after a comma after the last item;
    /// false after a comma with an item to follow; nil for anything else.
    private mutating func closesAfterItem(_ close: UInt8) -> Bool? {
        skipWhitespace()
        if current == UInt8(ascii: ",") {
            index += 1
            return isEmpty(closedBy: close)
        }
        guard current == close else { return nil }
        index += 1
        return true
    }

    /// A string from its opening quote; nil for a control character, a bad escape or a lone surrogate.
    private mutating func string() -> String? {
        index += 1  // "
        let start = index
        // Most strings have no escape: their bytes are the value.
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { return nil }
            index += 1
        }
        guard index < bytes.count else { return nil }
        var utf8 = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escaped = current else { return nil }
                index += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escaped)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    utf8.append(contentsOf: String(Character(scalar)).utf8)
                default: return nil
                }
            case 0..<0x20:
                return nil
            default:
                utf8.append(byte)
            }
        }
        return nil
    }

    /// The scalar of a \uXXXX escape (after its u), joining a surrogate pair; nil for a lone surrogate.
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let first = hex4() else { return nil }
        switch first {
        case 0xD800...0xDBFF:
            guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
            else { return nil }
            index += 2
            guard let second = hex4(), (0xDC00...0xDFFF).contains(second) else { return nil }
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
        case 0xDC00...0xDFFF:
            return nil
        default:
            return Unicode.Scalar(first)
        }
    }

    private mutating func hex4() -> UInt32? {
        guard bytes.count - index >= 4 else { return nil }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?
    private mutating func number() -> JSONValue? {
        let start = index
        func digits() -> Int {
            let first = index
            while index < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[index]) { index += 1 }
            return index - first
        }
        if current == UInt8(ascii: "-") { index += 1 }
        if current == UInt8(ascii: "0") {
            index += 1
        } else if digits() == 0 {
            return nil
        }
        var whole = true
        if current == UInt8(ascii: ".") {
            index += 1
            guard digits() > 0 else { return nil }
            whole = false
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard digits() > 0 else { return nil }
            whole = false
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if whole, let integer = Int64(text) { return .integer(integer) }
        guard let double = Double(text), double.isFinite else { return nil }
        if double >= -9_223_372_036_854_775_808.0 && double < 9_223_372_036_854_775_808.0,
           double.rounded(.towardZero) == double {
            return .integer(Int64(double))
        }
        return .number(double)
    }
}

/// Reads a file line by line in chunks, never whole. Lines end in LF; a CR before it is dropped.
struct LineReader {
    private let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private(set) var lineNumber = 0
    private(set) var bytesConsumed = 0
    /// How far past `start` the buffer has no line break (so a long line is not searched again for each chunk).
    private var searched = 0
    /// The longest line read, in bytes: a longer one is not one case of NDJSON (a JSON array on one line, a file
    /// that is not NDJSON) and would be held whole. A 94 MB JSON array on one line took 439 MB and 73 s to reject.
    static let maxLineBytes = 16 << 20

    /// The pending line, ending before `end` (its CR dropped); reading goes on from `next`.
    private mutating func take(upTo end: Int, next: Int) throws -> ArraySlice<UInt8> {
        var line = buffer[start..<end]
        bytesConsumed += next - start
        start = next
        searched = 0
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        lineNumber += 1
        guard line.count <= Self.maxLineBytes else { throw Self.tooLong(line: lineNumber) }
        return line
    }

    private static func tooLong(line: Int) -> FileIssue {
        FileIssue(line: line, column: "", message: "the line is longer than 16 MiB: NDJSON holds one case per line "
            + "(a JSON array, or JSON spread over lines, is not NDJSON)")
    }

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileIssue(line: 0, column: "", message: "cannot read the file")
        }
        self.handle = handle
    }

    /// The next line's bytes, or nil at the end.
    /// - Throws: `FileIssue` for a line longer than ``maxLineBytes``; the file's read error.
    mutating func next() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[(start + searched)...].firstIndex(of: UInt8(ascii: "\n")) {
                return try take(upTo: newline, next: newline + 1)
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                return try take(upTo: buffer.count, next: buffer.count)
            }
            searched = buffer.count - start
            guard searched <= Self.maxLineBytes else { throw Self.tooLong(line: lineNumber + 1) }
            buffer.removeSubrange(0..<start)
            start = 0
            let chunk = try handle.read(upToCount: 1 << 16) ?? Data()
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}

/// Export rows from an NDJSON file: one case per line, one row per victim (spec: "NDJSON form").
struct NDJSONRowSource: RowSource {
    private var lines: LineReader
    private(set) var warnings: [RowIssue] = []
    private var warnedKeys: Set<String> = []
    var bytesConsumed: Int { lines.bytesConsumed }

    static let caseKeys: [String: ExportColumn] = [
        "case_id": .caseID, "reported_on": .reportedOn, "state": .state, "county": .county, "city": .city,
        "trafficking_type": .traffickingType,
    ]
    static let victimKeys: [String: ExportColumn] = [
        "victim_id": .victimID, "gender": .victimGender, "age_group": .victimAgeGroup, "age": .victimAge,
        "citizenship": .victimCitizenship,
    ]

    init(path: String) throws(FileIssue) {
        do {
            lines = try LineReader(path: path)
        } catch {
            throw FileIssue(line: 0, column: "", message: "cannot read the file")
        }
    }

    mutating func next() throws(FileIssue) -> SourceRecord? {
        while true {
            let bytes: ArraySlice<UInt8>
            do {
                guard let line = try lines.next() else { return nil }
                bytes = line
            } catch let issue as FileIssue {
                throw issue
            } catch {
                throw FileIssue(line: lines.lineNumber + 1, column: "", message: "cannot read the file")
            }
            // Blank lines separate nothing and hold nothing.
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            return convert(bytes, line: lines.lineNumber)
        }
    }

    mutating func convert(_ bytes: ArraySlice<UInt8>, line: Int) -> SourceRecord {
        func failure(_ column: String, _ message: String, caseRef: String? = nil) -> SourceRecord {
            SourceRecord(line: line, rows: [], issues: [RowIssue(line: line, column: column, message: message)],
                         caseRef: caseRef)
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            return failure("", "the line is not valid UTF-8")
        }
        guard let value = JSONValue.parse(bytes) else {
            return failure("", "the line is not valid JSON")
        }
        guard case .object(let object) = value else {
            return failure("", "the line must be one JSON object (a case)")
        }
        var issues: [RowIssue] = []
        var caseValues = [String?](repeating: nil, count: ExportColumn.allCases.count)
        var names = ExportColumn.allCases.map(\.rawValue)
        func text(_ value: JSONValue, _ path: String, allowInteger: Bool = false) -> String? {
            switch value {
            case .null: return nil
            case .string(let string): return string
            case .integer(let number) where allowInteger: return String(number)
            default:
                issues.append(RowIssue(line: line, column: path,
                                       message: allowInteger ? "must be a string or a whole number" : "must be a string"))
                return nil
            }
        }
        for key in object.keys.sorted() {
            let value = object[key] ?? .null
            if let column = Self.caseKeys[key] {
                caseValues[column.index] = text(value, key, allowInteger: column == .caseID)
            } else if key != "venues" && key != "victims" {
                warnOnce(key, line: line)
            }
        }
        names[ExportColumn.venues.index] = "venues"
        var venueList: [String]?
        switch object["venues"] ?? .null {
        case .null: venueList = nil
        case .array(let items):
            venueList = []
            for (index, item) in items.enumerated() {
                if case .string(let label) = item { venueList?.append(label) } else {
                    issues.append(RowIssue(line: line, column: "venues[\(index)]", message: "must be a string (a venue label)"))
                }
            }
        default:
            issues.append(RowIssue(line: line, column: "venues", message: "must be an array of venue labels"))
        }
        let caseRef = caseValues[ExportColumn.caseID.index].map(RowValidator.trim).flatMap { $0.isEmpty ? nil : $0 }

        var rows: [RawRow] = []
        switch object["victims"] ?? .null {
        case .null:
            rows.append(RawRow(line: line, values: caseValues, venueList: venueList ?? [], columnNames: names))
        case .array(let victims):
            if victims.isEmpty {
                rows.append(RawRow(line: line, values: caseValues, venueList: venueList ?? [], columnNames: names))
            }
            for (position, victim) in victims.enumerated() {
                guard case .object(let fields) = victim else {
                    issues.append(RowIssue(line: line, column: "victims[\(position)]", message: "must be an object (a victim)"))
                    continue
                }
                var values = caseValues
                var victimNames = names
                for key in fields.keys.sorted() {
                    let path = "victims[\(position)].\(key)"
                    guard let column = Self.victimKeys[key] else {
                        warnOnce("victims[].\(key)", line: line)
                        continue
                    }
                    victimNames[column.index] = path
                    values[column.index] = text(fields[key] ?? .null, path,
                                                allowInteger: column == .victimID || column == .victimAge)
                }
                rows.append(RawRow(line: line, values: values, venueList: venueList ?? [], columnNames: victimNames))
            }
        default:
            issues.append(RowIssue(line: line, column: "victims", message: "must be an array of victim objects"))
        }
        return SourceRecord(line: line, rows: issues.isEmpty ? rows : [], issues: issues, caseRef: caseRef)
    }

    private mutating func warnOnce(_ key: String, line: Int) {
        if warnedKeys.insert(key).inserted {
            warnings.append(RowIssue(line: line, column: key, message: "warning: unknown key, ignored"))
        }
    }

    /// Re-reads the file from the start and calls `body` with each non-blank line's text and its conversion.
    static func forEachRecord(path: String, _ body: (String, SourceRecord) throws -> Void) throws {
        var source = try NDJSONRowSource(path: path)
        while let bytes = try source.lines.next() {
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let record = source.convert(bytes, line: source.lines.lineNumber)
            try body(String(decoding: bytes, as: UTF8.self), record)
        }
    }
}
