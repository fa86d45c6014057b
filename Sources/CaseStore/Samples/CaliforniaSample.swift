import CSV
import Foundation

/// The synthetic sample `Samples/hotline-2021-california.csv`: invented California cases reported in 2021, built so
/// that an import reproduces the figures published about California and Los Angeles County for 2021 exactly (see
/// `Samples/README.md`). Every row is invented; only the aggregates match the published ones.
///
///     try CaliforniaSample.write(to: "Samples/" + CaliforniaSample.fileName)
///
/// Exact figures are not left to chance: the Los Angeles cases, victims and venues are built as lists with the
/// published counts, shuffled with a seeded `SplitMix64` and dealt to cases. Everything else (other counties, labels,
/// dates) is drawn from the same generator, so the file is the same bytes on every machine.
public enum CaliforniaSample {
    public static let fileName = "hotline-2021-california.csv"

    /// The whole file: the spec's header, one row per victim, LF line ends.
    public static func csv() -> [UInt8] {
        let writer = CSVWriter(lineEnding: .lf)
        var random = SplitMix64(seed: seed)
        // An in-memory writer fails only when closed, which this one never is: a throw is a programmer error.
        do {
            try writer.write(record: header)
            for row in rows(random: &random) { try writer.write(record: row) }
        } catch {
            preconditionFailure("in-memory CSV writer failed: \(error)")
        }
        return writer.output
    }

    /// Writes `csv()` to `path`.
    /// - Throws: the file system's error when the file cannot be written.
    public static func write(to path: String) throws {
        try Data(csv()).write(to: URL(fileURLWithPath: path))
    }

    // MARK: - Published figures (California and Los Angeles County, 2021)

    static let seed: UInt64 = 0xCA_2021
    static let year = 2021
    static let totalCases = 1_334
    static let losAngelesFIPS = "06037"

    /// Los Angeles County cases by trafficking type (433 in all).
    static let losAngelesTypes: [(TraffickingType, Int)] = [(.sex, 342), (.labor, 39), (.sexAndLabor, 52)]

    /// How many Los Angeles cases have 0, 1, 2, 3, 4 victims: 433 cases, 500 victims.
    static let losAngelesVictimsPerCase = [25, 338, 52, 14, 4]

    static let losAngelesGenders: [(Gender, Int)] = [(.female, 435), (.male, 55), (.genderMinority, 10)]
    static let losAngelesCitizenships: [(Citizenship, Int)] =
        [(.usCitizenLPR, 245), (.foreignNational, 180), (.unknown, 75)]
    static let losAngelesAgeGroups: [(AgeGroup, Int)] = [(.minor, 120), (.adult, 380)]

    /// Cases per sex venue among Los Angeles sex and sex-and-labor cases; the first four are the published top four,
    /// in order, and every count is below the one before.
    static let losAngelesSexVenues: [(String, Int)] = [
        ("illicit_massage", 78), ("hotel_motel", 64), ("pornography", 47), ("residential", 38), ("online_ad", 27),
        ("escort_services", 24), ("outdoor_solicitation", 21), ("bars_strip_clubs", 15),
        ("commercial_front_brothel", 11), ("remote_interactive", 9), ("personal_sexual_servitude", 7),
        ("other_sex_venue", 6), ("private_parties", 5), ("truck_stop", 3),
    ]

    /// Cases per industry among Los Angeles labor and sex-and-labor cases; the published top three come first.
    static let losAngelesLaborVenues: [(String, Int)] = [
        ("construction", 24), ("agriculture", 19), ("domestic_work", 14), ("restaurants_food_service", 10),
        ("factories_manufacturing", 8), ("landscaping", 7), ("health_beauty_services", 6), ("commercial_cleaning", 5),
        ("hospitality", 4), ("peddling_begging", 4), ("illicit_activities", 3), ("other_industry", 3),
        ("traveling_sales_crews", 2), ("health_care", 2), ("arts_entertainment", 1),
    ]

    // MARK: - Geography (California counties used; every one has the suffix "County")

    struct County {
        var name: String
        var fips: String
        var cities: [String]
        var fullName: String { name + " County" }
    }

    static let losAngeles = County(
        name: "Los Angeles", fips: losAngelesFIPS,
        cities: ["Los Angeles", "Los Angeles", "Los Angeles", "Long Beach", "Long Beach", "Glendale", "Santa Clarita",
                 "Lancaster", "Palmdale", "Pomona", "Torrance", "Pasadena", "El Monte", "Downey", "Inglewood",
                 "West Covina", "Norwalk", "Burbank", "Compton", "Carson"])

    /// Cases in each other county (811 in all); the rest of the non-Los Angeles cases have no county.
    static let otherCounties: [(County, Int)] = [
        (County(name: "San Diego", fips: "06073", cities: ["San Diego", "San Diego", "Chula Vista", "Escondido",
                                                          "Oceanside", "El Cajon"]), 136),
        (County(name: "Orange", fips: "06059", cities: ["Anaheim", "Santa Ana", "Irvine", "Garden Grove"]), 92),
        (County(name: "San Bernardino", fips: "06071", cities: ["San Bernardino", "Fontana", "Ontario",
                                                               "Victorville"]), 88),
        (County(name: "Riverside", fips: "06065", cities: ["Riverside", "Moreno Valley", "Corona", "Indio"]), 84),
        (County(name: "Sacramento", fips: "06067", cities: ["Sacramento", "Sacramento", "Elk Grove"]), 72),
        (County(name: "Alameda", fips: "06001", cities: ["Oakland", "Oakland", "Fremont", "Hayward"]), 56),
        (County(name: "Santa Clara", fips: "06085", cities: ["San Jose", "San Jose", "Sunnyvale"]), 48),
        (County(name: "Fresno", fips: "06019", cities: ["Fresno", "Clovis"]), 41),
        (County(name: "Kern", fips: "06029", cities: ["Bakersfield", "Delano"]), 34),
        (County(name: "San Francisco", fips: "06075", cities: ["San Francisco"]), 26),
        (County(name: "Contra Costa", fips: "06013", cities: ["Richmond", "Concord", "Antioch"]), 17),
        (County(name: "San Joaquin", fips: "06077", cities: ["Stockton", "Tracy"]), 16),
        (County(name: "Ventura", fips: "06111", cities: ["Oxnard", "Ventura"]), 14),
        (County(name: "Stanislaus", fips: "06099", cities: ["Modesto"]), 11),
        (County(name: "Tulare", fips: "06107", cities: ["Visalia", "Tulare"]), 9),
        (County(name: "San Mateo", fips: "06081", cities: ["Daly City", "San Mateo"]), 8),
        (County(name: "Sonoma", fips: "06097", cities: ["Santa Rosa"]), 7),
        (County(name: "Monterey", fips: "06053", cities: ["Salinas"]), 6),
        (County(name: "Solano", fips: "06095", cities: ["Vallejo", "Fairfield"]), 6),
        (County(name: "Santa Barbara", fips: "06083", cities: ["Santa Maria"]), 5),
        (County(name: "Placer", fips: "06061", cities: ["Roseville"]), 4),
        (County(name: "Merced", fips: "06047", cities: ["Merced"]), 4),
        (County(name: "Imperial", fips: "06025", cities: ["El Centro", "Calexico"]), 3),
        (County(name: "Butte", fips: "06007", cities: ["Chico"]), 3),
        (County(name: "Shasta", fips: "06089", cities: ["Redding"]), 2),
        (County(name: "Santa Cruz", fips: "06087", cities: ["Watsonville"]), 2),
        (County(name: "Yolo", fips: "06113", cities: ["Davis"]), 2),
        (County(name: "San Luis Obispo", fips: "06079", cities: ["San Luis Obispo"]), 2),
        (County(name: "Humboldt", fips: "06023", cities: ["Eureka"]), 1),
        (County(name: "Kings", fips: "06031", cities: ["Hanford"]), 1),
        (County(name: "Madera", fips: "06039", cities: ["Madera"]), 1),
        (County(name: "Napa", fips: "06055", cities: ["Napa"]), 1),
        (County(name: "Marin", fips: "06041", cities: ["San Rafael"]), 1),
        (County(name: "El Dorado", fips: "06017", cities: ["South Lake Tahoe"]), 1),
        (County(name: "Sutter", fips: "06101", cities: ["Yuba City"]), 1),
        (County(name: "Yuba", fips: "06115", cities: ["Marysville"]), 1),
        (County(name: "Mendocino", fips: "06045", cities: ["Ukiah"]), 1),
        (County(name: "Lake", fips: "06033", cities: ["Clearlake"]), 1),
        (County(name: "Tehama", fips: "06103", cities: ["Red Bluff"]), 1),
        (County(name: "Siskiyou", fips: "06093", cities: ["Yreka"]), 1),
        (County(name: "Del Norte", fips: "06015", cities: ["Crescent City"]), 1),
    ]

    // MARK: - Building the cases

    static let header = ["case_id", "reported_on", "state", "county", "city", "trafficking_type", "venues",
                         "victim_id", "victim_gender", "victim_age_group", "victim_age", "victim_citizenship"]

    struct Victim {
        var gender: Gender
        var ageGroup: AgeGroup
        var citizenship: Citizenship
    }

    struct PlannedCase {
        var county: County?
        var type: TraffickingType
        /// Venue codes, in the order they are written.
        var venues: [String] = []
        var victims: [Victim] = []
    }

    /// Every row of the file, in case order.
    static func rows(random: inout SplitMix64) -> [[String]] {
        var cases = losAngelesCases(random: &random) + otherCases(random: &random)
        precondition(cases.count == totalCases, "the county table no longer adds up to \(totalCases) cases")
        cases.shuffle(using: &random)
        // Dates spread over the year; case numbers follow the reporting date, as a hotline's would.
        let daysInYear = (1...12).reduce(0) { $0 + DateFormat.daysIn(month: $1, year: year) }
        let days = (0..<cases.count).map { _ in random.int(0...daysInYear - 1) }.sorted()
        var rows: [[String]] = []
        for (index, planned) in cases.enumerated() {
            rows += caseRows(planned, number: index + 1, dayOfYear: days[index], random: &random)
        }
        return rows
    }

    /// Los Angeles County: exact counts of types, victims per case, victim attributes and venues, dealt at random.
    static func losAngelesCases(random: inout SplitMix64) -> [PlannedCase] {
        var types = expand(losAngelesTypes)
        types.shuffle(using: &random)
        var cases = types.map { PlannedCase(county: losAngeles, type: $0) }

        var victimCounts = expand(losAngelesVictimsPerCase.enumerated().map { ($0.offset, $0.element) })
        victimCounts.shuffle(using: &random)
        var genders = expand(losAngelesGenders)
        var citizenships = expand(losAngelesCitizenships)
        var ageGroups = expand(losAngelesAgeGroups)
        genders.shuffle(using: &random)
        citizenships.shuffle(using: &random)
        ageGroups.shuffle(using: &random)
        var next = 0
        for index in cases.indices {
            for _ in 0..<victimCounts[index] {
                cases[index].victims.append(
                    Victim(gender: genders[next], ageGroup: ageGroups[next], citizenship: citizenships[next]))
                next += 1
            }
        }
        precondition(next == genders.count, "victims per case do not add up to the victim total")
        // Labor victims are more often men: swap genders (not counts) between labor and sex cases now and then.
        let laborSlots = slots(in: cases) { $0.type != .sex }
        var sexMaleSlots = slots(in: cases) { $0.type == .sex }.filter { cases[$0.0].victims[$0.1].gender == .male }
        sexMaleSlots.shuffle(using: &random)
        for (caseIndex, victimIndex) in laborSlots where cases[caseIndex].victims[victimIndex].gender == .female {
            guard random.chance(0.4), let other = sexMaleSlots.popLast() else { continue }
            cases[caseIndex].victims[victimIndex].gender = .male
            cases[other.0].victims[other.1].gender = .female
        }

        deal(losAngelesSexVenues, to: &cases, where: { $0.type == .sex || $0.type == .sexAndLabor }, random: &random)
        deal(losAngelesLaborVenues, to: &cases, where: { $0.type == .labor || $0.type == .sexAndLabor },
             random: &random)
        return cases
    }

    /// The rest of California: county counts from the table, everything else drawn.
    static func otherCases(random: inout SplitMix64) -> [PlannedCase] {
        let withCounty = otherCounties.reduce(0) { $0 + $1.1 }
        let withoutCounty = totalCases - losAngelesTypes.reduce(0) { $0 + $1.1 } - withCounty
        var counties: [County?] = otherCounties.flatMap { Array(repeating: Optional($0.0), count: $0.1) }
        counties += Array(repeating: nil, count: withoutCounty)
        counties.shuffle(using: &random)

        let sexVenues = Venue.hotline.filter { $0.kind == .sex }
        let laborVenues = Venue.hotline.filter { $0.kind == .labor }
        // Weights in Venue.hotline order (escort ... other venue; agriculture ... other industry).
        let sexWeights = [14, 20, 10, 9, 5, 7, 18, 3, 4, 12, 5, 4, 2, 0, 4]
        let laborWeights = [18, 14, 4, 12, 4, 6, 16, 5, 7, 4, 2, 4, 8, 1, 1, 2, 1, 4]
        return counties.map { county in
            let type = TraffickingType.allCases[random.weighted([71, 12, 9, 8])]
            var planned = PlannedCase(county: county, type: type)
            var kinds: [(venues: [Venue], weights: [Int])] = []
            switch type {
            case .sex: kinds = [(sexVenues, sexWeights)]
            case .labor: kinds = [(laborVenues, laborWeights)]
            case .sexAndLabor: kinds = [(sexVenues, sexWeights), (laborVenues, laborWeights)]
            case .notSpecified: kinds = random.chance(0.3) ? [(sexVenues, sexWeights)] : []
            case .otherExploitation: kinds = []
            }
            for kind in kinds {
                for _ in 0..<random.weighted([28, 52, 15, 5]) {
                    // A repeat is kept: the file then lists one venue twice, which counts once.
                    planned.venues.append(kind.venues[random.weighted(kind.weights)].code)
                }
            }
            let laborish = type == .labor
            for _ in 0..<random.weighted([6, 56, 22, 9, 4, 2, 1]) {
                let gender = Gender.allCases[random.weighted(laborish ? [40, 54, 2, 4] : [80, 13, 3, 4])]
                let ageGroup = AgeGroup.allCases[random.weighted(laborish ? [8, 80, 12] : [27, 61, 12])]
                let citizenship = Citizenship.allCases[random.weighted(laborish ? [22, 58, 20] : [52, 20, 28])]
                planned.victims.append(Victim(gender: gender, ageGroup: ageGroup, citizenship: citizenship))
            }
            return planned
        }
    }

    /// Gives each venue to `count` distinct cases among those that `matches`, chosen at random.
    static func deal(_ counts: [(String, Int)], to cases: inout [PlannedCase], where matches: (PlannedCase) -> Bool,
                     random: inout SplitMix64) {
        let eligible = cases.indices.filter { matches(cases[$0]) }
        for (code, count) in counts {
            precondition(count <= eligible.count, "more cases for \(code) than eligible cases")
            var pool = eligible
            pool.shuffle(using: &random)
            for index in pool.prefix(count) { cases[index].venues.append(code) }
        }
        // Venue order within a case is free in the file; mix it so the big venues are not always first.
        for index in eligible { cases[index].venues.shuffle(using: &random) }
    }

    /// (case index, victim index) of every victim in the cases that `matches`, in case order.
    static func slots(in cases: [PlannedCase], where matches: (PlannedCase) -> Bool) -> [(Int, Int)] {
        cases.indices.filter { matches(cases[$0]) }.flatMap { index in
            cases[index].victims.indices.map { (index, $0) }
        }
    }

    static func expand<T>(_ counts: [(T, Int)]) -> [T] {
        counts.flatMap { Array(repeating: $0.0, count: $0.1) }
    }

    // MARK: - Writing a case

    static func caseRows(_ planned: PlannedCase, number: Int, dayOfYear: Int,
                         random: inout SplitMix64) -> [[String]] {
        var month = 1
        var day = dayOfYear + 1
        while day > DateFormat.daysIn(month: month, year: year) {
            day -= DateFormat.daysIn(month: month, year: year)
            month += 1
        }
        let stateText = random.chance(0.62) ? "CA" : "California"
        var countyText = ""
        var city = ""
        if let county = planned.county {
            switch random.int(0...19) {
            case 0...6: countyText = county.name
            case 7...12: countyText = county.fullName
            case 13...15: countyText = county.fips
            case 16...17: countyText = county.fullName.uppercased()
            default: countyText = county.name.lowercased()
            }
            if random.chance(0.7) { city = county.cities[random.int(0...county.cities.count - 1)] }
        }
        let typeText = planned.type == .notSpecified && random.chance(0.35) ? "" : label(planned.type, random: &random)
        let venues = planned.venues.compactMap { Venue.named(code: $0) }.map { venueLabel($0, random: &random) }
        let caseFields = [
            "CA21-" + String(number).leftPadded(to: 6), DateFormat.iso.format(year: year, month: month, day: day),
            stateText, countyText, city, typeText, venues.joined(separator: ";"),
        ]
        if planned.victims.isEmpty { return [caseFields + ["", "", "", "", ""]] }
        let namedVictims = random.chance(0.65)
        return planned.victims.enumerated().map { position, victim in
            caseFields + victimFields(victim, id: namedVictims ? "V\(position + 1)" : "", random: &random)
        }
    }

    /// victim_id, victim_gender, victim_age_group, victim_age, victim_citizenship.
    static func victimFields(_ victim: Victim, id: String, random: inout SplitMix64) -> [String] {
        var gender = ""
        switch victim.gender {
        case .female: gender = pick(victim.ageGroup == .minor ? ["Female", "Female", "F", "Girl", "female"]
                                                             : ["Female", "Female", "F", "Woman", "female"], &random)
        case .male: gender = pick(victim.ageGroup == .minor ? ["Male", "Male", "M", "Boy", "male"]
                                                           : ["Male", "Male", "M", "Man", "male"], &random)
        case .genderMinority: gender = label(Gender.genderMinority, random: &random)
        case .unknown: gender = random.chance(0.5) ? "Unknown" : ""
        }
        var ageGroup = ""
        var age = ""
        let ageLabels: [AgeGroup: [String]] = [.minor: ["Minor", "Minor", "Minors", "Child", "minor"],
                                               .adult: ["Adult", "Adult", "Adults", "adult"]]
        if victim.ageGroup == .unknown {
            ageGroup = random.chance(0.3) ? "Unknown" : ""
        } else {
            // Half give an age (and some the group as well), the rest only the group.
            let form = random.int(0...9)
            if form <= 4 || form >= 8 {
                age = String(victim.ageGroup == .minor ? 17 - Int(pow(random.unit(), 1.5) * 6)
                                                       : 18 + Int(pow(random.unit(), 1.8) * 45))
            }
            if form >= 5 { ageGroup = pick(ageLabels[victim.ageGroup] ?? [], &random) }
        }
        var citizenship = ""
        switch victim.citizenship {
        case .unknown: citizenship = random.chance(0.5) ? "" : pick(["Unknown", "Unknown", "unknown"], &random)
        default: citizenship = label(victim.citizenship, random: &random)
        }
        // Every column empty would read as "no victim detail": keep one known field.
        if [id, gender, ageGroup, age, citizenship].allSatisfy(\.isEmpty) { gender = "Unknown" }
        return [id, gender, ageGroup, age, citizenship]
    }

    /// Mostly the label, sometimes the code, another accepted label or the label in lower case.
    static func label<T: VocabularyTerm>(_ term: T, random: inout SplitMix64) -> String {
        switch random.int(0...9) {
        case 0: return term.code
        case 1...2 where !term.otherLabels.isEmpty: return pick(term.otherLabels, &random)
        case 3: return term.label.lowercased()
        default: return term.label
        }
    }

    static func venueLabel(_ venue: Venue, random: inout SplitMix64) -> String {
        switch random.int(0...9) {
        case 0: return venue.code
        case 1...3 where !venue.otherLabels.isEmpty: return pick(venue.otherLabels, &random)
        case 4: return venue.label.lowercased()
        default: return venue.label
        }
    }

    static func pick(_ choices: [String], _ random: inout SplitMix64) -> String {
        choices[random.int(0...choices.count - 1)]
    }
}
