import CSV
import Foundation
import SQLite

/// Writes a synthetic hotline export: invented cases with realistic variety (states weighted by population,
/// counties named every way the spec allows, labels and codes mixed, several victims per case on average 1.6),
/// deterministic for a seed. No real person or case is in it.
///
///     try SampleGenerator(cases: 1_000, seed: 7).write(to: "sample.csv", format: .csv)
public struct SampleGenerator {
    public var cases: Int
    public var seed: UInt64
    /// The reporting years; cases are spread evenly over them.
    public var years: ClosedRange<Int>
    /// The layout to write (header names, labels, date format, venue separator); the spec's by default.
    public var profile: Profile

    public init(cases: Int, seed: UInt64 = 1, years: ClosedRange<Int> = 2017...2021, profile: Profile = .hotline) {
        self.cases = cases
        self.seed = seed
        self.years = years
        self.profile = profile
    }

    /// Summary of what was written.
    public struct Output: Sendable, Equatable {
        public var cases = 0
        public var victims = 0
        public var rows = 0
    }

    /// Writes the sample to `path` ("-" for standard output).
    ///
    /// - Throws: `CSVError.io` naming the file when it cannot be created or written.
    @discardableResult
    public func write(to path: String, format: ImportFormat) throws -> Output {
        let descriptor: Int32
        if path == "-" {
            descriptor = STDOUT_FILENO
        } else {
            descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                throw CSVError.io(path: path, message: String(cString: strerror(errno)))
            }
        }
        defer { if path != "-" { close(descriptor) } }
        var out = OutputBuffer(descriptor: descriptor, label: path == "-" ? "standard output" : path)
        defer { out.deallocate() }
        let output = try generate(into: &out, format: format)
        try out.flush()
        return output
    }

    // MARK: - Generation
    //
    // A million rows must take seconds, so the loop does no String work: every text the generator can write (labels,
    // state and county names, victim references) is encoded once, for CSV and for JSON, into a `TextStore`; a case
    // is drawn as references to those texts (`DrawnCase`, reused from case to case) and written by copying bytes
    // into one `OutputBuffer`, which goes to the file about 1 MiB at a time. Numbers and dates are written digit by
    // digit. The order of the random draws is part of the output: changing it changes every file a seed gives
    // (the files in Samples/ and the tests compare them byte for byte).

    private func generate(into out: inout OutputBuffer, format: ImportFormat) throws -> Output {
        let tables = GeneratorTables(world: try World.load(), profile: profile)
        var random = SplitMix64(seed: seed)
        var drawn = DrawnCase()
        var output = Output()
        if format == .csv {
            // The header goes through the CSV writer itself, with its rule for a first field that starts with a BOM.
            let header = CSVWriter(lineEnding: .lf)
            try header.write(record: ExportColumn.allCases.map { profile.header(for: $0) })
            out.append(header.output)
        }
        try tables.texts.bytes.withUnsafeBufferPointer { textBytes in
            let writer = CaseWriter(texts: textBytes, tables: tables)
            let yearCount = years.count
            for index in 0..<cases {
                let year = years.lowerBound + index * yearCount / max(cases, 1)
                drawCase(number: index + 1, year: year, into: &drawn, tables: tables, random: &random)
                output.cases += 1
                output.victims += drawn.victims.count
                switch format {
                case .csv: output.rows += writer.writeCSV(drawn, into: &out)
                case .ndjson:
                    writer.writeNDJSON(drawn, into: &out)
                    output.rows += 1
                }
                if out.count >= OutputBuffer.chunkSize { try out.flush() }
            }
        }
        return output
    }

    /// Draws case `number` of `year` into `drawn` (its previous contents are replaced).
    private func drawCase(number: Int, year: Int, into drawn: inout DrawnCase, tables: GeneratorTables,
                          random: inout SplitMix64) {
        drawn.number = number
        drawn.year = year
        drawn.month = random.int(1...12)
        drawn.day = random.int(1...DateFormat.daysIn(month: drawn.month, year: year))
        let state = tables.states[random.pick(tables.stateWeights)]
        drawn.county = .empty
        drawn.city = .empty
        if random.chance(0.85), !state.counties.isEmpty {
            let counties = state.counties
            // Bigger counties come first in the list; favour them.
            let pick = counties[min(counties.count - 1, Int(Double(counties.count) * pow(random.unit(), 3)))]
            switch random.int(0...9) {
            case 0...3: drawn.county = pick.name
            case 4...6: drawn.county = pick.fullName
            case 7: drawn.county = pick.fips
            case 8: drawn.county = pick.upperFullName
            default: drawn.county = pick.lowerName
            }
            if random.chance(0.6) { drawn.city = pick.name }
        }
        drawn.state = random.chance(0.7) ? state.code : (random.chance(0.5) ? state.name : state.lowerCode)
        let typeIndex = random.pick(tables.typeWeights)
        let type = tables.types.terms[typeIndex]

        drawn.venues.removeAll(keepingCapacity: true)
        switch type {
        case .sex: drawVenues(tables.sexVenues, into: &drawn, tables: tables, random: &random)
        case .labor: drawVenues(tables.laborVenues, into: &drawn, tables: tables, random: &random)
        case .sexAndLabor:
            drawVenues(tables.sexVenues, into: &drawn, tables: tables, random: &random)
            drawVenues(tables.laborVenues, into: &drawn, tables: tables, random: &random)
        case .notSpecified:
            if random.chance(0.3) { drawVenues(tables.sexVenues, into: &drawn, tables: tables, random: &random) }
        case .otherExploitation: break  // not a hotline type: never drawn
        }

        let victimCount = random.pick(tables.victimCountWeights)
        drawn.victims.removeAll(keepingCapacity: true)
        let namedVictims = random.chance(0.7)
        for position in 0..<victimCount {
            let genderIndex = random.pick(tables.genderWeights)
            var ageGroup = Text.empty
            var age: Int?
            switch random.int(0...9) {
            case 0...4:
                let years = type == .labor ? random.int(16...60) : random.int(12...45)
                age = years
                if random.chance(0.3) { ageGroup = termLabel(tables.ageGroups[AgeGroup(age: years)], random: &random) }
            case 5...7:
                ageGroup = termLabel(tables.ageGroups[random.chance(0.45) ? .minor : .adult], random: &random)
            default: break
            }
            let citizenshipIndex = random.pick(tables.citizenshipWeights)
            let id = namedVictims ? tables.victimIDs[position] : .empty
            let gender = tables.genders.terms[genderIndex] == .unknown && random.chance(0.5) ? Text.empty
                : termLabel(tables.genders.choices[genderIndex], random: &random)
            let citizenship = tables.citizenships.terms[citizenshipIndex] == .unknown && random.chance(0.5) ? Text.empty
                : termLabel(tables.citizenships.choices[citizenshipIndex], random: &random)
            var victim = DrawnVictim(id: id, gender: gender, ageGroup: ageGroup, age: age, citizenship: citizenship)
            // A victim with every column empty would be read as "no victim detail": give it one known field.
            if victim.id.isEmpty && victim.gender.isEmpty && victim.ageGroup.isEmpty && victim.age == nil
                && victim.citizenship.isEmpty {
                victim.gender = termLabel(tables.genders[.unknown], random: &random)
            }
            drawn.victims.append(victim)
        }
        drawn.type = type == .notSpecified && random.chance(0.3) ? .empty
            : termLabel(tables.types.choices[typeIndex], random: &random)
    }

    /// Appends a case's venues of one kind: how many, then which (weighted) and how each is written.
    private func drawVenues(_ kind: GeneratorTables.VenueKindTexts, into drawn: inout DrawnCase,
                            tables: GeneratorTables, random: inout SplitMix64) {
        for _ in 0..<random.pick(tables.venueCountWeights) {
            drawn.venues.append(venueLabel(kind.venues[random.pick(kind.weights)], random: &random))
        }
    }

    /// A label for a term: mostly its label, sometimes its code, another accepted label, or the profile's own.
    private func termLabel(_ choices: LabelChoices, random: inout SplitMix64) -> Text {
        if !choices.own.isEmpty && random.chance(0.8) { return choices.own[random.int(0...choices.own.count - 1)] }
        switch random.int(0...9) {
        case 0: return choices.code
        case 1...2 where !choices.others.isEmpty: return choices.others[random.int(0...choices.others.count - 1)]
        case 3: return choices.lowercasedLabel
        default: return choices.label
        }
    }

    /// A label for a venue: as `termLabel`, with other labels more often and never lower-cased.
    private func venueLabel(_ choices: LabelChoices, random: inout SplitMix64) -> Text {
        if !choices.own.isEmpty && random.chance(0.8) { return choices.own[random.int(0...choices.own.count - 1)] }
        switch random.int(0...9) {
        case 0: return choices.code
        case 1...3 where !choices.others.isEmpty: return choices.others[random.int(0...choices.others.count - 1)]
        default: return choices.label
        }
    }
}

// The generator's working types, nested so that their short names stay out of the module's namespace.
extension SampleGenerator {
    // MARK: - Drawn cases

    /// One drawn case: references into the `TextStore` plus the numbers written as digits. Reused for every case, so
    /// its arrays keep their capacity and no case allocates.
    struct DrawnCase {
        var number = 0
        var year = 0
        var month = 0
        var day = 0
        var state = Text.empty
        var county = Text.empty
        var city = Text.empty
        var type = Text.empty
        var venues: [Text] = []
        var victims: [DrawnVictim] = []

        init() {
            venues.reserveCapacity(8)
            victims.reserveCapacity(8)
        }
    }

    struct DrawnVictim {
        var id, gender, ageGroup: Text
        var age: Int?
        var citizenship: Text
    }

    // MARK: - Pre-encoded texts

    /// A text in a `TextStore`: at `offset`, its CSV form (the field's bytes with quotes doubled, `csvCount` bytes; the
    /// field goes in quotes when `csvQuoted`), then its JSON string literal, quotes included (`jsonCount` bytes).
    struct Text: Equatable {
        var offset: Int32
        var csvCount: Int32
        var jsonCount: Int32
        var csvQuoted: Bool

        /// The empty string, which every `TextStore` holds first.
        static let empty = Text(offset: 0, csvCount: 0, jsonCount: 2, csvQuoted: false)

        var isEmpty: Bool { csvCount == 0 }
    }

    /// Every text the generator may write, encoded once for both formats, in one byte array.
    struct TextStore {
        private(set) var bytes: [UInt8] = []

        init() {
            let empty = add("")
            assert(empty == .empty)
        }

        /// Encodes `string` as `CSVWriter` writes a field (quoted when it holds a comma, a quote, CR or LF; quotes
        /// doubled) and as `JSONText.quote` writes it.
        mutating func add(_ string: String) -> Text {
            let offset = bytes.count
            var quoted = false
            var escapedInJSON = false
            for byte in string.utf8 {
                switch byte {
                case UInt8(ascii: ","), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                    quoted = true
                case UInt8(ascii: "\""):
                    quoted = true
                    bytes.append(byte)
                default: break
                }
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte < 0x20 { escapedInJSON = true }
                bytes.append(byte)
            }
            let csvCount = bytes.count - offset
            if escapedInJSON {
                bytes.append(contentsOf: JSONText.quote(string).utf8)
            } else {
                // What JSONText.quote writes for a string with nothing to escape, without its String work (the tables
                // hold some 17,000 texts).
                bytes.append(UInt8(ascii: "\""))
                bytes.append(contentsOf: string.utf8)
                bytes.append(UInt8(ascii: "\""))
            }
            let jsonCount = bytes.count - offset - csvCount
            return Text(offset: Int32(offset), csvCount: Int32(csvCount), jsonCount: Int32(jsonCount), csvQuoted: quoted)
        }
    }

    /// The ways one term (a trafficking type, a gender, a venue, ...) may be written: the profile's own labels for it
    /// (sorted), its code, its other accepted labels, its label lower-cased and its label.
    struct LabelChoices {
        var own: [Text]
        var code: Text
        var others: [Text]
        var lowercasedLabel: Text
        var label: Text

        init(code: String, label: String, otherLabels: [String], column: ExportColumn, profile: Profile,
             texts: inout TextStore) {
            own = (profile.labels[column] ?? [:]).filter { $0.value == code }.keys.sorted().map { texts.add($0) }
            self.code = texts.add(code)
            others = otherLabels.map { texts.add($0) }
            lowercasedLabel = texts.add(label.lowercased())
            self.label = texts.add(label)
        }
    }

    /// The label choices of every term of one vocabulary, in `allCases` order.
    struct TermChoices<Term: VocabularyTerm> {
        let terms: [Term]
        let choices: [LabelChoices]

        init(column: ExportColumn, profile: Profile, texts: inout TextStore) {
            terms = Term.hotlineCases
            choices = terms.map {
                LabelChoices(code: $0.code, label: $0.label, otherLabels: $0.otherLabels, column: column,
                             profile: profile, texts: &texts)
            }
        }

        subscript(term: Term) -> LabelChoices {
            guard let index = terms.firstIndex(of: term) else { preconditionFailure("a term of its own vocabulary") }
            return choices[index]
        }
    }

    /// Everything a case is drawn from, with its texts pre-encoded: states and their counties, vocabularies, venues
    /// and the weights of each draw.
    struct GeneratorTables {
        struct StateTexts {
            var code, name, lowerCode: Text
            var counties: [CountyTexts]
        }

        /// The ways a county may be written (and its name, which is also the city).
        struct CountyTexts {
            var name, fullName, fips, upperFullName, lowerName: Text
        }

        struct VenueKindTexts {
            var venues: [LabelChoices]
            var weights: WeightTable
        }

        let texts: TextStore
        let states: [StateTexts]
        let stateWeights: WeightTable
        let types: TermChoices<TraffickingType>
        let genders: TermChoices<Gender>
        let ageGroups: TermChoices<AgeGroup>
        let citizenships: TermChoices<Citizenship>
        let sexVenues: VenueKindTexts
        let laborVenues: VenueKindTexts
        /// "V1", "V2", ...: one per victim a case may have.
        let victimIDs: [Text]
        let venueSeparator: Text
        let dateFormat: DateFormat
        /// The literal characters of the profile's date format, in pattern order.
        let dateLiterals: [Text]

        let typeWeights = WeightTable([70, 12, 5, 13])
        let venueCountWeights = WeightTable([20, 55, 20, 5])
        let victimCountWeights = WeightTable([5, 54, 25, 9, 4, 3])
        let genderWeights = WeightTable([80, 15, 2, 3])
        let citizenshipWeights = WeightTable([50, 20, 30])

        init(world: World, profile: Profile) {
            var texts = TextStore()
            states = world.states.map { state in
                StateTexts(
                    code: texts.add(state.code), name: texts.add(state.name),
                    lowerCode: texts.add(state.code.lowercased()),
                    counties: (world.counties[state.code] ?? []).map { county in
                        CountyTexts(name: texts.add(county.name), fullName: texts.add(county.fullName),
                                    fips: texts.add(county.fips),
                                    upperFullName: texts.add(county.fullName.uppercased()),
                                    lowerName: texts.add(county.name.lowercased()))
                    })
            }
            stateWeights = WeightTable(world.stateWeights)
            types = TermChoices(column: .traffickingType, profile: profile, texts: &texts)
            genders = TermChoices(column: .victimGender, profile: profile, texts: &texts)
            ageGroups = TermChoices(column: .victimAgeGroup, profile: profile, texts: &texts)
            citizenships = TermChoices(column: .victimCitizenship, profile: profile, texts: &texts)
            func venues(_ kind: VenueKind) -> VenueKindTexts {
                VenueKindTexts(
                    venues: Venue.hotline.filter { $0.kind == kind }.map {
                        LabelChoices(code: $0.code, label: $0.label, otherLabels: $0.otherLabels, column: .venues,
                                     profile: profile, texts: &texts)
                    },
                    weights: WeightTable(world.venueWeights[kind] ?? []))
            }
            sexVenues = venues(.sex)
            laborVenues = venues(.labor)
            victimIDs = (1..<victimCountWeights.count).map { texts.add("V\($0)") }
            venueSeparator = texts.add(profile.venueSeparator)
            dateFormat = profile.dateFormat
            dateLiterals = profile.dateFormat.tokens.compactMap { token in
                guard case .literal(let byte) = token else { return nil }
                return texts.add(String(UnicodeScalar(byte)))
            }
            self.texts = texts
        }
    }

    // MARK: - Writing

    /// Writes drawn cases as CSV rows or NDJSON lines, copying their pre-encoded texts into an `OutputBuffer`.
    struct CaseWriter {
        /// The `TextStore`'s bytes, valid while the writer is used.
        let texts: UnsafeBufferPointer<UInt8>
        let venueSeparator: Text
        let dateFormat: DateFormat
        let dateLiterals: [Text]
        /// Whether a date field needs quotes in CSV (a literal of the pattern is a comma or a quote).
        let dateCSVQuoted: Bool

        init(texts: UnsafeBufferPointer<UInt8>, tables: GeneratorTables) {
            self.texts = texts
            venueSeparator = tables.venueSeparator
            dateFormat = tables.dateFormat
            dateLiterals = tables.dateLiterals
            dateCSVQuoted = tables.dateLiterals.contains { $0.csvQuoted }
        }

        /// Writes one CSV row per victim (one row with empty victim columns for a case without victims); returns the
        /// number of rows.
        func writeCSV(_ drawn: DrawnCase, into out: inout OutputBuffer) -> Int {
            // The case's columns are written once; each further victim's row starts with a copy of them.
            let start = out.count
            writeCaseID(drawn, into: &out)
            out.append(UInt8(ascii: ","))
            writeDateCSV(drawn, into: &out)
            out.append(UInt8(ascii: ","))
            csv(drawn.state, into: &out)
            out.append(UInt8(ascii: ","))
            csv(drawn.county, into: &out)
            out.append(UInt8(ascii: ","))
            csv(drawn.city, into: &out)
            out.append(UInt8(ascii: ","))
            csv(drawn.type, into: &out)
            out.append(UInt8(ascii: ","))
            writeVenuesCSV(drawn.venues, into: &out)
            let caseColumns = out.count - start
            if drawn.victims.isEmpty {
                out.append(",,,,,\n")
                return 1
            }
            for (position, victim) in drawn.victims.enumerated() {
                if position > 0 { out.appendCopy(from: start, count: caseColumns) }
                out.append(UInt8(ascii: ","))
                csv(victim.id, into: &out)
                out.append(UInt8(ascii: ","))
                csv(victim.gender, into: &out)
                out.append(UInt8(ascii: ","))
                csv(victim.ageGroup, into: &out)
                out.append(UInt8(ascii: ","))
                if let age = victim.age { out.appendDecimal(age) }
                out.append(UInt8(ascii: ","))
                csv(victim.citizenship, into: &out)
                out.append(UInt8(ascii: "\n"))
            }
            return drawn.victims.count
        }

        /// Writes the case as one JSON object on a line: empty values are left out, venues and victims are arrays.
        func writeNDJSON(_ drawn: DrawnCase, into out: inout OutputBuffer) {
            out.append("{\"case_id\": \"")
            writeCaseID(drawn, into: &out)
            out.append("\", \"reported_on\": \"")
            writeDate(drawn, into: &out) { literal, out in jsonContent(literal, into: &out) }
            out.append(UInt8(ascii: "\""))
            member(", \"state\": ", drawn.state, into: &out)
            member(", \"county\": ", drawn.county, into: &out)
            member(", \"city\": ", drawn.city, into: &out)
            member(", \"trafficking_type\": ", drawn.type, into: &out)
            out.append(", \"venues\": [")
            for (position, venue) in drawn.venues.enumerated() {
                if position > 0 { out.append(", ") }
                json(venue, into: &out)
            }
            out.append("], \"victims\": [")
            for (position, victim) in drawn.victims.enumerated() {
                if position > 0 { out.append(", ") }
                out.append(UInt8(ascii: "{"))
                var first = true
                member("\"victim_id\": ", victim.id, first: &first, into: &out)
                member("\"gender\": ", victim.gender, first: &first, into: &out)
                member("\"age_group\": ", victim.ageGroup, first: &first, into: &out)
                if let age = victim.age {
                    if !first { out.append(", ") }
                    first = false
                    out.append("\"age\": ")
                    out.appendDecimal(age)
                }
                member("\"citizenship\": ", victim.citizenship, first: &first, into: &out)
                out.append(UInt8(ascii: "}"))
            }
            out.append("]}\n")
        }

        // MARK: Fields

        /// `HT-2021-0000042`: never needs quoting or escaping.
        private func writeCaseID(_ drawn: DrawnCase, into out: inout OutputBuffer) {
            out.append("HT-")
            out.appendDecimal(drawn.year)
            out.append(UInt8(ascii: "-"))
            out.appendDecimal(drawn.number, width: 7)
        }

        /// The date in the profile's format, as `DateFormat.format(year:month:day:)` writes it; `literal` writes each
        /// literal character of the pattern (escaped for the output format).
        private func writeDate(_ drawn: DrawnCase, into out: inout OutputBuffer,
                               literal: (Text, inout OutputBuffer) -> Void) {
            var literals = dateLiterals.makeIterator()
            for token in dateFormat.tokens {
                switch token {
                case .year: out.appendDecimal(drawn.year, width: 4)
                case .month: out.appendDecimal(drawn.month, width: dateFormat.padMonth ? 2 : 0)
                case .day: out.appendDecimal(drawn.day, width: dateFormat.padDay ? 2 : 0)
                case .literal: if let text = literals.next() { literal(text, &out) }
                }
            }
        }

        private func writeDateCSV(_ drawn: DrawnCase, into out: inout OutputBuffer) {
            if dateCSVQuoted { out.append(UInt8(ascii: "\"")) }
            writeDate(drawn, into: &out) { literal, out in csvContent(literal, into: &out) }
            if dateCSVQuoted { out.append(UInt8(ascii: "\"")) }
        }

        /// The venues joined with the profile's separator, as one CSV field: quoted when any part needs it.
        private func writeVenuesCSV(_ venues: [Text], into out: inout OutputBuffer) {
            let quoted = venues.contains { $0.csvQuoted } || (venues.count > 1 && venueSeparator.csvQuoted)
            if quoted { out.append(UInt8(ascii: "\"")) }
            for (position, venue) in venues.enumerated() {
                if position > 0 { csvContent(venueSeparator, into: &out) }
                csvContent(venue, into: &out)
            }
            if quoted { out.append(UInt8(ascii: "\"")) }
        }

        /// `text` as a whole CSV field.
        private func csv(_ text: Text, into out: inout OutputBuffer) {
            if text.csvQuoted { out.append(UInt8(ascii: "\"")) }
            csvContent(text, into: &out)
            if text.csvQuoted { out.append(UInt8(ascii: "\"")) }
        }

        /// `text`'s CSV bytes without the surrounding quotes (quotes inside doubled).
        private func csvContent(_ text: Text, into out: inout OutputBuffer) {
            out.append(texts.baseAddress! + Int(text.offset), count: Int(text.csvCount))
        }

        /// `text` as a JSON string literal.
        private func json(_ text: Text, into out: inout OutputBuffer) {
            out.append(texts.baseAddress! + Int(text.offset + text.csvCount), count: Int(text.jsonCount))
        }

        /// `text`'s JSON string literal without its quotes.
        private func jsonContent(_ text: Text, into out: inout OutputBuffer) {
            out.append(texts.baseAddress! + Int(text.offset + text.csvCount) + 1, count: Int(text.jsonCount) - 2)
        }

        /// `key` (with its leading separator) and `value`, unless `value` is empty.
        private func member(_ key: StaticString, _ value: Text, into out: inout OutputBuffer) {
            guard !value.isEmpty else { return }
            out.append(key)
            json(value, into: &out)
        }

        /// A member of an object whose members are all optional: `, ` goes before every one but the first written.
        private func member(_ key: StaticString, _ value: Text, first: inout Bool, into out: inout OutputBuffer) {
            guard !value.isEmpty else { return }
            if !first { out.append(", ") }
            first = false
            out.append(key)
            json(value, into: &out)
        }
    }

    /// Output bytes gathered in one buffer, written to a descriptor in large chunks (`flush()`; the generator flushes
    /// each time a chunk is full, between cases). The buffer grows if one case does not fit.
    struct OutputBuffer {
        static let chunkSize = 1 << 20

        private var base: UnsafeMutablePointer<UInt8>
        private var capacity: Int
        private(set) var count = 0
        private let descriptor: Int32
        /// Names the output in errors.
        private let label: String

        init(descriptor: Int32, label: String) {
            capacity = Self.chunkSize + (64 << 10)
            base = .allocate(capacity: capacity)
            self.descriptor = descriptor
            self.label = label
        }

        /// Frees the buffer; call once, when done.
        func deallocate() {
            base.deallocate()
        }

        /// Room for `extra` more bytes.
        @inline(__always)
        private mutating func reserve(_ extra: Int) {
            if count + extra > capacity { grow(toHold: count + extra) }
        }

        private mutating func grow(toHold needed: Int) {
            let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: max(needed, capacity * 2))
            larger.update(from: base, count: count)
            base.deallocate()
            base = larger
            capacity = max(needed, capacity * 2)
        }

        mutating func append(_ byte: UInt8) {
            reserve(1)
            base[count] = byte
            count += 1
        }

        mutating func append(_ bytes: UnsafePointer<UInt8>, count length: Int) {
            reserve(length)
            (base + count).update(from: bytes, count: length)
            count += length
        }

        mutating func append(_ literal: StaticString) {
            append(literal.utf8Start, count: literal.utf8CodeUnitCount)
        }

        mutating func append(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { if let start = $0.baseAddress { append(start, count: $0.count) } }
        }

        /// Appends a copy of `length` bytes already in the buffer, from `offset`.
        mutating func appendCopy(from offset: Int, count length: Int) {
            reserve(length)
            (base + count).update(from: base + offset, count: length)
            count += length
        }

        /// Appends `String(value)` left-padded with zeros to `width` characters (as `String.leftPadded(to:)`).
        mutating func appendDecimal(_ value: Int, width: Int = 0) {
            var magnitude = value.magnitude
            var digits = 1
            var rest = magnitude / 10
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            let length = digits + (value < 0 ? 1 : 0)
            let padding = max(0, width - length)
            reserve(padding + length)
            for _ in 0..<padding {
                base[count] = UInt8(ascii: "0")
                count += 1
            }
            if value < 0 {
                base[count] = UInt8(ascii: "-")
                count += 1
            }
            var position = count + digits
            count = position
            repeat {
                position -= 1
                base[position] = UInt8(truncatingIfNeeded: 0x30 + magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
        }

        /// Writes out what is gathered, retrying after EINTR and short writes.
        ///
        /// - Throws: `CSVError.io` naming the output.
        mutating func flush() throws(CSVError) {
            // Drop the bytes even when the write fails: a retry would duplicate a half-written start.
            defer { count = 0 }
            var offset = 0
            while offset < count {
                let written = Glibc.write(descriptor, base + offset, count - offset)
                if written > 0 {
                    offset += written
                } else if written < 0 && errno == EINTR {
                    continue
                } else {
                    let message = written < 0 ? String(cString: strerror(errno)) : "write wrote no bytes"
                    throw .io(path: label, message: message)
                }
            }
        }
    }
}

// MARK: - Reference data

/// States and counties from the bundled migrations (an in-memory database), with weights.
struct World {
    var states: [Geography.State]
    var stateWeights: [Int]
    /// Per state, counties in a stable order with the most populous usually first (by FIPS of the big ones).
    var counties: [String: [Geography.County]]
    var venueWeights: [VenueKind: [Int]]

    static func load() throws -> World {
        let db = try Connection(path: ":memory:")
        try Migrator().migrate(db)
        let geography = try Geography(db)
        // Rough shares of hotline cases by state (the largest states report most); every state appears.
        let heavy: [String: Int] = ["CA": 150, "TX": 100, "FL": 80, "NY": 60, "OH": 40, "GA": 40, "NC": 30,
                                    "MI": 30, "IL": 30, "PA": 30, "NV": 25, "AZ": 25, "VA": 25, "NJ": 20, "WA": 20]
        let states = geography.states.values.sorted { $0.code < $1.code }
        let weights = states.map { heavy[$0.code] ?? (["PR", "GU", "VI", "AS", "MP"].contains($0.code) ? 1 : 8) }
        var counties: [String: [Geography.County]] = [:]
        for county in geography.counties.values.sorted(by: { $0.fips < $1.fips }) {
            counties[county.state, default: []].append(county)
        }
        // Put a few well-known big counties first so the skew lands on them.
        let big: Set<String> = ["06037", "06073", "06059", "48201", "48113", "12086", "36047", "36081", "17031",
                                "04013", "32003", "53033", "13121", "26163"]
        for (state, list) in counties {
            counties[state] = list.filter { big.contains($0.fips) } + list.filter { !big.contains($0.fips) }
        }
        let sexWeights = [20, 14, 8, 6, 5, 3, 16, 2, 3, 12, 4, 3, 2, 1, 4]
        let laborWeights = [12, 20, 6, 10, 5, 6, 6, 4, 3, 4, 5, 5, 6, 3, 2, 3, 2, 4]
        return World(states: states, stateWeights: weights, counties: counties,
                     venueWeights: [.sex: sexWeights, .labor: laborWeights])
    }
}

/// SplitMix64: a small, fast, deterministic generator (the same seed gives the same file everywhere).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
    mutating func chance(_ probability: Double) -> Bool { unit() < probability }
    /// An index drawn with the given weights.
    mutating func weighted(_ weights: [Int]) -> Int {
        let total = weights.reduce(0, +)
        guard total > 0 else { return 0 }
        var pick = int(0...total - 1)
        for (index, weight) in weights.enumerated() {
            if pick < weight { return index }
            pick -= weight
        }
        return weights.count - 1
    }
}

/// Weights prepared for `SplitMix64.pick(_:)`: running totals, so a draw needs no summing.
struct WeightTable {
    /// `cumulative[i]` is the sum of the weights up to and including `i`.
    let cumulative: [Int]
    var total: Int { cumulative.last ?? 0 }
    var count: Int { cumulative.count }

    init(_ weights: [Int]) {
        var sum = 0
        cumulative = weights.map { weight in
            sum += weight
            return sum
        }
    }
}

extension SplitMix64 {
    /// An index drawn with the table's weights: the same draw, and the same index, as `weighted(_:)` with the
    /// weights themselves.
    mutating func pick(_ table: WeightTable) -> Int {
        let total = table.total
        guard total > 0 else { return 0 }
        let pick = int(0...total - 1)
        for (index, sum) in table.cumulative.enumerated() where pick < sum {
            return index
        }
        return table.count - 1
    }
}

extension String {
    /// Left-padded with zeros to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
