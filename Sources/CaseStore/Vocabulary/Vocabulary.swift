/// A coded vocabulary of the hotline export spec (shared/spec/hotline-export.md, "Vocabulary"): each term has a code
/// (stored in the database), a display label, and other labels that exports use for it.
///
///     TraffickingType.resolve("Sex Trafficking")   // .sex
///     Gender.resolve("  trans/transgender/nonconforming ")   // .genderMinority
public protocol VocabularyTerm: RawRepresentable, CaseIterable, Hashable, Sendable where RawValue == String {
    /// The column name in the export spec and the report dimension, e.g. "trafficking_type".
    static var vocabularyName: String { get }
    /// The lookup table seeded by the migrations, e.g. "trafficking_types".
    static var tableName: String { get }
    /// The display label, e.g. "Sex and Labor".
    var label: String { get }
    /// Labels accepted besides `label` and the code, e.g. "Sex & Labor".
    var otherLabels: [String] { get }
    /// Whether a hotline export may use the term: false for the terms only the CTDC import gives (migration 0004).
    var isHotlineTerm: Bool { get }
}

extension VocabularyTerm {
    /// The code stored in the database, e.g. "sex_and_labor".
    public var code: String { rawValue }

    public var isHotlineTerm: Bool { true }

    /// The terms a hotline export may use, in `allCases` order.
    public static var hotlineCases: [Self] { allCases.filter(\.isHotlineTerm) }

    /// Every label that resolves to this term: its code, its label and its other labels.
    public var acceptedLabels: [String] { [code, label] + otherLabels }

    /// The term's place in `allCases` (0, 1, ...): a small number for keys and tables indexed by term.
    var ordinal: Int {
        // One pass over `allCases` (the importer asks for every row it counts).
        var index = 0
        for term in Self.allCases {
            if term == self { return index }
            index += 1
        }
        return 0
    }

    /// The term `text` names (code or any accepted label, case-insensitive, white space folded), or nil.
    /// Builds its map on each call; hot paths keep a `LabelMap` instead.
    public static func resolve(_ text: String) -> Self? {
        (try? LabelMap(terms: Self.self))?.resolve(text)
    }
}

/// Which trafficking a case is (one per case).
public enum TraffickingType: String, VocabularyTerm {
    case sex
    case labor
    case sexAndLabor = "sex_and_labor"
    case notSpecified = "not_specified"
    /// CTDC only: neither sexual nor labour exploitation recorded, but another form (forced marriage, forced
    /// military service, organ removal, slavery and similar practices, other).
    case otherExploitation = "other_exploitation"

    public static let vocabularyName = "trafficking_type"
    public static let tableName = "trafficking_types"

    public var label: String {
        switch self {
        case .sex: "Sex"
        case .labor: "Labor"
        case .sexAndLabor: "Sex and Labor"
        case .notSpecified: "Not Specified"
        case .otherExploitation: CTDCVocabulary.otherExploitation.label
        }
    }

    public var isHotlineTerm: Bool { self != .otherExploitation }

    public var otherLabels: [String] {
        switch self {
        case .sex: ["Sex Trafficking"]
        case .labor: ["Labor Trafficking", "Labour"]
        case .sexAndLabor: ["Sex & Labor", "Sex and Labor Trafficking"]
        case .notSpecified: ["Trafficking Type Not Specified", "Other/Not Specified", "Unknown"]
        case .otherExploitation: []
        }
    }
}

/// A victim's gender.
public enum Gender: String, VocabularyTerm {
    case female
    case male
    case genderMinority = "gender_minority"
    case unknown

    public static let vocabularyName = "gender"
    public static let tableName = "genders"

    public var label: String {
        switch self {
        case .female: "Female"
        case .male: "Male"
        case .genderMinority: "Gender Minority"
        case .unknown: "Unknown"
        }
    }

    public var otherLabels: [String] {
        switch self {
        case .female: ["F", "Woman", "Girl"]
        case .male: ["M", "Man", "Boy"]
        case .genderMinority:
            ["Gender Minorities", "Transgender", "Trans/Transgender/NonConforming", "Non-Binary",
             "Gender Non-Conforming"]
        case .unknown: []
        }
    }
}

/// A victim's age group: a minor is under 18.
public enum AgeGroup: String, VocabularyTerm {
    case minor
    case adult
    case unknown

    public static let vocabularyName = "age_group"
    public static let tableName = "age_groups"

    public var label: String {
        switch self {
        case .minor: "Minor"
        case .adult: "Adult"
        case .unknown: "Unknown"
        }
    }

    public var otherLabels: [String] {
        switch self {
        case .minor: ["Minors", "Child"]
        case .adult: ["Adults"]
        case .unknown: []
        }
    }

    /// The group an age in years falls in.
    public init(age: Int) {
        self = age < 18 ? .minor : .adult
    }
}

/// A victim's citizenship.
public enum Citizenship: String, VocabularyTerm {
    case usCitizenLPR = "us_citizen_lpr"
    case foreignNational = "foreign_national"
    case unknown
    /// CTDC only: a citizen of the country of exploitation, outside the US.
    case national

    public static let vocabularyName = "citizenship"
    public static let tableName = "citizenships"

    public var label: String {
        switch self {
        case .usCitizenLPR: "U.S. Citizen/LPR"
        case .foreignNational: "Foreign National"
        case .unknown: "Unknown"
        case .national: CTDCVocabulary.national.label
        }
    }

    public var isHotlineTerm: Bool { self != .national }

    public var otherLabels: [String] {
        switch self {
        case .usCitizenLPR:
            ["US Citizen/Lawful Permanent Resident", "U.S. Citizen", "US Citizen", "Lawful Permanent Resident", "LPR"]
        case .foreignNational: []
        case .unknown: []
        case .national: []
        }
    }
}
