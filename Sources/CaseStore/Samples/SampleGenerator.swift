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
        let writer = CSVWriter(fileDescriptor: descriptor, lineEnding: .lf)
        let sink = ByteSink(descriptor: descriptor, label: path)
        let output = try generate(writer: writer, sink: sink, format: format)
        try writer.flush()
        try sink.flush()
        return output
    }

    // MARK: - Generation

    private func generate(writer: CSVWriter, sink: ByteSink, format: ImportFormat) throws -> Output {
        let world = try World.load()
        var random = SplitMix64(seed: seed)
        var output = Output()
        if format == .csv { try writer.write(record: ExportColumn.allCases.map { profile.header(for: $0) }) }
        let yearCount = years.count
        for index in 0..<cases {
            let year = years.lowerBound + index * yearCount / max(cases, 1)
            let sampleCase = makeCase(number: index + 1, year: year, world: world, random: &random)
            output.cases += 1
            output.victims += sampleCase.victims.count
            switch format {
            case .csv:
                let caseFields = [sampleCase.caseID, sampleCase.reportedOn, sampleCase.state, sampleCase.county,
                                  sampleCase.city, sampleCase.type, sampleCase.venues.joined(separator: profile.venueSeparator)]
                if sampleCase.victims.isEmpty {
                    try writer.write(record: caseFields + ["", "", "", "", ""])
                    output.rows += 1
                }
                for victim in sampleCase.victims {
                    try writer.write(record: caseFields + [victim.id, victim.gender, victim.ageGroup, victim.age,
                                                           victim.citizenship])
                    output.rows += 1
                }
            case .ndjson:
                try sink.write(ndjson(sampleCase))
                output.rows += 1
            }
        }
        return output
    }

    struct SampleCase {
        var caseID, reportedOn, state, county, city, type: String
        var venues: [String]
        var victims: [SampleVictim]
    }

    struct SampleVictim {
        var id, gender, ageGroup, age, citizenship: String
    }

    private func makeCase(number: Int, year: Int, world: World, random: inout SplitMix64) -> SampleCase {
        let month = random.int(1...12)
        let day = random.int(1...DateFormat.daysIn(month: month, year: year))
        let state = world.states[random.weighted(world.stateWeights)]
        var county = ""
        var city = ""
        if random.chance(0.85), let counties = world.counties[state.code], !counties.isEmpty {
            // Bigger counties come first in the list; favour them.
            let pick = counties[min(counties.count - 1, Int(Double(counties.count) * pow(random.unit(), 3)))]
            switch random.int(0...9) {
            case 0...3: county = pick.name
            case 4...6: county = pick.fullName
            case 7: county = pick.fips
            case 8: county = pick.fullName.uppercased()
            default: county = pick.name.lowercased()
            }
            if random.chance(0.6) { city = pick.name }
        }
        let stateText = random.chance(0.7) ? state.code : (random.chance(0.5) ? state.name : state.code.lowercased())
        let type = TraffickingType.allCases[random.weighted([70, 12, 5, 13])]
        var venueKinds: [VenueKind] = []
        switch type {
        case .sex: venueKinds = [.sex]
        case .labor: venueKinds = [.labor]
        case .sexAndLabor: venueKinds = [.sex, .labor]
        case .notSpecified: venueKinds = random.chance(0.3) ? [.sex] : []
        }
        var venues: [String] = []
        for kind in venueKinds {
            let candidates = Venue.all.filter { $0.kind == kind }
            for _ in 0..<random.weighted([20, 55, 20, 5]) {
                venues.append(label(for: candidates[random.weighted(world.venueWeights[kind] ?? [])], random: &random))
            }
        }
        let victimCount = random.weighted([5, 54, 25, 9, 4, 3])
        var victims: [SampleVictim] = []
        let namedVictims = random.chance(0.7)
        for position in 0..<victimCount {
            let gender = Gender.allCases[random.weighted([80, 15, 2, 3])]
            var ageGroup = ""
            var age = ""
            switch random.int(0...9) {
            case 0...4:
                let years = type == .labor ? random.int(16...60) : random.int(12...45)
                age = String(years)
                if random.chance(0.3) { ageGroup = termLabel(AgeGroup(age: years), column: .victimAgeGroup, random: &random) }
            case 5...7:
                ageGroup = termLabel(random.chance(0.45) ? AgeGroup.minor : .adult, column: .victimAgeGroup, random: &random)
            default: break
            }
            let citizenship = Citizenship.allCases[random.weighted([50, 20, 30])]
            var victim = SampleVictim(
                id: namedVictims ? "V\(position + 1)" : "",
                gender: gender == .unknown && random.chance(0.5) ? "" : termLabel(gender, column: .victimGender, random: &random),
                ageGroup: ageGroup, age: age,
                citizenship: citizenship == .unknown && random.chance(0.5) ? ""
                    : termLabel(citizenship, column: .victimCitizenship, random: &random))
            // A victim with every column empty would be read as "no victim detail": give it one known field.
            if [victim.id, victim.gender, victim.ageGroup, victim.age, victim.citizenship].allSatisfy(\.isEmpty) {
                victim.gender = termLabel(Gender.unknown, column: .victimGender, random: &random)
            }
            victims.append(victim)
        }
        return SampleCase(
            caseID: "HT-\(year)-\(String(number).leftPadded(to: 7))",
            reportedOn: profile.dateFormat.format(year: year, month: month, day: day),
            state: stateText, county: county, city: city,
            type: type == .notSpecified && random.chance(0.3) ? "" : termLabel(type, column: .traffickingType, random: &random),
            venues: venues, victims: victims)
    }

    /// A label for `term`: mostly its label, sometimes its code, another accepted label, or the profile's own.
    private func termLabel<T: VocabularyTerm>(_ term: T, column: ExportColumn, random: inout SplitMix64) -> String {
        let own = (profile.labels[column] ?? [:]).filter { $0.value == term.code }.keys.sorted()
        if !own.isEmpty && random.chance(0.8) { return own[random.int(0...own.count - 1)] }
        switch random.int(0...9) {
        case 0: return term.code
        case 1...2 where !term.otherLabels.isEmpty: return term.otherLabels[random.int(0...term.otherLabels.count - 1)]
        case 3: return term.label.lowercased()
        default: return term.label
        }
    }

    private func label(for venue: Venue, random: inout SplitMix64) -> String {
        let own = (profile.labels[.venues] ?? [:]).filter { $0.value == venue.code }.keys.sorted()
        if !own.isEmpty && random.chance(0.8) { return own[random.int(0...own.count - 1)] }
        switch random.int(0...9) {
        case 0: return venue.code
        case 1...3 where !venue.otherLabels.isEmpty: return venue.otherLabels[random.int(0...venue.otherLabels.count - 1)]
        default: return venue.label
        }
    }

    private func ndjson(_ sampleCase: SampleCase) -> String {
        func field(_ key: String, _ value: String) -> String? {
            value.isEmpty ? nil : "\(JSONText.quote(key)): \(JSONText.quote(value))"
        }
        var parts = [field("case_id", sampleCase.caseID), field("reported_on", sampleCase.reportedOn),
                     field("state", sampleCase.state), field("county", sampleCase.county), field("city", sampleCase.city),
                     field("trafficking_type", sampleCase.type)].compactMap { $0 }
        parts.append("\"venues\": [\(sampleCase.venues.map(JSONText.quote).joined(separator: ", "))]")
        let victims = sampleCase.victims.map { victim in
            let fields = [field("victim_id", victim.id), field("gender", victim.gender),
                          field("age_group", victim.ageGroup), victim.age.isEmpty ? nil : "\"age\": \(victim.age)",
                          field("citizenship", victim.citizenship)].compactMap { $0 }
            return "{\(fields.joined(separator: ", "))}"
        }
        parts.append("\"victims\": [\(victims.joined(separator: ", "))]")
        return "{\(parts.joined(separator: ", "))}\n"
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

/// JSON string quoting for the NDJSON writer.
enum JSONText {
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + String(scalar.value, radix: 16).leftPadded(to: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    /// Left-padded with zeros to `width` characters.
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
