import SQLite

/// States and counties, loaded once from the database's `states` and `counties` tables, resolving the names and
/// codes an export uses (shared/spec/geography.md).
///
///     let geography = try Geography(db)
///     geography.state("california")                        // "CA"
///     geography.county("Los Angeles County", in: "CA")    // .found("06037")
public struct Geography: Sendable {
    public struct State: Sendable, Hashable {
        public let code: String
        public let fips: String
        public let name: String
    }

    public struct County: Sendable, Hashable {
        public let fips: String
        public let state: String
        public let name: String
        public let suffix: String
        /// "Los Angeles County"; just the name when there is no suffix.
        public var fullName: String { suffix.isEmpty ? name : "\(name) \(suffix)" }
    }

    public enum CountyMatch: Equatable, Sendable {
        case found(String)
        /// A real county FIPS code, but of another state.
        case otherState(String)
        case notFound
    }

    public private(set) var states: [String: State] = [:]
    public private(set) var counties: [String: County] = [:]
    /// ISO 3166-1 alpha-2 code -> short English name (migration 0004's `countries`; `ZZ` is "Unknown").
    public private(set) var countries: [String: String] = [:]
    /// Folded lower-cased alpha-2, alpha-3 and name -> alpha-2.
    private var countryKeys = LabelTable<String>()
    private var stateKeys = LabelTable<String>()
    /// Per state (by ``stateSlot(_:)``): folded lower-cased name (with and without suffix) -> FIPS. An array
    /// rather than a dictionary by state code: the importer looks a county up for nearly every row.
    private var countyKeys = [LabelTable<String>?](repeating: nil, count: 26 * 26)

    public init(_ db: Connection) throws {
        let stateRows = try db.prepare("SELECT code, fips, name FROM states")
        while try stateRows.step() {
            let state = State(code: stateRows.string(0) ?? "", fips: stateRows.string(1) ?? "",
                              name: stateRows.string(2) ?? "")
            states[state.code] = state
            stateKeys.set(state.code, to: state.code)
            stateKeys.set(state.name, to: state.code)
        }
        if try db.tableExists("countries") {
            let countryRows = try db.prepare("SELECT code, alpha3, name FROM countries")
            while try countryRows.step() {
                let code = countryRows.string(0) ?? ""
                let name = countryRows.string(2) ?? ""
                countries[code] = name
                for key in [code, countryRows.string(1) ?? "", name] { countryKeys.set(key, to: code) }
            }
        }
        // Independent cities last, so a bare name that a county shares means the county.
        let countyRows = try db.prepare(
            "SELECT fips, state, name, suffix FROM counties ORDER BY suffix = 'city' DESC, fips")
        while try countyRows.step() {
            let county = County(fips: countyRows.string(0) ?? "", state: countyRows.string(1) ?? "",
                                name: countyRows.string(2) ?? "", suffix: countyRows.string(3) ?? "")
            counties[county.fips] = county
            guard let slot = Self.stateSlot(county.state) else { continue }
            var table = countyKeys[slot] ?? LabelTable()
            countyKeys[slot] = nil  // the table's only reference is `table`: `set` changes it in place
            table.set(county.fullName, to: county.fips)
            table.set(county.name, to: county.fips)
            countyKeys[slot] = table
        }
    }

    /// The USPS code of the state `text` names (USPS code or full name, any case), or nil.
    public func state(_ text: String) -> String? {
        stateKeys.value(for: text)
    }

    /// `state` of UTF-8 text.
    func state(utf8 bytes: UnsafeBufferPointer<UInt8>) -> String? {
        stateKeys.value(forUTF8: bytes)
    }

    /// The ISO 3166-1 alpha-2 code of the country `text` names (alpha-2, alpha-3 or short English name, any case),
    /// or nil.
    public func country(_ text: String) -> String? {
        countryKeys.value(for: text)
    }

    /// The county `text` names within `state`: a Census name with or without its suffix (any case), or a 5-digit
    /// FIPS code. A bare name shared by a county and an independent city means the county.
    public func county(_ text: String, in state: String) -> CountyMatch {
        var text = text
        return text.withUTF8 { county(utf8: $0, in: state) }
    }

    /// `county` of UTF-8 text.
    func county(utf8 bytes: UnsafeBufferPointer<UInt8>, in state: String) -> CountyMatch {
        // The table's lookup folds white space and case itself; only a FIPS code needs the folded text first, and
        // text without a digit cannot fold to one (a name is not folded here: that would make a String per row).
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        func isFIPS<Bytes: Collection<UInt8>>(_ text: Bytes) -> Bool { text.count == 5 && text.allSatisfy(isDigit) }
        let code = isFIPS(bytes) ? String(decoding: bytes, as: UTF8.self)
            : bytes.contains(where: isDigit) ? LabelMap<String>.fold(String(decoding: bytes, as: UTF8.self)) : nil
        if let code, isFIPS(code.utf8) {
            guard let county = counties[code] else { return .notFound }
            return county.state == state ? .found(county.fips) : .otherState(county.state)
        }
        guard let slot = Self.stateSlot(state), let fips = countyKeys[slot]?.value(forUTF8: bytes) else {
            return .notFound
        }
        return .found(fips)
    }

    /// A USPS code's place in `countyKeys` (two upper-case ASCII letters), or nil.
    private static func stateSlot(_ code: String) -> Int? {
        let bytes = code.utf8
        guard bytes.count == 2, let first = bytes.first, let last = bytes.last,
              (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(first),
              (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(last) else { return nil }
        return Int(first - UInt8(ascii: "A")) * 26 + Int(last - UInt8(ascii: "A"))
    }
}
