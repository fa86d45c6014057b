import Foundation

/// What a report breaks its counts down by. Case dimensions count cases; as soon as a victim dimension is among
/// them, the unit counted is victims.
public enum Dimension: String, CaseIterable, Sendable, Hashable {
    case type
    case venue
    case state
    case county
    case year
    case gender
    case ageGroup = "age_group"
    case citizenship
    /// Where the case is (ISO 3166-1 alpha-2; every hotline case is US). Counted from the stored rows.
    case country
    /// The victim's nationality (ISO 3166-1 alpha-2, or unknown). Counted from the stored rows.
    case nationality

    public var isVictimDimension: Bool {
        self == .gender || self == .ageGroup || self == .citizenship || self == .nationality
    }

    /// Whether no count table has the dimension (migration 0004 added none for countries).
    var needsStoredRows: Bool { self == .country || self == .nationality }

    /// The count tables' column that holds the dimension's code (a constant: never user input).
    var column: String {
        switch self {
        case .type: "trafficking_type"
        case .venue: "venue_id"
        case .state: "state"
        case .county: "county_fips"
        case .year: "year"
        case .gender: "gender"
        case .ageGroup: "age_group"
        case .citizenship: "citizenship"
        case .country: "country"
        case .nationality: "nationality"
        }
    }

    /// The same column in the stored rows (`cases c`, `victims x`, `case_venues cv`).
    var rowExpression: String {
        switch self {
        case .venue: "cv.venue_id"
        case .gender, .ageGroup, .citizenship, .nationality: "x.\(column)"
        default: "c.\(column)"
        }
    }

    /// Parses `type,venue` (or `age-group`), rejecting unknown and repeated names.
    public static func parseList(_ text: String) throws -> [Dimension] {
        var result: [Dimension] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "-", with: "_")
            guard let dimension = Dimension(rawValue: name) else {
                throw ReportError.unknownDimension(String(part), known: allCases.map(\.rawValue))
            }
            guard !result.contains(dimension) else { throw ReportError.repeatedDimension(name) }
            result.append(dimension)
        }
        if result.isEmpty { throw ReportError.unknownDimension("", known: allCases.map(\.rawValue)) }
        return result
    }
}

/// A report that cannot be made as asked.
public enum ReportError: Error, Equatable, CustomStringConvertible, Sendable {
    case unknownDimension(String, known: [String])
    case repeatedDimension(String)
    case invalidFilter(option: String, message: String)

    public var description: String {
        switch self {
        case .unknownDimension(let name, let known):
            "unknown dimension \"\(name)\" (dimensions: \(known.joined(separator: ", ")))"
        case .repeatedDimension(let name): "the dimension \(name) is named twice"
        case .invalidFilter(let option, let message): "\(option): \(message)"
        }
    }
}
