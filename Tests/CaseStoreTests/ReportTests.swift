import CaseStore
import Foundation
import SQLite
import Testing

// MARK: - Fixture

/// A small hotline export kept in Swift, so the tests can count it themselves (without the code under test) and
/// compare: 16 cases in CA and TX, 2020 and 2021, three counties and cases with none, every type, multi-venue cases,
/// and 19 victims with every gender, age group and citizenship.
enum ReportFixture {
    struct Victim {
        let gender: Gender
        let ageGroup: AgeGroup
        let citizenship: Citizenship
        init(_ gender: Gender, _ ageGroup: AgeGroup, _ citizenship: Citizenship) {
            self.gender = gender
            self.ageGroup = ageGroup
            self.citizenship = citizenship
        }
    }

    struct Case {
        let ref: String
        let year: Int
        let state: String
        /// FIPS, nil for a case with no county.
        let county: String?
        let type: TraffickingType
        /// Venue codes.
        let venues: [String]
        let victims: [Victim]
    }

    static let cases: [Case] = [
        Case(ref: "A01", year: 2021, state: "CA", county: "06037", type: .sex, venues: ["hotel_motel", "online_ad"],
             victims: [Victim(.female, .minor, .usCitizenLPR), Victim(.female, .adult, .usCitizenLPR)]),
        Case(ref: "A02", year: 2021, state: "CA", county: "06037", type: .sex, venues: ["illicit_massage"],
             victims: [Victim(.female, .adult, .foreignNational)]),
        Case(ref: "A03", year: 2021, state: "CA", county: "06037", type: .sex, venues: ["hotel_motel"],
             victims: [Victim(.female, .minor, .usCitizenLPR)]),
        Case(ref: "A04", year: 2021, state: "CA", county: "06037", type: .labor,
             venues: ["agriculture", "construction"],
             victims: [Victim(.male, .adult, .foreignNational), Victim(.male, .adult, .foreignNational)]),
        Case(ref: "A05", year: 2020, state: "CA", county: "06037", type: .sexAndLabor,
             venues: ["hotel_motel", "domestic_work"], victims: [Victim(.female, .adult, .foreignNational)]),
        Case(ref: "A06", year: 2020, state: "CA", county: "06073", type: .sex, venues: ["online_ad"],
             victims: [Victim(.genderMinority, .minor, .usCitizenLPR)]),
        Case(ref: "A07", year: 2021, state: "CA", county: "06073", type: .labor, venues: ["agriculture"],
             victims: [Victim(.male, .unknown, .unknown)]),
        Case(ref: "A08", year: 2021, state: "CA", county: nil, type: .notSpecified, venues: [],
             victims: [Victim(.unknown, .unknown, .unknown)]),
        Case(ref: "A09", year: 2020, state: "CA", county: nil, type: .sex, venues: ["hotel_motel"],
             victims: [Victim(.female, .adult, .usCitizenLPR)]),
        Case(ref: "A10", year: 2021, state: "TX", county: "48201", type: .sex,
             venues: ["hotel_motel", "illicit_massage"],
             victims: [Victim(.female, .adult, .usCitizenLPR), Victim(.female, .minor, .usCitizenLPR),
                       Victim(.female, .minor, .unknown)]),
        Case(ref: "A11", year: 2021, state: "TX", county: "48201", type: .labor, venues: ["construction"],
             victims: [Victim(.male, .adult, .foreignNational)]),
        Case(ref: "A12", year: 2020, state: "TX", county: "48201", type: .sex, venues: ["online_ad"], victims: []),
        Case(ref: "A13", year: 2020, state: "TX", county: nil, type: .labor, venues: ["agriculture"],
             victims: [Victim(.male, .adult, .foreignNational), Victim(.female, .adult, .foreignNational)]),
        Case(ref: "A14", year: 2021, state: "TX", county: nil, type: .sexAndLabor,
             venues: ["illicit_massage", "restaurants_food_service"],
             victims: [Victim(.female, .adult, .foreignNational)]),
        Case(ref: "A15", year: 2020, state: "TX", county: "48201", type: .notSpecified, venues: [],
             victims: [Victim(.unknown, .adult, .unknown)]),
        Case(ref: "A16", year: 2021, state: "CA", county: "06037", type: .sex, venues: ["hotel_motel"], victims: []),
    ]

    /// The export rows: one per victim (a case without victims has one row), labels spelled as exports do.
    static var rows: [ExportRow] {
        cases.flatMap { item -> [ExportRow] in
            let base = ExportRow(caseID: item.ref, reportedOn: "\(item.year)-05-06", state: item.state,
                                 county: item.county ?? "", type: item.type.label,
                                 venues: item.venues.joined(separator: "; "))
            guard !item.victims.isEmpty else { return [base] }
            return item.victims.map { victim in
                var row = base
                row.gender = victim.gender.label
                row.ageGroup = victim.ageGroup.label
                row.citizenship = victim.citizenship.label
                return row
            }
        }
    }

    /// A fresh database holding the fixture, and its geography.
    static func load() throws -> (ImportHarness, Geography) {
        let harness = try ImportHarness()
        let summary = try harness.importRows(rows)
        try #require(summary.outcome == .imported)
        try #require(summary.casesImported == cases.count)
        return (harness, try Geography(try harness.connection))
    }

    // MARK: Counting by hand

    /// One dimension's codes for a unit (several for venue).
    static func codes(_ dimension: CaseStore.Dimension, _ item: Case, _ victim: Victim?) -> [String] {
        switch dimension {
        case .type: [item.type.code]
        case .venue: item.venues
        case .state: [item.state]
        case .county: [item.county ?? "unknown"]
        case .year: [String(item.year)]
        case .gender: [victim!.gender.code]
        case .ageGroup: [victim!.ageGroup.code]
        case .citizenship: [victim!.citizenship.code]
        case .country: ["US"]
        case .nationality: ["unknown"]
        }
    }

    /// The rows a report must give, counted over `cases` in plain Swift.
    static func expected(by dimensions: [CaseStore.Dimension], where keep: (Case) -> Bool = { _ in true },
                         minCount: Int) -> (total: Int, rows: [Line]) {
        let victimUnit = dimensions.contains { $0 == .gender || $0 == .ageGroup || $0 == .citizenship
            || $0 == .nationality }
        var units: [(Case, Victim?)] = []
        for item in cases where keep(item) {
            if victimUnit { units += item.victims.map { (item, $0) } } else { units.append((item, nil)) }
        }
        var counts: [[String]: Int] = [:]
        for (item, victim) in units {
            var keys: [[String]] = [[]]
            for dimension in dimensions {
                keys = keys.flatMap { key in codes(dimension, item, victim).map { key + [$0] } }
            }
            for key in keys { counts[key, default: 0] += 1 }
        }
        let total = units.count
        let lines = counts.map { key, count in
            let tenths = Int((Double(count) * 1000 / Double(total)).rounded(.toNearestOrAwayFromZero))
            return Line(key, count, "\(tenths / 10).\(tenths % 10)", suppressed: count < minCount)
        }
        func codeOrder(_ a: Line, _ b: Line) -> Bool {
            for (index, dimension) in dimensions.enumerated() where a.codes[index] != b.codes[index] {
                if dimension == .year { return Int(a.codes[index])! < Int(b.codes[index])! }
                return a.codes[index] < b.codes[index]
            }
            return false
        }
        let shown = lines.filter { !$0.suppressed }
            .sorted { $0.count != $1.count ? $0.count > $1.count : codeOrder($0, $1) }
        let hidden = lines.filter(\.suppressed).sorted(by: codeOrder)
        return (total, shown + hidden)
    }
}

/// A report row reduced to what the tests compare: codes, true count, percent text, suppressed.
struct Line: Equatable, CustomStringConvertible {
    var codes: [String]
    var count: Int
    var percent: String
    var suppressed: Bool

    init(_ codes: [String], _ count: Int, _ percent: String, suppressed: Bool = false) {
        self.codes = codes
        self.count = count
        self.percent = percent
        self.suppressed = suppressed
    }

    init(_ row: Report.Row) {
        self.init(row.cells.map(\.code), row.count, row.percent.description, suppressed: row.suppressed)
    }

    var description: String { "\(codes.joined(separator: "/")) \(count) \(percent)\(suppressed ? " suppressed" : "")" }
}

extension Report {
    var lines: [Line] { rows.map(Line.init) }
}

/// Runs a report on the fixture.
func makeReport(_ dimensions: [CaseStore.Dimension], _ filters: ReportFilters = ReportFilters(), minCount: Int = 3,
                harness: ImportHarness, geography: Geography) throws -> Report {
    try Report.make(by: dimensions, filters: filters, suppression: Suppression(minCount: minCount),
                    in: try harness.connection, labels: Report.Labels(geography: geography))
}

// MARK: - Parsing and arithmetic

@Suite("Reports: dimensions, filters, percents, suppression")
struct ReportParsingTests {
    private func parse(_ text: String) throws -> [CaseStore.Dimension] {
        try CaseStore.Dimension.parseList(text)
    }

    @Test func dimensionListsParse() throws {
        #expect(try parse("type") == [.type])
        #expect(try parse("county,type") == [.county, .type])
        #expect(try parse(" Age-Group , GENDER") == [.ageGroup, .gender])
        #expect(try parse("age_group,citizenship") == [.ageGroup, .citizenship])
        for dimension in CaseStore.Dimension.allCases {
            #expect(try parse(dimension.rawValue) == [dimension])
        }
        #expect(CaseStore.Dimension.allCases.filter(\.isVictimDimension)
            == [.gender, .ageGroup, .citizenship, .nationality])
    }

    @Test func badDimensionListsAreErrors() {
        let known = ["type", "venue", "state", "county", "year", "gender", "age_group", "citizenship", "country",
                     "nationality"]
        #expect(throws: ReportError.unknownDimension("colour", known: known)) { try parse("colour") }
        #expect(throws: ReportError.unknownDimension("", known: known)) { try parse("") }
        #expect(throws: ReportError.unknownDimension("", known: known)) { try parse("type,") }
        #expect(throws: ReportError.repeatedDimension("type")) { try parse("type,Type") }
        #expect(throws: ReportError.repeatedDimension("age_group")) { try parse("age_group,age-group") }
    }

    static func parse(year: String? = nil, state: String? = nil, county: String? = nil, type: String? = nil,
                      venue: String? = nil) throws -> ReportFilters {
        try ReportFilters.parse(year: year, state: state, county: county, type: type, venue: venue,
                                geography: try ImportHarness.sharedGeography.get())
    }

    @Test func filtersParse() throws {
        #expect(try Self.parse() == ReportFilters())
        #expect(try Self.parse(year: "2021") == ReportFilters(years: 2021...2021))
        #expect(try Self.parse(year: "2019..2021") == ReportFilters(years: 2019...2021))
        #expect(try Self.parse(year: " 2020 .. 2020 ") == ReportFilters(years: 2020...2020))
        #expect(try Self.parse(state: "CA") == ReportFilters(state: "CA"))
        #expect(try Self.parse(state: "tx") == ReportFilters(state: "TX"))
        #expect(try Self.parse(state: "texas") == ReportFilters(state: "TX"))
        #expect(try Self.parse(state: "California") == ReportFilters(state: "CA"))
        #expect(try Self.parse(state: "CA", county: "Los Angeles") == ReportFilters(state: "CA", countyFIPS: "06037"))
        #expect(try Self.parse(state: "california", county: "LOS ANGELES COUNTY")
                == ReportFilters(state: "CA", countyFIPS: "06037"))
        // A FIPS code names its state.
        #expect(try Self.parse(county: "06073") == ReportFilters(state: "CA", countyFIPS: "06073"))
        #expect(try Self.parse(state: "TX", county: "48201") == ReportFilters(state: "TX", countyFIPS: "48201"))
        #expect(try Self.parse(type: "sex_and_labor") == ReportFilters(type: .sexAndLabor))
        #expect(try Self.parse(type: "Sex & Labor") == ReportFilters(type: .sexAndLabor))
        #expect(try Self.parse(type: "labor") == ReportFilters(type: .labor))
        #expect(try Self.parse(venue: "hotel_motel") == ReportFilters(venue: Venue.named(code: "hotel_motel")))
        #expect(try Self.parse(venue: "Agriculture") == ReportFilters(venue: Venue.named(code: "agriculture")))
        #expect(try Self.parse(year: "2021", state: "TX", type: "Sex", venue: "Hotel/Motel")
                == ReportFilters(years: 2021...2021, state: "TX", type: .sex, venue: Venue.named(code: "hotel_motel")))
    }

    /// Each bad filter and the option its error names.
    static let badFilters: [(String, @Sendable () throws -> ReportFilters)] = [
        ("--year", { try parse(year: "20x1") }),
        ("--year", { try parse(year: "") }),
        ("--year", { try parse(year: "2021..2019") }),
        ("--year", { try parse(year: "2019..2020..2021") }),
        ("--year", { try parse(year: "2019..") }),
        ("--state", { try parse(state: "ZZ") }),
        ("--state", { try parse(state: "") }),
        ("--county", { try parse(county: "Los Angeles") }),            // a name needs --state
        ("--county", { try parse(state: "CA", county: "48201") }),      // Harris County, Texas
        ("--county", { try parse(state: "CA", county: "Harris") }),
        ("--county", { try parse(state: "TX", county: "Los Angeles") }),
        ("--county", { try parse(county: "99999") }),
        ("--type", { try parse(type: "trafficking") }),
        ("--venue", { try parse(venue: "casino") }),
    ]

    @Test func badFiltersAreErrorsNamingTheirOption() throws {
        for (index, (option, parse)) in Self.badFilters.enumerated() {
            do {
                let filters = try parse()
                Issue.record("bad filter \(index) parsed as \(filters)")
            } catch let error as ReportError {
                guard case .invalidFilter(let named, _) = error else {
                    Issue.record("bad filter \(index): \(error)")
                    continue
                }
                #expect(named == option, "bad filter \(index)")
            }
        }
    }

    @Test func percentsRoundHalfAwayFromZeroToOneDecimal() {
        let cases: [(Int, Int, String)] = [
            (1, 8, "12.5"), (1, 3, "33.3"), (2, 3, "66.7"), (1, 6, "16.7"), (1, 16, "6.3"), (3, 16, "18.8"),
            (1, 40, "2.5"), (1, 200, "0.5"), (1, 2000, "0.1"), (1, 2001, "0.0"), (433, 1334, "32.5"), (0, 5, "0.0"),
            (5, 5, "100.0"), (0, 0, "0.0"), (1, 19, "5.3"), (2, 19, "10.5"), (1, 7, "14.3"), (5, 7, "71.4"),
        ]
        for (part, whole, text) in cases {
            #expect(Percent(part, of: whole).description == text, "\(part) of \(whole)")
        }
        #expect(Percent(1, of: 8).tenths == 125)
        #expect(Percent(1, of: 16).value == 6.3)
    }

    @Test func suppressionHidesOneToMinCountMinusOne() {
        let hotline = Suppression.hotline
        #expect(hotline.minCount == 3)
        #expect(hotline.placeholder == "<3")
        #expect((0...6).filter(hotline.suppresses) == [1, 2])
        let five = Suppression(minCount: 5)
        #expect(five.placeholder == "<5")
        #expect((0...8).filter(five.suppresses) == [1, 2, 3, 4])
        #expect((0...8).filter(Suppression(minCount: 0).suppresses) == [])
        #expect((0...8).filter(Suppression(minCount: 1).suppresses) == [])
        #expect(Suppression(minCount: -2).minCount == 0)
    }
}

// MARK: - Counts

@Suite("Reports: counts on a fixture")
struct ReportCountTests {
    let harness: ImportHarness
    let geography: Geography
    init() throws { (harness, geography) = try ReportFixture.load() }

    private func report(_ dimensions: [CaseStore.Dimension], _ filters: ReportFilters = ReportFilters(),
                        minCount: Int = 3) throws -> Report {
        try makeReport(dimensions, filters, minCount: minCount, harness: harness, geography: geography)
    }

    /// (code, label, count, percent) of a one-dimension report.
    private func single(_ dimension: CaseStore.Dimension, minCount: Int = 0) throws -> [[String]] {
        try report([dimension], minCount: minCount).rows.map {
            [$0.cells[0].code, $0.cells[0].label, String($0.count), $0.percent.description]
        }
    }

    @Test func eachDimensionAloneCountedByHand() throws {
        #expect(try single(.type) == [
            ["sex", "Sex", "8", "50.0"], ["labor", "Labor", "4", "25.0"],
            ["not_specified", "Not Specified", "2", "12.5"], ["sex_and_labor", "Sex and Labor", "2", "12.5"],
        ])
        #expect(try single(.venue) == [
            ["hotel_motel", "Hotel/Motel-Based", "6", "37.5"],
            ["agriculture", "Agriculture/Farms/Animal Husbandry", "3", "18.8"],
            ["illicit_massage", "Illicit Massage/Spa Business", "3", "18.8"],
            ["online_ad", "Online Ad Venue Unknown", "3", "18.8"],
            ["construction", "Construction", "2", "12.5"],
            ["domestic_work", "Domestic Work", "1", "6.3"],
            ["restaurants_food_service", "Restaurants/Food Service", "1", "6.3"],
        ])
        #expect(try single(.state) == [["CA", "California", "10", "62.5"], ["TX", "Texas", "6", "37.5"]])
        #expect(try single(.county) == [
            ["06037", "Los Angeles County", "6", "37.5"], ["48201", "Harris County", "4", "25.0"],
            ["unknown", "Unknown", "4", "25.0"], ["06073", "San Diego County", "2", "12.5"],
        ])
        #expect(try single(.year) == [["2021", "2021", "10", "62.5"], ["2020", "2020", "6", "37.5"]])
        #expect(try single(.gender) == [
            ["female", "Female", "11", "57.9"], ["male", "Male", "5", "26.3"], ["unknown", "Unknown", "2", "10.5"],
            ["gender_minority", "Gender Minority", "1", "5.3"],
        ])
        #expect(try single(.ageGroup) == [
            ["adult", "Adult", "12", "63.2"], ["minor", "Minor", "5", "26.3"], ["unknown", "Unknown", "2", "10.5"],
        ])
        #expect(try single(.citizenship) == [
            ["foreign_national", "Foreign National", "8", "42.1"], ["us_citizen_lpr", "U.S. Citizen/LPR", "7", "36.8"],
            ["unknown", "Unknown", "4", "21.1"],
        ])
    }

    @Test func unitAndTotalFollowTheDimensions() throws {
        for dimension in CaseStore.Dimension.allCases {
            let made = try report([dimension])
            #expect(made.unit == (dimension.isVictimDimension ? .victims : .cases), "\(dimension)")
            #expect(made.total == (dimension.isVictimDimension ? 19 : 16), "\(dimension)")
            #expect(made.dimensions == [dimension])
        }
        #expect(try report([.type, .gender]).unit == .victims)
        #expect(try report([.citizenship, .venue]).unit == .victims)
        #expect(try report([.venue, .county]).unit == .cases)
    }

    @Test func singleDimensionsMatchTheIndependentCount() throws {
        for dimension in CaseStore.Dimension.allCases {
            for minCount in [0, 3] {
                let expected = ReportFixture.expected(by: [dimension], minCount: minCount)
                let made = try report([dimension], minCount: minCount)
                #expect(made.total == expected.total, "\(dimension)")
                #expect(made.lines == expected.rows, "\(dimension) min \(minCount)")
            }
        }
    }

    @Test(arguments: CaseStore.Dimension.allCases)
    func everyPairMatchesTheIndependentCount(first: CaseStore.Dimension) throws {
        for second in CaseStore.Dimension.allCases where second != first {
            for minCount in [0, 3] {
                let expected = ReportFixture.expected(by: [first, second], minCount: minCount)
                let made = try report([first, second], minCount: minCount)
                let victims = first.isVictimDimension || second.isVictimDimension
                #expect(made.unit == (victims ? .victims : .cases), "\(first),\(second)")
                #expect(made.total == expected.total, "\(first),\(second)")
                #expect(made.lines == expected.rows, "\(first),\(second) min \(minCount)")
                #expect(made.rows.allSatisfy { $0.count >= 1 && $0.cells.count == 2 })
            }
        }
    }

    @Test func aPairReadsAsCountedByHand() throws {
        #expect(try report([.state, .type], minCount: 0).lines == [
            Line(["CA", "sex"], 6, "37.5"), Line(["CA", "labor"], 2, "12.5"), Line(["TX", "labor"], 2, "12.5"),
            Line(["TX", "sex"], 2, "12.5"), Line(["CA", "not_specified"], 1, "6.3"),
            Line(["CA", "sex_and_labor"], 1, "6.3"), Line(["TX", "not_specified"], 1, "6.3"),
            Line(["TX", "sex_and_labor"], 1, "6.3"),
        ])
        // Victims by venue: a victim counts under each venue of its case; the base is Texas's 8 victims.
        #expect(try report([.venue, .gender], ReportFilters(state: "TX"), minCount: 0).lines == [
            Line(["illicit_massage", "female"], 4, "50.0"), Line(["hotel_motel", "female"], 3, "37.5"),
            Line(["agriculture", "female"], 1, "12.5"), Line(["agriculture", "male"], 1, "12.5"),
            Line(["construction", "male"], 1, "12.5"), Line(["restaurants_food_service", "female"], 1, "12.5"),
        ])
    }

    @Test func venueIsMultiValuedWithCasesAsTheBase() throws {
        let made = try report([.venue], minCount: 0)
        #expect(made.total == 16)
        #expect(made.rows.map(\.count).reduce(0, +) == 19)
        // Scoped to one venue: the other venues of those cases still show, percents of the 6 cases.
        let hotel = try report([.venue], ReportFilters(venue: Venue.named(code: "hotel_motel")), minCount: 0)
        #expect(hotel.total == 6)
        #expect(hotel.lines == [
            Line(["hotel_motel"], 6, "100.0"), Line(["domestic_work"], 1, "16.7"), Line(["illicit_massage"], 1, "16.7"),
            Line(["online_ad"], 1, "16.7"),
        ])
    }

    /// Each filter as given on the command line, the cases it keeps, and the cases and victims in its scope.
    static let filterCases: [(year: String?, state: String?, county: String?, type: String?, venue: String?,
                              keep: @Sendable (ReportFixture.Case) -> Bool, cases: Int, victims: Int)] = [
        ("2021", nil, nil, nil, nil, { $0.year == 2021 }, 10, 13),
        ("2020", nil, nil, nil, nil, { $0.year == 2020 }, 6, 6),
        ("2020..2021", nil, nil, nil, nil, { _ in true }, 16, 19),
        ("2015..2020", nil, nil, nil, nil, { $0.year == 2020 }, 6, 6),
        ("2019", nil, nil, nil, nil, { _ in false }, 0, 0),
        (nil, "CA", nil, nil, nil, { $0.state == "CA" }, 10, 11),
        (nil, "Texas", nil, nil, nil, { $0.state == "TX" }, 6, 8),
        (nil, "CA", "Los Angeles", nil, nil, { $0.county == "06037" }, 6, 7),
        (nil, "California", "san diego county", nil, nil, { $0.county == "06073" }, 2, 2),
        (nil, nil, "06037", nil, nil, { $0.county == "06037" }, 6, 7),
        (nil, "TX", "48201", nil, nil, { $0.county == "48201" }, 4, 5),
        (nil, nil, nil, "labor", nil, { $0.type == .labor }, 4, 6),
        (nil, nil, nil, "Sex & Labor", nil, { $0.type == .sexAndLabor }, 2, 2),
        (nil, nil, nil, nil, "hotel_motel", { $0.venues.contains("hotel_motel") }, 6, 8),
        (nil, nil, nil, nil, "Agriculture", { $0.venues.contains("agriculture") }, 3, 5),
        ("2021", "TX", nil, "sex", nil, { $0.year == 2021 && $0.state == "TX" && $0.type == .sex }, 1, 3),
    ]

    @Test func everyFilterGivesItsScope() throws {
        for (index, item) in Self.filterCases.enumerated() {
            let filters = try ReportFilters.parse(year: item.year, state: item.state, county: item.county,
                                                  type: item.type, venue: item.venue, geography: geography)
            for dimensions in [[CaseStore.Dimension.type], [.year, .venue], [.county, .gender], [.citizenship]] {
                let expected = ReportFixture.expected(by: dimensions, where: item.keep, minCount: 3)
                let made = try report(dimensions, filters)
                let scope = made.unit == .cases ? item.cases : item.victims
                #expect(made.total == scope, "filter \(index) \(dimensions)")
                #expect(made.total == expected.total, "filter \(index) \(dimensions)")
                #expect(made.lines == expected.rows, "filter \(index) \(dimensions)")
                #expect(made.filters == filters)
            }
        }
    }

    @Test func percentsOfSmallScopes() throws {
        let county = try ReportFilters.parse(year: nil, state: nil, county: "06037", type: nil, venue: nil,
                                             geography: geography)
        #expect(try report([.type], county, minCount: 0).lines == [
            Line(["sex"], 4, "66.7"), Line(["labor"], 1, "16.7"), Line(["sex_and_labor"], 1, "16.7"),
        ])
        #expect(try report([.type], ReportFilters(venue: Venue.named(code: "illicit_massage")), minCount: 0).lines == [
            Line(["sex"], 2, "66.7"), Line(["sex_and_labor"], 1, "33.3"),
        ])
        #expect(try report([.gender], ReportFilters(state: "TX"), minCount: 0).lines == [
            Line(["female"], 5, "62.5"), Line(["male"], 2, "25.0"), Line(["unknown"], 1, "12.5"),
        ])
    }

    @Test func tiesOrderByCodeAndYearsNumerically() throws {
        // Texas: 3 cases in each year.
        #expect(try report([.year], ReportFilters(state: "TX")).lines == [
            Line(["2020"], 3, "50.0"), Line(["2021"], 3, "50.0"),
        ])
        // The second dimension breaks a tie of the first.
        #expect(try report([.year, .state]).lines == [
            Line(["2021", "CA"], 7, "43.8"), Line(["2020", "CA"], 3, "18.8"), Line(["2020", "TX"], 3, "18.8"),
            Line(["2021", "TX"], 3, "18.8"),
        ])
    }

    @Test func suppressedRowsSortAfterShownOnesByCode() throws {
        // True counts: 48201 and unknown 4, 06073 2; below 5 all three hide, in code order.
        #expect(try report([.county], minCount: 5).lines == [
            Line(["06037"], 6, "37.5"), Line(["06073"], 2, "12.5", suppressed: true),
            Line(["48201"], 4, "25.0", suppressed: true), Line(["unknown"], 4, "25.0", suppressed: true),
        ])
        // gender_minority (1) before unknown (2): the order does not tell which is larger.
        #expect(try report([.gender]).lines == [
            Line(["female"], 11, "57.9"), Line(["male"], 5, "26.3"),
            Line(["gender_minority"], 1, "5.3", suppressed: true), Line(["unknown"], 2, "10.5", suppressed: true),
        ])
    }

    @Test func anEmptyScopeHasNoRows() throws {
        let made = try report([.type, .gender], ReportFilters(years: 2019...2019))
        #expect(made.total == 0)
        #expect(made.rows.isEmpty)
        #expect(made.unit == .victims)
    }
}

// MARK: - Output formats

@Suite("Reports: formats and suppression")
struct ReportFormatTests {
    let harness: ImportHarness
    let geography: Geography
    init() throws { (harness, geography) = try ReportFixture.load() }

    private func report(_ dimensions: [CaseStore.Dimension], _ filters: ReportFilters = ReportFilters(),
                        minCount: Int = 3) throws -> Report {
        try makeReport(dimensions, filters, minCount: minCount, harness: harness, geography: geography)
    }

    /// The cells of a table line: columns are separated by two spaces or more.
    static func columns(_ line: Substring) -> [String] {
        line.split(separator: "  ", omittingEmptySubsequences: true)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// The data lines of a table (after the header and its rule, before the total's rule).
    static func tableRows(_ text: String) -> [[String]] {
        let lines = text.split(separator: "\n")
        let body = lines.dropFirst(2).prefix { !$0.allSatisfy { $0 == "-" || $0 == " " } }
        return body.map(columns)
    }

    static func totalRow(_ text: String) -> [String] {
        let lines = text.split(separator: "\n")
        guard let rule = lines.dropFirst(2).firstIndex(where: { $0.allSatisfy { $0 == "-" || $0 == " " } }) else {
            return []
        }
        return columns(lines[rule + 1])
    }

    @Test func tableShowsLabelsPlaceholdersAndAnUnsuppressedTotal() throws {
        let text = try report([.venue]).render(.table)
        #expect(Self.columns(text.split(separator: "\n")[0]) == ["venue", "cases", "percent"])
        #expect(Self.tableRows(text) == [
            ["Hotel/Motel-Based", "6", "37.5"], ["Agriculture/Farms/Animal Husbandry", "3", "18.8"],
            ["Illicit Massage/Spa Business", "3", "18.8"], ["Online Ad Venue Unknown", "3", "18.8"],
            ["Construction", "<3"], ["Domestic Work", "<3"], ["Restaurants/Food Service", "<3"],
        ])
        #expect(Self.totalRow(text) == ["Total", "16", "100.0"])

        let open = try report([.venue], minCount: 0).render(.table)
        #expect(Self.tableRows(open).suffix(3) == [
            ["Construction", "2", "12.5"], ["Domestic Work", "1", "6.3"], ["Restaurants/Food Service", "1", "6.3"],
        ])
        #expect(!open.contains("<"))

        let five = try report([.county], minCount: 5).render(.table)
        #expect(Self.tableRows(five) == [
            ["Los Angeles County", "6", "37.5"], ["San Diego County", "<5"], ["Harris County", "<5"], ["Unknown", "<5"],
        ])
        // A total below the threshold still shows.
        let small = try report([.type], ReportFilters(years: 2021...2021, state: "TX", type: .sex)).render(.table)
        #expect(Self.tableRows(small) == [["Sex", "<3"]])
        #expect(Self.totalRow(small) == ["Total", "1", "100.0"])
    }

    @Test func tableOfTwoDimensions() throws {
        let text = try report([.state, .gender]).render(.table)
        #expect(Self.columns(text.split(separator: "\n")[0]) == ["state", "gender", "victims", "percent"])
        #expect(Self.tableRows(text) == [
            ["California", "Female", "6", "31.6"], ["Texas", "Female", "5", "26.3"],
            ["California", "Male", "3", "15.8"],
            ["California", "Gender Minority", "<3"], ["California", "Unknown", "<3"], ["Texas", "Male", "<3"],
            ["Texas", "Unknown", "<3"],
        ])
        #expect(Self.totalRow(text) == ["Total", "19", "100.0"])
    }

    @Test func csvHasCodesLabelsAndPlaceholders() throws {
        #expect(try report([.venue]).render(.csv) == [
            "venue,venue_label,count,percent",
            "hotel_motel,Hotel/Motel-Based,6,37.5",
            "agriculture,Agriculture/Farms/Animal Husbandry,3,18.8",
            "illicit_massage,Illicit Massage/Spa Business,3,18.8",
            "online_ad,Online Ad Venue Unknown,3,18.8",
            "construction,Construction,<3,",
            "domestic_work,Domestic Work,<3,",
            "restaurants_food_service,Restaurants/Food Service,<3,",
        ].joined(separator: "\r\n") + "\r\n")
        #expect(try report([.county, .year], minCount: 0).render(.csv) == [
            "county,county_label,year,year_label,count,percent",
            "06037,Los Angeles County,2021,2021,5,31.3",
            "48201,Harris County,2020,2020,2,12.5",
            "48201,Harris County,2021,2021,2,12.5",
            "unknown,Unknown,2020,2020,2,12.5",
            "unknown,Unknown,2021,2021,2,12.5",
            "06037,Los Angeles County,2020,2020,1,6.3",
            "06073,San Diego County,2020,2020,1,6.3",
            "06073,San Diego County,2021,2021,1,6.3",
        ].joined(separator: "\r\n") + "\r\n")
        #expect(try report([.county], minCount: 5).render(.csv) == [
            "county,county_label,count,percent", "06037,Los Angeles County,6,37.5", "06073,San Diego County,<5,",
            "48201,Harris County,<5,", "unknown,Unknown,<5,",
        ].joined(separator: "\r\n") + "\r\n")
    }

    @Test func markdownHasPlaceholdersAndABoldTotal() throws {
        #expect(try report([.type]).render(.markdown) == [
            "| type | cases | percent |",
            "|---|---:|---:|",
            "| Sex | 8 | 50.0 |",
            "| Labor | 4 | 25.0 |",
            "| Not Specified | <3 |  |",
            "| Sex and Labor | <3 |  |",
            "| **Total** | **16** | 100.0 |",
        ].joined(separator: "\n") + "\n")
        #expect(try report([.type], minCount: 0).render(.markdown).contains("| Not Specified | 2 | 12.5 |\n"))
        let five = try report([.type], minCount: 5).render(.markdown)
        #expect(five.contains("| Labor | <5 |  |\n"))
        #expect(five.contains("| Sex | 8 | 50.0 |\n"))
        let pair = try report([.ageGroup, .citizenship]).render(.markdown)
        #expect(pair.hasPrefix("| age_group | citizenship | victims | percent |\n|---|---|---:|---:|\n"))
        #expect(pair.hasSuffix("| **Total** |  | **19** | 100.0 |\n"))
    }

    private func json(_ report: Report) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(report.render(.json).utf8))
        return try #require(object as? [String: Any])
    }

    private func rows(_ object: [String: Any]) throws -> [[String: Any]] {
        try #require(object["rows"] as? [[String: Any]])
    }

    @Test func jsonShape() throws {
        let object = try json(try report([.venue]))
        #expect(Set(object.keys) == ["by", "unit", "filters", "total", "min_count", "rows"])
        #expect(object["by"] as? [String] == ["venue"])
        #expect(object["unit"] as? String == "cases")
        #expect((object["filters"] as? [String: Any])?.isEmpty == true)
        #expect(object["total"] as? Int == 16)
        #expect(object["min_count"] as? Int == 3)
        let rows = try self.rows(object)
        #expect(rows.count == 7)
        for row in rows {
            #expect(Set(row.keys) == ["venue", "venue_label", "count", "percent", "suppressed"])
        }
        #expect(rows.map { $0["venue"] as? String } == [
            "hotel_motel", "agriculture", "illicit_massage", "online_ad", "construction", "domestic_work",
            "restaurants_food_service",
        ])
        #expect(rows[0]["venue_label"] as? String == "Hotel/Motel-Based")
        #expect(rows[0]["count"] as? Int == 6)
        #expect(rows[0]["percent"] as? Double == 37.5)
        #expect(rows[0]["suppressed"] as? Bool == false)
        #expect(rows.prefix(4).map { $0["count"] as? Int } == [6, 3, 3, 3])
        for row in rows.suffix(3) {
            #expect(row["count"] is NSNull)
            #expect(row["percent"] is NSNull)
            #expect(row["suppressed"] as? Bool == true)
        }
    }

    @Test func jsonYearIsANumberAndVictimsAreTheUnit() throws {
        let object = try json(try report([.year, .gender], minCount: 0))
        #expect(object["by"] as? [String] == ["year", "gender"])
        #expect(object["unit"] as? String == "victims")
        #expect(object["total"] as? Int == 19)
        #expect(object["min_count"] as? Int == 0)
        let rows = try self.rows(object)
        let first = try #require(rows.first)
        #expect(Set(first.keys) == ["year", "year_label", "gender", "gender_label", "count", "percent", "suppressed"])
        #expect(first["year"] as? Int == 2021)
        #expect(first["year"] as? String == nil)
        #expect(first["year_label"] as? String == "2021")
        #expect(first["gender"] as? String == "female")
        #expect(first["count"] as? Int == 8)
        #expect(first["percent"] as? Double == 42.1)
        #expect(rows.allSatisfy { $0["suppressed"] as? Bool == false && $0["count"] is Int })
        #expect(rows.map { $0["count"] as? Int ?? 0 }.reduce(0, +) == 19)
    }

    @Test func jsonFiltersAndTheirForms() throws {
        let filters = ReportFilters(years: 2020...2021, state: "CA", countyFIPS: "06037", type: .sex,
                                    venue: Venue.named(code: "hotel_motel"))
        let object = try json(try report([.county], filters, minCount: 5))
        let members = try #require(object["filters"] as? [String: Any])
        #expect(Set(members.keys) == ["year", "state", "county", "type", "venue"])
        let years = try #require(members["year"] as? [String: Any])
        #expect(years["from"] as? Int == 2020)
        #expect(years["to"] as? Int == 2021)
        #expect(members["state"] as? String == "CA")
        #expect(members["county"] as? String == "06037")
        #expect(members["type"] as? String == "sex")
        #expect(members["venue"] as? String == "hotel_motel")
        #expect(object["min_count"] as? Int == 5)
        #expect(object["total"] as? Int == 3)
        let rows = try self.rows(object)
        #expect(rows.count == 1)
        #expect(rows.first?["county"] as? String == "06037")
        #expect(rows.first?["count"] is NSNull)
        #expect(rows.first?["suppressed"] as? Bool == true)

        let single = try json(try report([.type], ReportFilters(years: 2021...2021)))
        let one = try #require(single["filters"] as? [String: Any])
        #expect(one["year"] as? Int == 2021)
        #expect(single["total"] as? Int == 10)

        let unknown = try self.rows(try json(try report([.county], ReportFilters(state: "TX"), minCount: 0)))
        #expect(unknown.map { $0["county"] as? String } == ["48201", "unknown"])
        #expect(unknown.map { $0["county_label"] as? String } == ["Harris County", "Unknown"])
    }
}

// MARK: - Fact sheet

@Suite("Reports: fact sheet")
struct FactSheetTests {
    private func counts(_ report: Report) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: report.rows.map { ($0.cells[0].code, $0.count) })
    }

    @Test func losAngeles2021OnTheCaliforniaSample() throws {
        let harness = try ImportHarness()
        let path = try harness.write(CaliforniaSample.fileName, bytes: CaliforniaSample.csv())
        let summary = try harness.importFile(path)
        try #require(summary.outcome == .imported)
        let geography = try Geography(try harness.connection)
        let filters = try ReportFilters.parse(year: "2021", state: "CA", county: "Los Angeles", type: nil, venue: nil,
                                              geography: geography)
        #expect(filters == ReportFilters(years: 2021...2021, state: "CA", countyFIPS: "06037"))
        let sheet = try FactSheet.make(filters: filters, suppression: .hotline, in: try harness.connection,
                                       geography: geography)
        #expect(sheet.cases == 433)
        #expect(sheet.victims == 500)
        let share = try #require(sheet.countyShare)
        #expect(share.countyFIPS == "06037")
        #expect(share.countyCases == 433)
        #expect(share.stateCases == 1_334)
        #expect(share.percent.description == "32.5")
        #expect(share.suppressed == false)
        #expect(sheet.byType.lines.map(\.codes) == [["sex"], ["sex_and_labor"], ["labor"]])
        #expect(sheet.byType.rows.map(\.count) == [342, 52, 39])
        #expect(counts(sheet.byGender) == ["female": 435, "male": 55, "gender_minority": 10])
        #expect(counts(sheet.byCitizenship) == ["us_citizen_lpr": 245, "foreign_national": 180, "unknown": 75])
        #expect(counts(sheet.byAgeGroup) == ["minor": 120, "adult": 380])
        #expect([sheet.byGender, sheet.byCitizenship, sheet.byAgeGroup].map(\.total) == [500, 500, 500])
        #expect(sheet.sexVenues.rows.prefix(4).map { $0.cells[0].code }
                == ["illicit_massage", "hotel_motel", "pornography", "residential"])
        #expect(sheet.sexVenues.total == 342 + 52)
        #expect(sheet.sexVenues.rows.count <= FactSheet.topCount)
        #expect(sheet.sexVenues.rows.allSatisfy { Venue.named(code: $0.cells[0].code)?.kind == .sex })
        #expect(sheet.laborIndustries.rows.prefix(3).map { $0.cells[0].code }
                == ["construction", "agriculture", "domestic_work"])
        #expect(sheet.laborIndustries.total == 39 + 52)
        #expect(sheet.laborIndustries.rows.allSatisfy { Venue.named(code: $0.cells[0].code)?.kind == .labor })

        #expect(sheet.render(.table).contains("433 of 1,334"))
        #expect(sheet.render(.markdown).contains("433 of 1,334"))

        let object = try #require(try JSONSerialization.jsonObject(with: Data(sheet.render(.json).utf8))
            as? [String: Any])
        #expect(object["cases"] as? Int == 433)
        #expect(object["victims"] as? Int == 500)
        #expect(object["min_count"] as? Int == 3)
        let jsonShare = try #require(object["county_share"] as? [String: Any])
        #expect(jsonShare["county"] as? String == "06037")
        #expect(jsonShare["county_cases"] as? Int == 433)
        #expect(jsonShare["state_cases"] as? Int == 1_334)
        #expect(jsonShare["percent"] as? Double == 32.5)
        #expect(jsonShare["suppressed"] as? Bool == false)
        func jsonCounts(_ key: String) throws -> [String: Int] {
            let report = try #require(object[key] as? [String: Any])
            let rows = try #require(report["rows"] as? [[String: Any]])
            let dimension = try #require((report["by"] as? [String])?.first)
            return Dictionary(uniqueKeysWithValues: rows.compactMap { row in
                (row[dimension] as? String).map { ($0, row["count"] as? Int ?? -1) }
            })
        }
        #expect(try jsonCounts("by_type") == ["sex": 342, "labor": 39, "sex_and_labor": 52])
        #expect(try jsonCounts("victims_by_gender") == ["female": 435, "male": 55, "gender_minority": 10])
        #expect(try jsonCounts("victims_by_citizenship")
                == ["us_citizen_lpr": 245, "foreign_national": 180, "unknown": 75])
        #expect(try jsonCounts("victims_by_age_group") == ["minor": 120, "adult": 380])
        let sex = try #require((object["sex_venues"] as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(sex.prefix(4).map { $0["venue"] as? String }
                == ["illicit_massage", "hotel_motel", "pornography", "residential"])
        let labor = try #require((object["labor_industries"] as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(labor.prefix(3).map { $0["venue"] as? String } == ["construction", "agriculture", "domestic_work"])
    }

    @Test func aCountyOfTheFixture() throws {
        let (harness, geography) = try ReportFixture.load()
        let filters = ReportFilters(state: "CA", countyFIPS: "06037")
        let sheet = try FactSheet.make(filters: filters, suppression: Suppression(minCount: 0),
                                       in: try harness.connection, geography: geography)
        #expect(sheet.cases == 6)
        #expect(sheet.victims == 7)
        #expect(sheet.countyShare?.countyCases == 6)
        #expect(sheet.countyShare?.stateCases == 10)
        #expect(sheet.countyShare?.percent.description == "60.0")
        #expect(sheet.byType.lines == [
            Line(["sex"], 4, "66.7"), Line(["labor"], 1, "16.7"), Line(["sex_and_labor"], 1, "16.7"),
        ])
        // Sex venues of the 4 sex and 1 sex-and-labor cases; the hotel/motel of A05 counts, its domestic work not.
        #expect(sheet.sexVenues.total == 5)
        #expect(sheet.sexVenues.lines == [
            Line(["hotel_motel"], 4, "80.0"), Line(["illicit_massage"], 1, "20.0"), Line(["online_ad"], 1, "20.0"),
        ])
        #expect(sheet.laborIndustries.total == 2)
        #expect(sheet.laborIndustries.lines == [
            Line(["agriculture"], 1, "50.0"), Line(["construction"], 1, "50.0"), Line(["domestic_work"], 1, "50.0"),
        ])
        #expect(sheet.byGender.lines == [Line(["female"], 5, "71.4"), Line(["male"], 2, "28.6")])

        // With the hotline's threshold the county's own count of 2 would hide, its state's total not.
        let small = try FactSheet.make(filters: ReportFilters(state: "CA", countyFIPS: "06073"), suppression: .hotline,
                                       in: try harness.connection, geography: geography)
        #expect(small.countyShare?.suppressed == true)
        #expect(small.countyShare?.stateCases == 10)
        #expect(small.render(.table).contains("<3 of 10"))
        let object = try #require(try JSONSerialization.jsonObject(with: Data(small.render(.json).utf8))
            as? [String: Any])
        let share = try #require(object["county_share"] as? [String: Any])
        #expect(share["county_cases"] is NSNull)
        #expect(share["percent"] is NSNull)
        #expect(share["state_cases"] as? Int == 10)
        #expect(object["cases"] as? Int == 2)

        // A labor-only scope has no sex venues.
        let labor = try FactSheet.make(filters: ReportFilters(type: .labor), suppression: .hotline,
                                       in: try harness.connection, geography: geography)
        #expect(labor.sexVenues.total == 0)
        #expect(labor.sexVenues.rows.isEmpty)
        #expect(labor.countyShare == nil)
        #expect(labor.laborIndustries.total == 4)
    }
}
