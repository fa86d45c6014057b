/// The CTDC global victim dataset (Counter-Trafficking Data Collaborative, IOM with Polaris) mapped onto what htdb
/// stores: one victim per row. The rules are issue 9's "The files as published" and "Mapping"; every rule is in this
/// file, which is pure (no database, no file I/O), so that the importer only reads rows and writes results.
///
///     let header = try CTDCHeader(fields: headerFields)      // throws FileIssue: a required column is missing
///     let mapping = CTDCMapping(header: header, countries: countries)
///     switch mapping.map(fields: rowFields, line: 2) {
///     case .success(let victim): ...                          // victim.year, victim.country, victim.venues, ...
///     case .failure(let rejected): ...                        // rejected.issues: [RowIssue], column = header name
///     }
///
/// Both release layouts are read by the same rules:
/// - "The Global Dataset" 2017–2020: a first column headed by a terms-of-use sentence (ignored); `-99` for missing;
///   flags `0`/`1`/`-99`; countries as ISO 3166-1 alpha-2 with `ZZ`, `00`, `0` for unknown; sometimes `;`-delimited
///   (see ``CTDCHeader/sniffDelimiter(_:)``).
/// - "Global Synthetic Dataset" v2024/v2025: empty for missing; flags `1`/empty; alpha-3 countries; genders `Woman`,
///   `Man`, `Trans/Transgender/NonConforming`; zero-padded age bands (`09--17`).
///
/// Identical rows are different victims (the data is k-anonymized): the mapping never looks at other rows.
///
/// Privacy: a message names the line and the column and shows at most the offending field's own value, never
/// another value of the row.
public struct CTDCMapping: Sendable {
    public let header: CTDCHeader
    public let countries: CTDCCountries
    /// The columns each rule reads, looked up once.
    private let plan: Plan

    public init(header: CTDCHeader, countries: CTDCCountries) {
        self.header = header
        self.countries = countries
        plan = Plan(header)
    }

    /// Where the mapping's columns are, resolved once so that a row costs no look-up by name.
    private struct Plan: Sendable {
        let year, gender, ageBroad, majorityStatus, citizenship, country: CTDCHeader.Field
        let sexual, labour, sexAndLabour: CTDCHeader.Field
        let otherExploitation: [CTDCHeader.Field]
        /// The typeOf flags in ``CTDCColumn/venueFlags`` order with the venue each adds (nil: none).
        let venueFlags: [VenueFlag]

        struct VenueFlag: Sendable {
            let field: CTDCHeader.Field
            let venue: String?
        }

        init(_ header: CTDCHeader) {
            year = header.field(.yearOfRegistration)
            gender = header.field(.gender)
            ageBroad = header.field(.ageBroad)
            majorityStatus = header.field(.majorityStatus)
            citizenship = header.field(.citizenship)
            country = header.field(.countryOfExploitation)
            sexual = header.field(.isSexualExploit)
            labour = header.field(.isForcedLabour)
            sexAndLabour = header.field(.isSexAndLabour)
            otherExploitation = CTDCColumn.otherExploitationFlags.map(header.field)
            venueFlags = CTDCColumn.venueFlags.map { VenueFlag(field: header.field($0), venue: $0.venue) }
        }
    }

    /// The victim that one data row describes, or every problem of the row.
    ///
    /// - Parameters:
    ///   - fields: the row's fields as read (decoded, not trimmed), one per header field.
    ///   - line: the row's line in its file, for the issues.
    /// - Returns: the victim, or every issue of the row (each naming `line` and the file's header name of the column;
    ///   an issue with the field count has no column).
    public func map(fields: [String], line: Int) -> Result<CTDCVictim, CTDCRowIssues> {
        guard fields.count == header.fieldCount else {
            let message = "the row has \(fields.count) fields; the header has \(header.fieldCount)"
            return .failure(CTDCRowIssues([RowIssue(line: line, column: "", message: message)]))
        }
        let plan = plan
        var issues: [RowIssue] = []
        func issue(_ column: CTDCHeader.Field, _ message: String) {
            issues.append(RowIssue(line: line, column: column.name, message: message))
        }
        /// The column's value, trimmed; "" when the file has no such column.
        func value(_ column: CTDCHeader.Field) -> String {
            guard let index = column.index, index < fields.count else { return "" }
            return RowValidator.trim(fields[index])
        }
        /// A flag column: `1` is set; `0`, `-99`, empty or an absent column is not set; anything else is an issue.
        func flag(_ column: CTDCHeader.Field) -> Bool {
            let text = value(column)
            switch text {
            case "1": return true
            case "0", "", CTDCMapping.missing: return false
            default:
                issue(column, "\(RowValidator.quote(text)) is not a flag (1 = yes; 0, -99 or empty = no)")
                return false
            }
        }
        /// A country column: its alpha-2 code, nil for an unknown country; an unrecognized code is an issue.
        func country(_ column: CTDCHeader.Field) -> String? {
            let text = value(column)
            switch countries.resolve(text) {
            case .known(let code): return code
            case .unknown: return nil
            case .unrecognized:
                issue(column, "\(RowValidator.quote(text)) is not an ISO 3166-1 country code (alpha-2 or alpha-3; "
                    + "ZZ, 00, 0, -99 or empty for unknown)")
                return nil
            }
        }

        // Year of registration: required, four digits.
        let yearText = value(plan.year)
        let year = Self.year(yearText)
        if year == nil {
            if yearText.isEmpty || yearText == Self.missing {
                issue(plan.year, "is missing; every row needs its year of registration")
            } else {
                issue(plan.year, "\(RowValidator.quote(yearText)) is not a year from "
                    + "\(Self.years.lowerBound) to \(Self.years.upperBound)")
            }
        }

        // Trafficking type, from the exploitation flags (every flag is read, so that each bad value is reported).
        let sexual = flag(plan.sexual)
        let labour = flag(plan.labour)
        let sexAndLabour = flag(plan.sexAndLabour)
        let otherForms = plan.otherExploitation.map { flag($0) }.contains(true)
        let type = Self.traffickingType(
            sexual: sexual, labour: labour, sexAndLabour: sexAndLabour, otherExploitation: otherForms)

        // Venues, from the typeOf flags, in ``CTDCColumn.venueFlags`` order, each once.
        var venues: [String] = []
        for venueFlag in plan.venueFlags where flag(venueFlag.field) {
            if let venue = venueFlag.venue, !venues.contains(venue) { venues.append(venue) }
        }

        let gender = Self.gender(value(plan.gender))

        // Age group: majorityStatus, else ageBroad. Both are checked, so an unknown label in either is reported.
        let majorityText = value(plan.majorityStatus)
        let majority = Self.majorityStatus(majorityText)
        if majority == nil {
            issue(plan.majorityStatus, "unknown majority status \(RowValidator.quote(majorityText)) "
                + "(Adult, Minor, Unknown, -99 or empty)")
        }
        let ageBroadText = value(plan.ageBroad)
        let band = Self.ageBand(ageBroadText)
        switch band {
        case .unrecognized:
            issue(plan.ageBroad, "unknown age band \(RowValidator.quote(ageBroadText)) "
                + "(like 0--8, 09--17 or 48+; Unknown, -99 or empty)")
        case .spans18:
            issue(plan.ageBroad, "\(RowValidator.quote(ageBroadText)) spans age 18: it says neither minor nor adult")
        case .group: break
        }
        let ageGroup: AgeGroup
        if let majority, majority != .unknown {
            ageGroup = majority
        } else if case .group(let group) = band {
            ageGroup = group
        } else {
            ageGroup = .unknown
        }

        // Countries and citizenship.
        let exploitedIn = country(plan.country)
        let nationality = country(plan.citizenship)
        let citizenship = Self.citizenship(country: exploitedIn, nationality: nationality)

        guard issues.isEmpty, let year else { return .failure(CTDCRowIssues(issues)) }
        return .success(CTDCVictim(
            year: year, country: exploitedIn, nationality: nationality, traffickingType: type, venues: venues,
            gender: gender, ageGroup: ageGroup, citizenship: citizenship))
    }

    // MARK: - The rules, one function each

    /// CTDC's explicit "missing" token (old releases); newer releases leave the field empty.
    static let missing = "-99"

    /// The accepted years of registration.
    static let years = 1990...2100

    /// Exactly four ASCII digits, within ``years``.
    static func year(_ text: String) -> Int? {
        guard text.utf8.count == 4, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let year = Int(text), years.contains(year)
        else { return nil }
        return year
    }

    /// Sexual and labour exploitation both (or `isSexAndLabour`) → `sex_and_labor`; sexual only → `sex`; labour
    /// only → `labor`; otherwise any other form of exploitation → `other_exploitation`; else `not_specified`.
    static func traffickingType(sexual: Bool, labour: Bool, sexAndLabour: Bool, otherExploitation: Bool) -> String {
        if sexAndLabour || (sexual && labour) { return TraffickingType.sexAndLabor.code }
        if sexual { return TraffickingType.sex.code }
        if labour { return TraffickingType.labor.code }
        if otherExploitation { return CTDCVocabulary.otherExploitation.code }
        return TraffickingType.notSpecified.code
    }

    /// The gender labels of both releases (case-insensitive, white space folded); any other value is unknown.
    /// "Trans/Transgender/NonConforming" is one label of the synthetic release; its parts are accepted alone too.
    static let genderLabels: [String: Gender] = [
        "female": .female, "woman": .female,
        "male": .male, "man": .male,
        "trans/transgender/nonconforming": .genderMinority, "trans": .genderMinority,
        "transgender": .genderMinority, "nonconforming": .genderMinority,
    ]

    static func gender(_ text: String) -> Gender {
        genderLabels[LabelMap<String>.key(text)] ?? .unknown
    }

    /// `Adult` / `Minor`; `.unknown` for `Unknown`, `-99` or empty; nil for any other label (an error).
    static func majorityStatus(_ text: String) -> AgeGroup? {
        switch LabelMap<String>.key(text) {
        case "adult": .adult
        case "minor": .minor
        case "unknown", "", missing: .unknown
        default: nil
        }
    }

    /// What an `ageBroad` value says.
    enum AgeBand: Equatable {
        /// Minor (the band ends below 18), adult (it starts at 18 or later), or unknown (`Unknown`, `-99`, empty).
        case group(AgeGroup)
        /// A well-formed band that includes both 17 and 18 (no release has one).
        case spans18
        /// Not an age band.
        case unrecognized
    }

    /// `LOW--HIGH` (`0--8`, `09--17`, `48--56`) or `LOW+` (`48+`), with 1 to 3 digits each and LOW ≤ HIGH; `Unknown`,
    /// `-99` and empty are unknown.
    static func ageBand(_ text: String) -> AgeBand {
        switch LabelMap<String>.key(text) {
        case "unknown", "", missing: return .group(.unknown)
        default: break
        }
        func number<S: StringProtocol>(_ digits: S) -> Int? {
            guard (1...3).contains(digits.utf8.count), digits.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                return nil
            }
            return Int(digits)
        }
        if text.hasSuffix("+") {
            guard let low = number(text.dropLast()) else { return .unrecognized }
            return low >= 18 ? .group(.adult) : .spans18
        }
        let bounds = text.split(separator: "--", maxSplits: 1, omittingEmptySubsequences: false)
        guard bounds.count == 2, let low = number(bounds[0]), let high = number(bounds[1]), low <= high else {
            return .unrecognized
        }
        if high < 18 { return .group(.minor) }
        if low >= 18 { return .group(.adult) }
        return .spans18
    }

    /// Citizenship from where the victim was exploited and their nationality (alpha-2 codes, nil = unknown):
    /// - either unknown → `unknown`;
    /// - exploited in the US: a US national → `us_citizen_lpr`, any other → `foreign_national`;
    /// - elsewhere: the same country → `national`, another → `foreign_national`.
    static func citizenship(country: String?, nationality: String?) -> String {
        guard let country, let nationality else { return Citizenship.unknown.code }
        if country == "US" {
            return nationality == "US" ? Citizenship.usCitizenLPR.code : Citizenship.foreignNational.code
        }
        return nationality == country ? CTDCVocabulary.national.code : Citizenship.foreignNational.code
    }
}

// MARK: - The result

/// Why a row gives no victim: every problem found in it (never empty).
public struct CTDCRowIssues: Error, Equatable, Sendable {
    public var issues: [RowIssue]

    public init(_ issues: [RowIssue]) { self.issues = issues }
}

/// One CTDC victim as htdb stores it (issue 9: each row becomes one case with one victim).
public struct CTDCVictim: Hashable, Sendable {
    /// `yearOfRegistration`: the year the victim was registered (1990...2100). CTDC gives no date.
    public var year: Int
    /// `CountryOfExploitation` as ISO 3166-1 alpha-2; nil when unknown.
    public var country: String?
    /// `citizenship` (the victim's nationality) as ISO 3166-1 alpha-2; nil when unknown.
    public var nationality: String?
    /// A trafficking type code: `sex`, `labor`, `sex_and_labor`, `not_specified` (``TraffickingType``) or
    /// `other_exploitation` (``CTDCVocabulary/otherExploitation``).
    public var traffickingType: String
    /// Venue codes (those of ``Venue/all`` and ``CTDCVocabulary/venues``), in ``CTDCColumn/venueFlags`` order, each
    /// once.
    public var venues: [String]
    public var gender: Gender
    public var ageGroup: AgeGroup
    /// A citizenship code: `us_citizen_lpr`, `foreign_national`, `unknown` (``Citizenship``) or `national`
    /// (``CTDCVocabulary/national``).
    public var citizenship: String

    public init(year: Int, country: String?, nationality: String?, traffickingType: String, venues: [String],
                gender: Gender, ageGroup: AgeGroup, citizenship: String) {
        self.year = year
        self.country = country
        self.nationality = nationality
        self.traffickingType = traffickingType
        self.venues = venues
        self.gender = gender
        self.ageGroup = ageGroup
        self.citizenship = citizenship
    }
}

/// The codes the CTDC mapping gives that the hotline vocabulary lacks (issue 9, "Mapping"): a migration must add
/// them before CTDC rows can be stored.
public enum CTDCVocabulary {
    /// A code with its display label (and, for a venue, its kind).
    public struct Term: Hashable, Sendable {
        public let code: String
        public let label: String
        /// For venues: `sex` or `labor`; nil for other vocabularies.
        public let kind: VenueKind?
    }

    /// The trafficking type of a victim with neither sexual nor labour exploitation recorded but another form:
    /// forced marriage, forced military service, organ removal, slavery and similar practices, or other.
    public static let otherExploitation = Term(code: "other_exploitation", label: "Other exploitation", kind: nil)

    /// The citizenship of a victim exploited in their own country (outside the US).
    public static let national = Term(code: "national", label: "Citizen of the country of exploitation", kind: nil)

    /// Venues and industries that only CTDC has.
    public static let venues: [Term] = [
        Term(code: "aquafarming", label: "Aquafarming", kind: .labor),
        Term(code: "mining_drilling", label: "Mining/Drilling", kind: .labor),
        Term(code: "transportation", label: "Transportation", kind: .labor),
        Term(code: "prostitution", label: "Prostitution, venue not specified", kind: .sex),
    ]
}

// MARK: - Countries

/// The ISO 3166-1 countries the mapping accepts, loaded by the caller (from the database's `countries` table).
public struct CTDCCountries: Sendable {
    /// Alpha-2 codes, upper case.
    public let alpha2: Set<String>
    /// Alpha-3 code → alpha-2 code, upper case.
    public let alpha3ToAlpha2: [String: String]

    /// Codes are taken as given, upper-cased.
    public init(alpha2: Set<String>, alpha3ToAlpha2: [String: String]) {
        self.alpha2 = Set(alpha2.map { $0.uppercased() })
        var alpha3: [String: String] = [:]
        for (three, two) in alpha3ToAlpha2 { alpha3[three.uppercased()] = two.uppercased() }
        self.alpha3ToAlpha2 = alpha3
    }

    /// CTDC's placeholders for an unknown country (old releases `ZZ`, `00`, `0`, `-99`; new ones leave it empty).
    public static let unknownTokens: Set<String> = ["ZZ", "00", "0", "-99", ""]

    /// What a country field says.
    public enum Resolution: Equatable, Sendable {
        /// A country, as its alpha-2 code.
        case known(String)
        /// One of ``unknownTokens``.
        case unknown
        /// Neither a known alpha-2 or alpha-3 code nor an unknown token.
        case unrecognized
    }

    /// Resolves a (trimmed) field: an unknown token, an alpha-2 code, or an alpha-3 code; letter case is ignored.
    public func resolve(_ text: String) -> Resolution {
        let code = text.uppercased()
        if Self.unknownTokens.contains(code) { return .unknown }
        if code.utf8.count == 2, alpha2.contains(code) { return .known(code) }
        if code.utf8.count == 3, let two = alpha3ToAlpha2[code] { return .known(two) }
        return .unrecognized
    }
}

// MARK: - Columns

/// The CTDC columns the mapping reads; the raw value is CTDC's header name. Every other column of a file is ignored.
///
/// Required (a file without one of them is refused): `yearOfRegistration`, `gender`, `ageBroad`, `majorityStatus`,
/// `citizenship`, `CountryOfExploitation` and the exploitation flags of every release (`isForcedLabour`,
/// `isSexualExploit`, `isOtherExploit`, `isSexAndLabour`, `isForcedMarriage`, `isForcedMilitary`, `isOrganRemoval`).
///
/// Optional (an absent column counts as a flag that is never set, and ``CTDCHeader/absentOptionalColumns`` names
/// it): `isSlaveryAndPractices` (newer releases only) and every `typeOfLabour*` / `typeOfSex*` flag, since releases
/// differ in which kinds of labour and sex exploitation they record.
public enum CTDCColumn: String, CaseIterable, Sendable {
    case yearOfRegistration
    case gender
    case ageBroad
    case majorityStatus
    case citizenship
    case countryOfExploitation = "CountryOfExploitation"

    case isForcedLabour
    case isSexualExploit
    case isOtherExploit
    case isSexAndLabour
    case isForcedMarriage
    case isForcedMilitary
    case isOrganRemoval
    case isSlaveryAndPractices

    case typeOfLabourAgriculture
    case typeOfLabourAquafarming
    case typeOfLabourBegging
    case typeOfLabourConstruction
    case typeOfLabourDomesticWork
    case typeOfLabourHospitality
    case typeOfLabourIllicitActivities
    case typeOfLabourManufacturing
    case typeOfLabourMiningOrDrilling
    case typeOfLabourPeddling
    case typeOfLabourTransportation
    case typeOfLabourOther
    case typeOfLabourNotSpecified
    case typeOfSexProstitution
    case typeOfSexPornography
    case typeOfSexRemoteInteractiveServices
    case typeOfSexPrivateSexualServices
    case typeOfSexNotSpecified

    /// Whether a file must have the column.
    public var isRequired: Bool {
        switch self {
        case .isSlaveryAndPractices: false
        default: venueFlag == nil
        }
    }

    /// Flags that make a victim's type `other_exploitation` when neither sexual nor labour exploitation is set.
    static let otherExploitationFlags: [CTDCColumn] = [
        .isOtherExploit, .isForcedMarriage, .isForcedMilitary, .isOrganRemoval, .isSlaveryAndPractices,
    ]

    /// The typeOf flags in the order venues are listed.
    static let venueFlags: [CTDCColumn] = allCases.filter { $0.venueFlag != nil }

    /// For a typeOf flag: `.some(venue code)`, or `.some(nil)` for a NotSpecified flag, which adds no venue.
    /// nil for every other column.
    private var venueFlag: String?? {
        switch self {
        case .typeOfLabourAgriculture: "agriculture"
        case .typeOfLabourAquafarming: "aquafarming"
        case .typeOfLabourBegging: "peddling_begging"
        case .typeOfLabourConstruction: "construction"
        case .typeOfLabourDomesticWork: "domestic_work"
        case .typeOfLabourHospitality: "hospitality"
        case .typeOfLabourIllicitActivities: "illicit_activities"
        case .typeOfLabourManufacturing: "factories_manufacturing"
        case .typeOfLabourMiningOrDrilling: "mining_drilling"
        case .typeOfLabourPeddling: "peddling_begging"
        case .typeOfLabourTransportation: "transportation"
        case .typeOfLabourOther: "other_industry"
        case .typeOfLabourNotSpecified: .some(nil)
        case .typeOfSexProstitution: "prostitution"
        case .typeOfSexPornography: "pornography"
        case .typeOfSexRemoteInteractiveServices: "remote_interactive"
        case .typeOfSexPrivateSexualServices: "personal_sexual_servitude"
        case .typeOfSexNotSpecified: .some(nil)
        default: nil
        }
    }

    /// The venue code a set typeOf flag adds; nil for NotSpecified flags and columns that are not typeOf flags.
    public var venue: String? { venueFlag ?? nil }
}

// MARK: - Header

/// A CTDC file's header: where each column the mapping reads is, and which columns are ignored.
///
/// Columns are found by name (letter case and surrounding white space ignored), in any order. Every header that is
/// not a ``CTDCColumn`` is ignored: CTDC columns the mapping does not use (`Datasource`, `meansOfControl*`,
/// `RecruiterRelationship`, `*Concatenated`, ...), and the terms-of-use column of old releases, whose header is a
/// sentence.
public struct CTDCHeader: Sendable {
    /// The header fields, trimmed, in file order.
    public let names: [String]
    /// Ignored columns, in file order, as a warning may name them: the header, or for an empty or long one
    /// `column N (no header)`, `column N (terms of use)` (old releases' first column), `column N (a long header)`.
    public let ignoredColumns: [String]
    /// Optional columns (``CTDCColumn/isRequired``) the file does not have, by CTDC name: their flags are never set.
    public let absentOptionalColumns: [String]
    /// Field index of each column the file has.
    private let layout: [CTDCColumn: Int]

    /// The number of fields every row must have.
    public var fieldCount: Int { names.count }

    /// Reads the header line's fields (decoded, not trimmed).
    ///
    /// - Throws: `FileIssue` (line 1) naming the first missing required column and listing every missing one; or
    ///   naming a used column that appears twice.
    public init(fields: [String]) throws(FileIssue) {
        names = fields.map(RowValidator.trim)
        var byKey: [String: CTDCColumn] = [:]
        for column in CTDCColumn.allCases { byKey[LabelMap<String>.key(column.rawValue)] = column }

        var layout: [CTDCColumn: Int] = [:]
        var ignored: [String] = []
        for (index, name) in names.enumerated() {
            guard let column = byKey[LabelMap<String>.key(name)] else {
                ignored.append(Self.displayName(name, index: index))
                continue
            }
            if let first = layout[column] {
                throw FileIssue(line: 1, column: name, message: "duplicate column (also column \(first + 1))")
            }
            layout[column] = index
        }
        let missing = CTDCColumn.allCases.filter { $0.isRequired && layout[$0] == nil }
        if let first = missing.first {
            throw FileIssue(line: 1, column: first.rawValue,
                            message: "required CTDC column is missing (missing: "
                                + missing.map(\.rawValue).joined(separator: ", ") + "); no row was read")
        }
        absentOptionalColumns = CTDCColumn.allCases.filter { !$0.isRequired && layout[$0] == nil }.map(\.rawValue)
        ignoredColumns = ignored
        self.layout = layout
    }

    /// A column of the file: where it is and what the file calls it.
    public struct Field: Equatable, Sendable {
        /// The field index; nil when the file has no such column.
        public let index: Int?
        /// The file's spelling of the header (issues name the column so); CTDC's name when the file lacks it.
        public let name: String
    }

    /// Where `column` is in the file.
    public func field(_ column: CTDCColumn) -> Field {
        guard let index = layout[column], index < names.count else { return Field(index: nil, name: column.rawValue) }
        return Field(index: index, name: names[index])
    }

    /// Headers longer than this are shown as `column N (...)` rather than repeated.
    static let longestShownName = 40

    /// How a warning names an ignored column: its header, or `column N` (1-based) with a note in place of an empty
    /// header or one longer than ``longestShownName`` (the terms-of-use sentence), so that no long text is repeated.
    static func displayName(_ name: String, index: Int) -> String {
        if name.isEmpty { return "column \(index + 1) (no header)" }
        guard name.unicodeScalars.count > longestShownName else { return name }
        return name.lowercased().contains("terms") ? "column \(index + 1) (terms of use)"
            : "column \(index + 1) (a long header)"
    }

    // MARK: Delimiter

    /// The delimiter of a CTDC CSV file from its first line: `;` when the header line has more semicolons than
    /// commas outside double quotes, else `,`. Reading stops at the first line break outside quotes; a leading UTF-8
    /// byte-order mark is skipped. Pass the file's first bytes (a whole line or more).
    public static func sniffDelimiter(_ firstLine: [UInt8]) -> UInt8 {
        let comma = UInt8(ascii: ","), semicolon = UInt8(ascii: ";"), quote = UInt8(ascii: "\"")
        let bom: [UInt8] = [0xEF, 0xBB, 0xBF]
        var commas = 0
        var semicolons = 0
        var quoted = false
        for byte in firstLine.starts(with: bom) ? firstLine.dropFirst(3) : firstLine[...] {
            switch byte {
            case quote: quoted.toggle()
            case comma where !quoted: commas += 1
            case semicolon where !quoted: semicolons += 1
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): if !quoted { return semicolons > commas ? semicolon : comma }
            default: break
            }
        }
        return semicolons > commas ? semicolon : comma
    }
}
