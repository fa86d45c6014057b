import Foundation

/// The columns of the export format (shared/spec/hotline-export.md, "Columns").
public enum ExportColumn: String, CaseIterable, Sendable, Hashable {
    case caseID = "case_id"
    case reportedOn = "reported_on"
    case state
    case county
    case city
    case traffickingType = "trafficking_type"
    case venues
    case victimID = "victim_id"
    case victimGender = "victim_gender"
    case victimAgeGroup = "victim_age_group"
    case victimAge = "victim_age"
    case victimCitizenship = "victim_citizenship"

    public var isRequired: Bool { [.caseID, .reportedOn, .state, .traffickingType].contains(self) }
    public var isVictimColumn: Bool { [.victimID, .victimGender, .victimAgeGroup, .victimAge, .victimCitizenship].contains(self) }
}

/// How a file's layout maps onto the export format: header names, extra labels, date format, venue separator.
/// Anything a profile leaves out keeps the spec's rule. See the spec's "Profiles" section.
///
///     {"name": "hotline-2019", "columns": {"case_id": "Case Number"}, "date_format": "MM/dd/yyyy",
///      "venue_separator": "|", "labels": {"trafficking_type": {"Sex Trafficking Only": "sex"}}}
public struct Profile: Sendable {
    /// Recorded in each import batch.
    public let name: String
    /// Export column -> header name in the file (only the renamed ones).
    public let columns: [ExportColumn: String]
    /// Export column -> (label -> code): extra labels for trafficking_type, venues, victim_gender,
    /// victim_age_group, victim_citizenship and state (a USPS code).
    public let labels: [ExportColumn: [String: String]]
    public let dateFormat: DateFormat
    public let venueSeparator: String
    /// What kind of data the files are: a hotline export (this profile maps its layout), or the CTDC global victim
    /// dataset (read by ``CTDCMapping``; columns, labels, date format and separator do not apply).
    public let dataSource: DataSource

    /// The kinds of data htdb imports.
    public enum DataSource: String, Sendable, CaseIterable {
        /// A hotline export (shared/spec/hotline-export.md), in the spec's layout or one a profile maps.
        case hotline
        /// The Counter-Trafficking Data Collaborative's global victim dataset (issue 9): one victim per row.
        case ctdc

        /// The data source of a batch imported with the profile named `profile` (import_batches.profile): only
        /// the built-in `ctdc` profile reads CTDC files.
        public init(batchProfile profile: String) {
            self = profile == Profile.ctdc.name ? .ctdc : .hotline
        }

        /// How a reader names it: "hotline" or "CTDC".
        public var displayName: String {
            switch self {
            case .hotline: "hotline"
            case .ctdc: "CTDC"
            }
        }
    }

    /// The spec's own layout.
    public static let hotline = Profile(
        name: "hotline", columns: [:], labels: [:], dateFormat: .iso, venueSeparator: ";")

    /// The CTDC global victim dataset as published (CSV; `,` or `;` delimited; both release layouts).
    public static let ctdc = Profile(
        name: "ctdc", columns: [:], labels: [:], dateFormat: .iso, venueSeparator: ";", dataSource: .ctdc)

    /// Profiles built into htdb, by name.
    public static let builtIn: [String: Profile] = ["hotline": hotline, "ctdc": ctdc]

    public init(name: String, columns: [ExportColumn: String], labels: [ExportColumn: [String: String]],
                dateFormat: DateFormat, venueSeparator: String, dataSource: DataSource = .hotline) {
        self.dataSource = dataSource
        self.name = name
        self.columns = columns
        self.labels = labels
        self.dateFormat = dateFormat
        self.venueSeparator = venueSeparator
    }

    /// The header name the file uses for `column`.
    public func header(for column: ExportColumn) -> String { columns[column] ?? column.rawValue }

    /// Columns whose labels a profile may extend.
    static let labelledColumns: [ExportColumn] = [.traffickingType, .venues, .victimGender, .victimAgeGroup,
                                                  .victimCitizenship, .state]

    /// A problem in a profile file, named with the file and the key.
    public struct Invalid: Error, CustomStringConvertible, Sendable, Equatable {
        public let source: String
        public let message: String
        /// `FILE:1:` for a profile file (a whole-file problem, as the import's own messages name a line);
        /// a built-in profile's name as is.
        public var description: String {
            let isFile = source.hasSuffix(".json") || source.contains("/")
            return "\(source)\(isFile ? ":1" : ""): invalid profile: \(message)"
        }
    }

    /// A built-in profile by name, or a JSON profile file (a path ending in `.json` or holding a `/`).
    /// - Throws: `Profile.Invalid`.
    public static func load(_ nameOrPath: String) throws -> Profile {
        if let profile = builtIn[nameOrPath] { return profile }
        guard nameOrPath.hasSuffix(".json") || nameOrPath.contains("/") else {
            throw Invalid(source: nameOrPath, message: "no built-in profile of that name (built in: "
                + "\(builtIn.keys.sorted().joined(separator: ", "))); a profile file must end in .json")
        }
        guard let data = FileManager.default.contents(atPath: nameOrPath) else {
            throw Invalid(source: nameOrPath, message: "cannot read the file")
        }
        return try parse(data, source: nameOrPath)
    }

    /// Parses a profile's JSON; `source` names it in errors.
    public static func parse(_ data: Data, source: String) throws -> Profile {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data)
        } catch {
            throw Invalid(source: source, message: "not valid JSON")
        }
        guard let root = object as? [String: Any] else {
            throw Invalid(source: source, message: "the top level must be a JSON object")
        }
        let known: Set<String> = ["name", "description", "columns", "labels", "date_format", "venue_separator"]
        if let unknown = root.keys.filter({ !known.contains($0) }).sorted().first {
            throw Invalid(source: source, message: "unknown key \"\(unknown)\" (known: \(known.sorted().joined(separator: ", ")))")
        }
        func text(_ key: String, _ value: Any?) throws -> String? {
            guard let value else { return nil }
            guard let string = value as? String else { throw Invalid(source: source, message: "\(key) must be a string") }
            return string
        }
        let fallbackName = ((source as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = try text("name", root["name"]) ?? fallbackName
        if name.isEmpty { throw Invalid(source: source, message: "name must not be empty") }

        var columns: [ExportColumn: String] = [:]
        if let value = root["columns"] {
            guard let map = value as? [String: Any] else {
                throw Invalid(source: source, message: "columns must be an object of export column -> header name")
            }
            for (key, header) in map {
                guard let column = ExportColumn(rawValue: key) else {
                    throw Invalid(source: source, message: "columns: \"\(key)\" is not a column of the export format")
                }
                guard let header = try text("columns.\(key)", header), !LabelMap<String>.fold(header).isEmpty else {
                    throw Invalid(source: source, message: "columns.\(key) must be a non-empty header name")
                }
                columns[column] = header
            }
            let headers = columns.values.map { LabelMap<String>.key($0) }
            if Set(headers).count != headers.count {
                throw Invalid(source: source, message: "columns: two columns map to the same header")
            }
        }

        var labels: [ExportColumn: [String: String]] = [:]
        if let value = root["labels"] {
            guard let map = value as? [String: Any] else {
                throw Invalid(source: source, message: "labels must be an object of export column -> {label: code}")
            }
            for (key, entries) in map {
                guard let column = ExportColumn(rawValue: key), labelledColumns.contains(column) else {
                    throw Invalid(source: source, message: "labels: \"\(key)\" takes no labels (columns with labels: "
                        + "\(labelledColumns.map(\.rawValue).joined(separator: ", ")))")
                }
                guard let entries = entries as? [String: Any] else {
                    throw Invalid(source: source, message: "labels.\(key) must be an object of label -> code")
                }
                var resolved: [String: String] = [:]
                for (label, code) in entries {
                    guard let code = code as? String else {
                        throw Invalid(source: source, message: "labels.\(key).\(label) must be a code (a string)")
                    }
                    // State codes are checked against the database's states when the import starts.
                    guard column == .state || validCodes(for: column).contains(code) else {
                        throw Invalid(source: source, message: "labels.\(key): \"\(code)\" is not a code of \(key) "
                            + "(see htdb vocab)")
                    }
                    resolved[label] = code
                }
                labels[column] = resolved
            }
        }

        var dateFormat = DateFormat.iso
        if let pattern = try text("date_format", root["date_format"]) {
            do { dateFormat = try DateFormat(pattern) } catch let error as DateFormat.InvalidPattern {
                throw Invalid(source: source, message: error.description)
            }
        }
        let separator = try text("venue_separator", root["venue_separator"]) ?? ";"
        if separator.isEmpty || separator.contains(where: \.isWhitespace) {
            throw Invalid(source: source, message: "venue_separator must be one or more non-space characters")
        }
        return Profile(name: name, columns: columns, labels: labels, dateFormat: dateFormat, venueSeparator: separator)
    }

    private static func validCodes(for column: ExportColumn) -> Set<String> {
        switch column {
        case .traffickingType: Set(TraffickingType.hotlineCases.map(\.code))
        case .venues: Set(Venue.hotline.map(\.code))
        case .victimGender: Set(Gender.hotlineCases.map(\.code))
        case .victimAgeGroup: Set(AgeGroup.hotlineCases.map(\.code))
        case .victimCitizenship: Set(Citizenship.hotlineCases.map(\.code))
        default: []
        }
    }
}
