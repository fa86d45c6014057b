import Foundation

/// A JSON value as NDJSON import sees it: strict types (a number is never a boolean).
enum JSONValue: Decodable, Equatable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null; return }
        if let value = try? container.decode(Bool.self) { self = .bool(value); return }
        if let value = try? container.decode(Int64.self) { self = .integer(value); return }
        if let value = try? container.decode(Double.self) { self = .number(value); return }
        if let value = try? container.decode(String.self) { self = .string(value); return }
        if let value = try? container.decode([JSONValue].self) { self = .array(value); return }
        self = .object(try container.decode([String: JSONValue].self))
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

    init(path: String) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw FileIssue(line: 0, column: "", message: "cannot read the file")
        }
        self.handle = handle
    }

    /// The next line's bytes, or nil at the end.
    mutating func next() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = buffer[start..<newline]
                bytesConsumed += newline + 1 - start
                start = newline + 1
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                lineNumber += 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                var line = buffer[start...]
                bytesConsumed += buffer.count - start
                start = buffer.count
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                lineNumber += 1
                return line
            }
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
    private let decoder = JSONDecoder()
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
        guard let value = try? decoder.decode(JSONValue.self, from: Data(bytes)) else {
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
