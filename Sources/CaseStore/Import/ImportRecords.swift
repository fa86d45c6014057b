import CSV

/// One row of an export as read from the file: each export column's text (nil where the file has no such column,
/// or NDJSON gives null), before any checking.
public struct RawRow: Sendable {
    // Where the columns' text is: the fields of a CSV record, read in place (valid UTF-8, checked by the source),
    // or strings. A CSV row is checked from its record's bytes: a String per field of every row read was a third of
    // the reading thread's work. (Plain properties rather than an enum: binding an enum's payload to read it cost a
    // retain and a release per field.) Every reference a row holds is retained when it is copied and released
    // when it is destroyed, atomically: the field map is a value for that reason, not an array.
    /// The CSV record, or nil for a row of strings.
    private let record: CSVRecord?
    /// For each column, its field in `record` (the same for every row of the file).
    private let fieldMap: FieldMap
    private let strings: [String?]

    /// The physical line where the row starts (CSV), or the NDJSON line.
    public var line: Int
    /// Venues already split into labels (NDJSON); nil means split the venues column by the profile's separator.
    public var venueList: [String]?
    /// How errors name each column (the file's header, or an NDJSON key path), indexed like `values`.
    public var columnNames: [String]

    public init(line: Int, values: [String?], venueList: [String]? = nil, columnNames: [String]) {
        self.line = line
        record = nil
        fieldMap = FieldMap()
        strings = values
        self.venueList = venueList
        self.columnNames = columnNames
    }

    /// A row whose column `c` is field `fieldMap[c]` of `record`; every such field must be valid UTF-8.
    init(line: Int, record: CSVRecord, fieldMap: FieldMap, columnNames: [String]) {
        self.line = line
        self.record = record
        self.fieldMap = fieldMap
        strings = []
        venueList = nil
        self.columnNames = columnNames
    }

    /// Each column's text, indexed by `ExportColumn.index`.
    public var values: [String?] { ExportColumn.allCases.map { self[$0] } }

    public subscript(column: ExportColumn) -> String? {
        withBytes(column) { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// Calls `body` with the column's UTF-8 bytes, or nil when the row has no such column; the bytes are valid only
    /// inside `body`.
    func withBytes<R>(_ column: ExportColumn, _ body: (UnsafeBufferPointer<UInt8>?) -> R) -> R {
        if record != nil {
            guard let index = fieldMap[column] else { return body(nil) }
            return record.unsafelyUnwrapped.withField(index) { body($0) }
        }
        guard var text = strings[column.index] else { return body(nil) }
        return text.withUTF8 { body($0) }
    }
}

/// For each export column, the index of its field in a CSV record, or nil when the file has no such column: held
/// inline (16 lanes of 32 bits), so a row that carries it has nothing more to retain.
struct FieldMap: Sendable {
    private var lanes = SIMD16<Int32>(repeating: -1)

    init() {}

    /// - Precondition: `index` is nil or in 0...Int32.max (a record has at most ``CSVReader``'s field limit).
    subscript(column: ExportColumn) -> Int? {
        get {
            let lane = lanes[column.index]
            return lane < 0 ? nil : Int(lane)
        }
        set { lanes[column.index] = newValue.map { Int32($0) } ?? -1 }
    }
}

extension ExportColumn {
    /// Position in `allCases`, for arrays indexed by column.
    public var index: Int {
        switch self {
        case .caseID: 0
        case .reportedOn: 1
        case .state: 2
        case .county: 3
        case .city: 4
        case .traffickingType: 5
        case .venues: 6
        case .victimID: 7
        case .victimGender: 8
        case .victimAgeGroup: 9
        case .victimAge: 10
        case .victimCitizenship: 11
        }
    }
}

/// A case's fields once checked and resolved to codes: what the `cases` and `case_venues` tables store.
public struct CaseRecord: Equatable, Sendable {
    public var caseRef: String
    /// `YYYY-MM-DD`; empty when the source gives only the year (CTDC), stored as NULL.
    public var reportedOn: String
    public var year: Int
    /// USPS code; empty for a case with no US state (CTDC), stored as NULL.
    public var state: String
    public var countyFIPS: String?
    public var city: String?
    public var traffickingType: TraffickingType
    /// Venue ids (iterated ascending).
    public var venueIDs: VenueSet
    /// ISO 3166-1 alpha-2: where the case is (every hotline case is in the US).
    public var country: String = "US"
}

/// A victim's fields once checked and resolved to codes.
public struct VictimRecord: Equatable, Sendable {
    public var ref: String?
    public var gender: Gender
    public var ageGroup: AgeGroup
    public var age: Int?
    public var citizenship: Citizenship
    /// ISO 3166-1 alpha-2 of the victim's nationality; nil when unknown (hotline victims).
    public var nationality: String? = nil
}

/// A problem with one field of one row, printed as `FILE:LINE:COLUMN: message`. The message never holds a victim
/// value other than the offending field's own.
public struct RowIssue: Error, Equatable, Sendable {
    public var line: Int
    /// The file's name for the column (or an NDJSON key path); empty when the problem is the whole row.
    public var column: String
    public var message: String

    public init(line: Int, column: String, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `FILE:LINE:COLUMN: message` (no column part when there is none).
    public func formatted(file: String) -> String {
        column.isEmpty ? "\(file):\(line): \(message)" : "\(file):\(line):\(column): \(message)"
    }
}

/// The outcome of checking one row.
public struct RowValidation: Sendable {
    /// The row's case reference when it could be read, even if the row is invalid (to reject the whole case).
    public var caseRef: String?
    public var caseRecord: CaseRecord?
    /// nil when the row's victim columns are all empty (a case with no victim detail), or the row is invalid.
    public var victim: VictimRecord?
    public var issues: [RowIssue]

    public var isValid: Bool {
        // A pattern, not `caseRecord != nil`: that copied the record (its strings retained and released) to compare.
        guard issues.isEmpty, case .some = caseRecord else { return false }
        return true
    }
}
