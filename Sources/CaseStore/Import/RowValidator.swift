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
    /// Latest accepted `reported_on`, as `YYYY-MM-DD`.
    let latestDate: String
    static let earliestDate = "2000-01-01"

    /// - Parameter today: the latest acceptable reporting date (year, month, day).
    /// - Throws: `Profile.Invalid` when the profile names a state code the database does not have.
    public init(profile: Profile, geography: Geography, today: (year: Int, month: Int, day: Int)) throws {
        self.profile = profile
        self.geography = geography
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
    public func validate(_ row: RawRow) -> RowValidation {
        var issues: [RowIssue] = []
        func issue(_ column: ExportColumn, _ message: String) {
            issues.append(RowIssue(line: row.line, column: row.columnNames[column.index], message: message))
        }
        // A column's value trimmed; nil when absent or empty. (Trimmed where it is read rather than into an array
        // of its own: an array per row was a measurable part of the reading thread.)
        func value(_ column: ExportColumn) -> String? {
            guard let raw = row.values[column.index] else { return nil }
            let text = Self.trim(raw)
            return text.isEmpty ? nil : text
        }

        // MARK: Case columns
        let caseRef = value(.caseID)
        if let caseRef {
            checkIdentifier(caseRef, .caseID, issue)
        } else {
            issue(.caseID, "is empty; every row needs its case's reference")
        }

        var reportedOn: String?
        var year = 0
        if let text = value(.reportedOn) {
            if let date = profile.dateFormat.parse(text) {
                let iso = DateFormat.iso(year: date.year, month: date.month, day: date.day)
                if iso < Self.earliestDate || iso > latestDate {
                    issue(.reportedOn, "\(Self.quote(text)) is outside \(Self.earliestDate) to today (\(latestDate))")
                } else {
                    reportedOn = iso
                    year = date.year
                }
            } else {
                issue(.reportedOn, "\(Self.quote(text)) is not a real date in the form \(profile.dateFormat.pattern)")
            }
        } else {
            issue(.reportedOn, "is empty; it is required")
        }

        var state: String?
        if let text = value(.state) {
            state = stateLabels.value(for: text) ?? geography.state(text)
            if state == nil {
                issue(.state, "\(Self.quote(text)) is not a US state, DC or territory (USPS code or full name)")
            }
        } else {
            issue(.state, "is empty; it is required")
        }

        var countyFIPS: String?
        if let text = value(.county), let state {
            switch geography.county(text, in: state) {
            case .found(let fips): countyFIPS = fips
            case .otherState(let other):
                issue(.county, "\(Self.quote(text)) is a county of \(other), not of \(state)")
            case .notFound:
                issue(.county, "\(Self.quote(text)) is not a county of \(state) (Census name, with or without "
                    + "its suffix, or 5-digit FIPS code)")
            }
        }

        let city = value(.city)
        if let city {
            if Self.isLonger(city, than: 128) { issue(.city, "is longer than 128 characters") }
            if Self.hasControlCharacter(city) { issue(.city, "holds a control character") }
        }

        var type = TraffickingType.notSpecified
        if let text = value(.traffickingType) {
            if let resolved = types.resolve(text) {
                type = resolved
            } else {
                issue(.traffickingType, "unknown trafficking type \(Self.quote(text)) (see htdb vocab)")
            }
        }

        var venueIDs = VenueSet()
        let venueLabels = row.venueList ?? value(.venues).map { Self.split($0, by: profile.venueSeparator) } ?? []
        for label in venueLabels {
            let trimmed = Self.trim(label)
            if trimmed.isEmpty { continue }
            if let venue = venues.resolve(trimmed) {
                venueIDs.insert(venue.id)
            } else {
                issue(.venues, "unknown venue \(Self.quote(trimmed)) (see htdb vocab)")
            }
        }

        // MARK: Victim columns
        var victim: VictimRecord?
        let ref = value(.victimID)
        let genderText = value(.victimGender)
        let ageGroupText = value(.victimAgeGroup)
        let ageText = value(.victimAge)
        let citizenshipText = value(.victimCitizenship)
        if ref != nil || genderText != nil || ageGroupText != nil || ageText != nil || citizenshipText != nil {
            if let ref { checkIdentifier(ref, .victimID, issue) }
            var gender = Gender.unknown
            if let text = genderText {
                if let resolved = genders.resolve(text) { gender = resolved } else {
                    issue(.victimGender, "unknown gender \(Self.quote(text)) (see htdb vocab)")
                }
            }
            var ageGroup = AgeGroup.unknown
            var ageGroupValid = true
            if let text = ageGroupText {
                if let resolved = ageGroups.resolve(text) { ageGroup = resolved } else {
                    ageGroupValid = false
                    issue(.victimAgeGroup, "unknown age group \(Self.quote(text)) (see htdb vocab)")
                }
            }
            var age: Int?
            if let text = ageText {
                if let number = Self.wholeNumber(text), number <= 120 {
                    age = number
                    let implied = AgeGroup(age: number)
                    if ageGroup == .unknown {
                        ageGroup = implied
                    } else if ageGroup != implied, ageGroupValid {
                        issue(.victimAgeGroup, "disagrees with victim_age (under 18 is a minor)")
                    }
                } else {
                    issue(.victimAge, "is not a whole number from 0 to 120")
                }
            }
            var citizenship = Citizenship.unknown
            if let text = citizenshipText {
                if let resolved = citizenships.resolve(text) { citizenship = resolved } else {
                    issue(.victimCitizenship, "unknown citizenship \(Self.quote(text)) (see htdb vocab)")
                }
            }
            victim = VictimRecord(ref: ref, gender: gender, ageGroup: ageGroup, age: age, citizenship: citizenship)
        }

        guard issues.isEmpty, let caseRef, let reportedOn, let state else {
            return RowValidation(caseRef: caseRef, caseRecord: nil, victim: nil, issues: issues)
        }
        let record = CaseRecord(caseRef: caseRef, reportedOn: reportedOn, year: year, state: state,
                                countyFIPS: countyFIPS, city: city, traffickingType: type, venueIDs: venueIDs)
        return RowValidation(caseRef: caseRef, caseRecord: record, victim: victim, issues: [])
    }

    private func checkIdentifier(_ text: String, _ column: ExportColumn, _ issue: (ExportColumn, String) -> Void) {
        if Self.isLonger(text, than: 64) { issue(column, "is longer than 64 characters") }
        if Self.hasControlCharacter(text) { issue(column, "holds a control character") }
    }

    // MARK: - Text helpers

    /// Trims surrounding white space (the spec: values are trimmed).
    static func trim(_ text: String) -> String {
        // Fast path: ASCII white space at the edges (or none), which is nearly every value. (Read in place: a
        // native string's bytes are contiguous.)
        let fast = text.utf8.withContiguousStorageIfAvailable { bytes -> String?? in
            func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (byte >= 0x09 && byte <= 0x0D) }
            var start = 0
            var end = bytes.count
            while start < end && isSpace(bytes[start]) { start += 1 }
            while end > start && isSpace(bytes[end - 1]) { end -= 1 }
            // A non-ASCII byte at an edge may be Unicode white space: leave it to the slow path.
            if start < end && (bytes[start] >= 0x80 || bytes[end - 1] >= 0x80) { return .none }
            if start == 0 && end == bytes.count { return .some(nil) }
            return .some(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self))
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

    /// `text` cut at every `separator` (a one-byte separator is cut byte by byte, without Foundation).
    static func split(_ text: String, by separator: String) -> [String] {
        let separatorBytes = Array(separator.utf8)
        guard separatorBytes.count == 1, let cut = separatorBytes.first else {
            return text.components(separatedBy: separator)
        }
        let cutOut = text.utf8.withContiguousStorageIfAvailable { bytes -> [String] in
            // Most values hold one label: no cut, no new string.
            guard bytes.contains(cut) else { return [text] }
            return bytes.split(separator: cut, omittingEmptySubsequences: false).map {
                String(decoding: UnsafeBufferPointer(rebasing: $0), as: UTF8.self)
            }
        }
        return cutOut ?? text.split(separator: Character(UnicodeScalar(cut)), omittingEmptySubsequences: false)
            .map(String.init)
    }

    /// C0 controls, DEL and C1 controls (U+0080 to U+009F, in UTF-8 0xC2 0x80 to 0xC2 0x9F), byte by byte.
    static func hasControlCharacter(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
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
    }

    /// More than `limit` Unicode scalars (counted only when the UTF-8 bytes could be that many).
    static func isLonger(_ text: String, than limit: Int) -> Bool {
        text.utf8.count > limit && text.unicodeScalars.count > limit
    }

    /// Digits only (no sign, no decimal point), at most 3 significant digits.
    static func wholeNumber(_ text: String) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        let significant = text.drop { $0 == "0" }
        guard significant.count <= 3 else { return nil }
        return Int(significant) ?? 0
    }

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
