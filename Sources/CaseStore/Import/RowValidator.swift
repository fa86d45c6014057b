/// Checks one row against the export spec and resolves its labels to codes: the rules of
/// shared/spec/hotline-export.md ("Columns", "Vocabulary"), with a profile's extra labels, date format and venue
/// separator. Pure: no I/O, no database; every rule is one place.
///
///     let validator = try RowValidator(profile: .hotline, geography: geography, today: (2026, 11, 29))
///     let result = validator.validate(row)   // result.caseRecord, result.victim, result.issues
public struct RowValidator: Sendable {
    public let profile: Profile
    let geography: Geography
    let types: LabelMap<TraffickingType>
    let genders: LabelMap<Gender>
    let ageGroups: LabelMap<AgeGroup>
    let citizenships: LabelMap<Citizenship>
    let venues: LabelMap<Venue>
    let stateLabels: LabelTable<String>
    /// The profile's venue separator when it is one byte (cut byte by byte); nil for a longer one.
    let venueSeparatorByte: UInt8?
    /// Latest accepted `reported_on`, as `YYYY-MM-DD`.
    let latestDate: String
    static let earliestDate = "2000-01-01"

    /// - Parameter today: the latest acceptable reporting date (year, month, day).
    /// - Throws: `Profile.Invalid` when the profile names a state code the database does not have.
    public init(profile: Profile, geography: Geography, today: (year: Int, month: Int, day: Int)) throws {
        self.profile = profile
        self.geography = geography
        venueSeparatorByte = profile.venueSeparator.utf8.count == 1 ? profile.venueSeparator.utf8.first : nil
        latestDate = DateFormat.iso(year: today.year, month: today.month, day: today.day)
        func extended<T: VocabularyTerm>(_ type: T.Type, _ column: ExportColumn) throws -> LabelMap<T> {
            var map = try LabelMap(terms: T.self, hotlineOnly: true)
            for (label, code) in profile.labels[column] ?? [:] {
                if let term = T(rawValue: code), term.isHotlineTerm { map.set(label, for: term) }
            }
            return map
        }
        types = try extended(TraffickingType.self, .traffickingType)
        genders = try extended(Gender.self, .victimGender)
        ageGroups = try extended(AgeGroup.self, .victimAgeGroup)
        citizenships = try extended(Citizenship.self, .victimCitizenship)
        var venueMap = try LabelMap(venues: Venue.hotline)
        for (label, code) in profile.labels[.venues] ?? [:] {
            if let venue = Venue.named(code: code), venue.isHotlineVenue { venueMap.set(label, for: venue) }
        }
        venues = venueMap
        var states = LabelTable<String>()
        for (label, code) in profile.labels[.state] ?? [:] {
            guard geography.states[code] != nil else {
                throw Profile.Invalid(source: profile.name, message: "labels.state: \"\(code)\" is not a state code")
            }
            states.set(label, to: code)
        }
        stateLabels = states
    }

    /// Checks `row`; every problem found is in `issues` (not only the first).
    public func validate(_ row: borrowing RawRow) -> RowValidation {
        // The issues are an inout parameter of the function that checks: a local variable captured by the function
        // that appends them, itself captured by the closures that read each field, was a heap box on every row (an
        // inout parameter can only be captured by closures that do not escape, so it never is).
        var issues: [RowIssue] = []
        return validate(row, issues: &issues)
    }

    private func validate(_ row: borrowing RawRow, issues: inout [RowIssue]) -> RowValidation {
        // Values are read through `Self.field(row, column) { bytes in ... }`: trimmed, from their bytes.
        // An issue names its column by the spec's name here, and by the file's once the row is checked
        // (`nameColumns`): holding the row's names for the whole check was a retain and a release for every row.
        let line = row.line
        func issue(_ column: ExportColumn, _ message: String) {
            issues.append(RowIssue(line: line, column: column.rawValue, message: message))
        }
        // MARK: Case columns
        let caseRef = Self.field(row, .caseID) { bytes in
            for problem in Self.identifierProblems(bytes) { issue(.caseID, problem) }
            return Self.text(bytes)
        }
        if caseRef == nil { issue(.caseID, "is empty; every row needs its case's reference") }

        var reportedOn: String?
        var year = 0
        let hasDate: Void? = Self.field(row, .reportedOn) { bytes in
            guard let date = profile.dateFormat.parse(utf8: bytes) else {
                issue(.reportedOn, "\(Self.quote(bytes)) is not a real date in the form \(profile.dateFormat.pattern)")
                return
            }
            let iso = DateFormat.iso(year: date.year, month: date.month, day: date.day)
            if iso < Self.earliestDate || iso > latestDate {
                issue(.reportedOn, "\(Self.quote(bytes)) is outside \(Self.earliestDate) to today (\(latestDate))")
            } else {
                reportedOn = iso
                year = date.year
            }
        }
        if hasDate == nil { issue(.reportedOn, "is empty; it is required") }

        var state: String?
        let hasState: Void? = Self.field(row, .state) { bytes in
            state = stateLabels.value(forUTF8: bytes) ?? geography.state(utf8: bytes)
            if state == nil {
                issue(.state, "\(Self.quote(bytes)) is not a US state, DC or territory (USPS code or full name)")
            }
        }
        if hasState == nil { issue(.state, "is empty; it is required") }

        var countyFIPS: String?
        if let state {
            Self.field(row, .county) { bytes in
                switch geography.county(utf8: bytes, in: state) {
                case .found(let fips): countyFIPS = fips
                case .otherState(let other):
                    issue(.county, "\(Self.quote(bytes)) is a county of \(other), not of \(state)")
                case .notFound:
                    issue(.county, "\(Self.quote(bytes)) is not a county of \(state) (Census name, with or without "
                        + "its suffix, or 5-digit FIPS code)")
                }
            }
        }

        let city = Self.field(row, .city) { bytes in
            if Self.isLonger(bytes, than: 128) { issue(.city, "is longer than 128 characters") }
            if Self.hasControlCharacter(bytes) { issue(.city, "holds a control character") }
            return Self.text(bytes)
        }

        var type = TraffickingType.notSpecified
        Self.field(row, .traffickingType) { bytes in
            if let resolved = types.resolve(utf8: bytes) {
                type = resolved
            } else {
                issue(.traffickingType, "unknown trafficking type \(Self.quote(bytes)) (see htdb vocab)")
            }
        }

        // The venues' labels are resolved one by one in place: no nested function captures the set (a captured
        // variable was a heap box per row), and no array of the parts is made.
        var venueIDs = VenueSet()
        func unknownVenue(_ quoted: String) { issue(.venues, "unknown venue \(quoted) (see htdb vocab)") }
        if let labels = row.venueList {
            for label in labels {
                var label = label
                if let unknown = label.withUTF8({ Self.addVenue($0, to: &venueIDs, venues: venues) }) {
                    unknownVenue(unknown)
                }
            }
        } else {
            Self.field(row, .venues) { bytes in
                if let separator = venueSeparatorByte {
                    var start = 0
                    while true {
                        var end = start
                        while end < bytes.count && bytes[end] != separator { end += 1 }
                        if let unknown = Self.addVenue(UnsafeBufferPointer(rebasing: bytes[start..<end]),
                                                       to: &venueIDs, venues: venues) {
                            unknownVenue(unknown)
                        }
                        guard end < bytes.count else { break }
                        start = end + 1
                    }
                } else {
                    for part in Self.text(bytes).components(separatedBy: profile.venueSeparator) {
                        var part = part
                        if let unknown = part.withUTF8({ Self.addVenue($0, to: &venueIDs, venues: venues) }) {
                            unknownVenue(unknown)
                        }
                    }
                }
            }
        }

        // MARK: Victim columns
        var victim: VictimRecord?
        var hasVictim = false
        for column in Self.victimColumns where !hasVictim { hasVictim = Self.field(row, column) { _ in () } != nil }
        if hasVictim {
            let ref = Self.field(row, .victimID) { bytes in
                for problem in Self.identifierProblems(bytes) { issue(.victimID, problem) }
                return Self.text(bytes)
            }
            var gender = Gender.unknown
            Self.field(row, .victimGender) { bytes in
                if let resolved = genders.resolve(utf8: bytes) { gender = resolved } else {
                    issue(.victimGender, "unknown gender \(Self.quote(bytes)) (see htdb vocab)")
                }
            }
            var ageGroup = AgeGroup.unknown
            var ageGroupValid = true
            Self.field(row, .victimAgeGroup) { bytes in
                if let resolved = ageGroups.resolve(utf8: bytes) { ageGroup = resolved } else {
                    ageGroupValid = false
                    issue(.victimAgeGroup, "unknown age group \(Self.quote(bytes)) (see htdb vocab)")
                }
            }
            var age: Int?
            Self.field(row, .victimAge) { bytes in
                guard let number = Self.wholeNumber(bytes), number <= 120 else {
                    issue(.victimAge, "is not a whole number from 0 to 120")
                    return
                }
                age = number
                let implied = AgeGroup(age: number)
                if ageGroup == .unknown {
                    ageGroup = implied
                } else if ageGroup != implied, ageGroupValid {
                    issue(.victimAgeGroup, "disagrees with victim_age (under 18 is a minor)")
                }
            }
            var citizenship = Citizenship.unknown
            Self.field(row, .victimCitizenship) { bytes in
                if let resolved = citizenships.resolve(utf8: bytes) { citizenship = resolved } else {
                    issue(.victimCitizenship, "unknown citizenship \(Self.quote(bytes)) (see htdb vocab)")
                }
            }
            victim = VictimRecord(ref: ref, gender: gender, ageGroup: ageGroup, age: age, citizenship: citizenship)
        }

        guard issues.isEmpty, let caseRef, let reportedOn, let state else {
            Self.nameColumns(of: &issues, row.columnNames)
            return RowValidation(caseRef: caseRef, caseRecord: nil, victim: nil, issues: issues)
        }
        let record = CaseRecord(caseRef: caseRef, reportedOn: reportedOn, year: year, state: state,
                                countyFIPS: countyFIPS, city: city, traffickingType: type, venueIDs: venueIDs)
        return RowValidation(caseRef: caseRef, caseRecord: record, victim: victim, issues: [])
    }

    /// Renames the columns of `issues` from the spec's names (`ExportColumn.rawValue`) to `names` (indexed by
    /// `ExportColumn.index`).
    private static func nameColumns(of issues: inout [RowIssue], _ names: [String]) {
        for index in issues.indices {
            if let column = ExportColumn(rawValue: issues[index].column) { issues[index].column = names[column.index] }
        }
    }

    /// Adds the venue a label names (trimmed; nothing for an empty one) to `set`; returns the label quoted for an
    /// error message when it names no venue.
    private static func addVenue(_ label: UnsafeBufferPointer<UInt8>, to set: inout VenueSet,
                                 venues: LabelMap<Venue>) -> String? {
        withTrimmed(label) { trimmed -> String? in
            if trimmed.isEmpty { return nil }
            guard let venue = venues.resolve(utf8: trimmed) else { return quote(trimmed) }
            set.insert(venue.id)
            return nil
        }
    }

    /// Calls `body` with a column's value trimmed, as UTF-8 bytes; nil when absent or empty. Values are checked
    /// and looked up from their bytes: only those stored as text (references, city) become Strings.
    private static func field<R>(_ row: borrowing RawRow, _ column: ExportColumn,
                                 _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        row.withBytes(column) { raw -> R? in
            guard let raw else { return nil }
            return withTrimmed(raw) { $0.isEmpty ? nil : body($0) }
        }
    }

    /// Calls `body` with `bytes` trimmed of white space: in place when the edges are ASCII (nearly always), else
    /// through `trim` (white space that is not ASCII may be at an edge).
    private static func withTrimmed<R>(_ bytes: UnsafeBufferPointer<UInt8>,
                                       _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let trimmed = trimASCII(bytes) { return body(trimmed) }
        var trimmed = trim(text(bytes))
        return trimmed.withUTF8(body)
    }

    private static let victimColumns: [ExportColumn] =
        [.victimID, .victimGender, .victimAgeGroup, .victimAge, .victimCitizenship]

    /// What is wrong with an identifier (case_id, victim_id): none, one or both of its length and a control
    /// character. (Returned rather than reported through the caller's function: passing that function made the
    /// list of issues it appends to a heap box on every row.)
    private static func identifierProblems(_ bytes: UnsafeBufferPointer<UInt8>) -> [String] {
        var problems: [String] = []
        if isLonger(bytes, than: 64) { problems.append("is longer than 64 characters") }
        if hasControlCharacter(bytes) { problems.append("holds a control character") }
        return problems
    }

    // MARK: - Text helpers

    /// Valid UTF-8 as a String.
    static func text(_ bytes: UnsafeBufferPointer<UInt8>) -> String { String(decoding: bytes, as: UTF8.self) }

    /// `bytes` without ASCII white space at either edge; nil when a byte that is not ASCII is then at an edge (it
    /// may start Unicode white space: `trim` decides).
    static func trimASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
        var start = 0
        var end = bytes.count
        while start < end && isSpace(bytes[start]) { start += 1 }
        while end > start && isSpace(bytes[end - 1]) { end -= 1 }
        if start < end && (bytes[start] >= 0x80 || bytes[end - 1] >= 0x80) { return nil }
        return UnsafeBufferPointer(rebasing: bytes[start..<end])
    }

    /// Trims surrounding white space (the spec: values are trimmed).
    static func trim(_ text: String) -> String {
        // Fast path: ASCII white space at the edges (or none), which is nearly every value. (Read in place: a
        // native string's bytes are contiguous.)
        let fast = text.utf8.withContiguousStorageIfAvailable { bytes -> String?? in
            guard let trimmed = trimASCII(bytes) else { return .none }
            if trimmed.count == bytes.count { return .some(nil) }
            return .some(Self.text(trimmed))
        }
        switch fast ?? nil {
        case .some(.none): return text
        case .some(.some(let trimmed)): return trimmed
        case .none: break
        }
        guard let first = text.firstIndex(where: { !$0.isWhitespace }),
              let last = text.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        if first == text.startIndex && text.index(after: last) == text.endIndex { return text }
        return String(text[first...last])
    }

    /// C0 controls, DEL and C1 controls (U+0080 to U+009F, in UTF-8 0xC2 0x80 to 0xC2 0x9F), byte by byte.
    static func hasControlCharacter(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte == 0x7F { return true }
            if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] >= 0x80 && bytes[index + 1] < 0xA0 {
                return true
            }
            index += 1
        }
        return false
    }

    /// More than `limit` Unicode scalars in UTF-8 `bytes` (counted only when the bytes could be that many).
    static func isLonger(_ bytes: UnsafeBufferPointer<UInt8>, than limit: Int) -> Bool {
        // Every scalar has exactly one byte that is not a continuation byte (10xxxxxx).
        bytes.count > limit && bytes.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) } > limit
    }

    /// Digits only (no sign, no decimal point), at most 3 significant digits.
    static func wholeNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        var value = 0
        var significant = 0
        for byte in bytes {
            if significant == 0 && byte == 0x30 { continue }
            significant += 1
            if significant > 3 { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    /// `quote` of UTF-8 text.
    static func quote(_ bytes: UnsafeBufferPointer<UInt8>) -> String { quote(text(bytes)) }

    /// The offending field's value for a message: quoted, at most 60 characters, control characters escaped.
    static func quote(_ text: String) -> String {
        var shown = ""
        for scalar in text.unicodeScalars.prefix(60) {
            shown += scalar.value < 0x20 || scalar.value == 0x7F ? "\\u{\(String(scalar.value, radix: 16))}"
                : String(scalar)
        }
        if text.unicodeScalars.count > 60 { shown += "…" }
        return "\"\(shown)\""
    }
}
