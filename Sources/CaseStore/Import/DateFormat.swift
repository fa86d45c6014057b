/// A date pattern such as `yyyy-MM-dd` (the spec's) or `M/d/yyyy` (a profile's): `yyyy` four digits, `MM` and `dd`
/// exactly two, `M` and `d` one or two, anything else a literal character that must match.
public struct DateFormat: Sendable, Equatable, CustomStringConvertible {
    enum Token: Equatable, Sendable {
        case year, month, day
        case literal(UInt8)
    }

    /// Whether the pattern writes months and days with two digits (`MM`, `dd`) or as few as needed (`M`, `d`).
    let padMonth: Bool
    let padDay: Bool

    public let pattern: String
    let tokens: [Token]

    /// The spec's format.
    public static let iso = try! DateFormat("yyyy-MM-dd")  // A constant pattern: cannot fail.

    public struct InvalidPattern: Error, CustomStringConvertible, Sendable {
        public let pattern: String
        public var description: String {
            "invalid date_format \"\(pattern)\": it needs yyyy, MM (or M) and dd (or d) once each, e.g. MM/dd/yyyy"
        }
    }

    public init(_ pattern: String) throws {
        self.pattern = pattern
        var tokens: [Token] = []
        var padMonth = true
        var padDay = true
        var bytes = Substring(pattern).utf8[...]
        while let first = bytes.first {
            if bytes.starts(with: "yyyy".utf8) {
                tokens.append(.year)
                bytes = bytes.dropFirst(4)
            } else if first == UInt8(ascii: "M") {
                tokens.append(.month)
                padMonth = bytes.starts(with: "MM".utf8)
                bytes = bytes.dropFirst(padMonth ? 2 : 1)
            } else if first == UInt8(ascii: "d") {
                tokens.append(.day)
                padDay = bytes.starts(with: "dd".utf8)
                bytes = bytes.dropFirst(padDay ? 2 : 1)
            } else if first == UInt8(ascii: "y") || first >= 0x80 {
                throw InvalidPattern(pattern: pattern)
            } else {
                tokens.append(.literal(first))
                bytes = bytes.dropFirst()
            }
        }
        guard tokens.filter({ $0 == .year }).count == 1, tokens.filter({ $0 == .month }).count == 1,
              tokens.filter({ $0 == .day }).count == 1
        else { throw InvalidPattern(pattern: pattern) }
        self.tokens = tokens
        self.padMonth = padMonth
        self.padDay = padDay
    }

    /// The date written in this format.
    public func format(year: Int, month: Int, day: Int) -> String {
        var text = ""
        for token in tokens {
            switch token {
            case .year: text += Self.pad(year, 4)
            case .month: text += padMonth ? Self.pad(month, 2) : String(month)
            case .day: text += padDay ? Self.pad(day, 2) : String(day)
            case .literal(let byte): text.unicodeScalars.append(Unicode.Scalar(byte))
            }
        }
        return text
    }

    public var description: String { pattern }

    /// (year, month, day) when `text` has this shape and is a real calendar date; nil otherwise.
    public func parse(_ text: String) -> (year: Int, month: Int, day: Int)? {
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// `parse` of UTF-8 text.
    func parse(utf8 bytes: UnsafeBufferPointer<UInt8>) -> (year: Int, month: Int, day: Int)? {
        var index = 0
        var year = 0, month = 0, day = 0
        func digits(min: Int, max: Int) -> Int? {
            var value = 0
            var count = 0
            while index < bytes.count, count < max, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                value = value * 10 + Int(bytes[index] - 0x30)
                index += 1
                count += 1
            }
            return count >= min ? value : nil
        }
        for token in tokens {
            switch token {
            case .year: guard let value = digits(min: 4, max: 4) else { return nil }; year = value
            case .month: guard let value = digits(min: padMonth ? 2 : 1, max: 2) else { return nil }; month = value
            case .day: guard let value = digits(min: padDay ? 2 : 1, max: 2) else { return nil }; day = value
            case .literal(let byte):
                guard index < bytes.count, bytes[index] == byte else { return nil }
                index += 1
            }
        }
        guard index == bytes.count, (1...12).contains(month), day >= 1,
              day <= Self.daysIn(month: month, year: year)
        else { return nil }
        return (year, month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `YYYY-MM-DD`.
    static func iso(year: Int, month: Int, day: Int) -> String {
        guard (0...9999).contains(year) else { return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))" }
        // Built byte by byte: this runs for every row.
        return String(unsafeUninitializedCapacity: 10) { out in
            func digit(_ value: Int) -> UInt8 { UInt8(truncatingIfNeeded: 0x30 + value) }
            out[0] = digit(year / 1000)
            out[1] = digit(year / 100 % 10)
            out[2] = digit(year / 10 % 10)
            out[3] = digit(year % 10)
            out[4] = UInt8(ascii: "-")
            out[5] = digit(month / 10 % 10)
            out[6] = digit(month % 10)
            out[7] = UInt8(ascii: "-")
            out[8] = digit(day / 10 % 10)
            out[9] = digit(day % 10)
            return 10
        }
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
