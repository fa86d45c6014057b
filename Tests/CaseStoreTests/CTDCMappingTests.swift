import CSV
import Foundation
import Testing

@testable import CaseStore

/// The CTDC mapping of issue 9 ("The files as published", "Mapping"), rule by rule through `CTDCMapping`, and the
/// synthetic fixtures in Samples/ctdc read with the CSV reader. The expected codes are transcribed from the issue,
/// not from the sources. Failure messages name codes, columns and counts, never a row.
@Suite("CTDC mapping")
struct CTDCMappingTests {
    // MARK: Helpers

    /// The countries the tests and fixtures use (the real table comes from the ISO 3166-1 migration): alpha-2, alpha-3.
    static let countryTable: [(String, String)] = [
        ("AE", "ARE"), ("BD", "BGD"), ("DE", "DEU"), ("ET", "ETH"), ("GB", "GBR"), ("GH", "GHA"), ("GT", "GTM"),
        ("HN", "HND"), ("ID", "IDN"), ("IN", "IND"), ("IT", "ITA"), ("KH", "KHM"), ("KZ", "KAZ"), ("LB", "LBN"),
        ("MD", "MDA"), ("MX", "MEX"), ("MY", "MYS"), ("NG", "NGA"), ("NP", "NPL"), ("PH", "PHL"), ("PL", "POL"),
        ("RO", "ROU"), ("RU", "RUS"), ("SA", "SAU"), ("TH", "THA"), ("UA", "UKR"), ("UG", "UGA"), ("US", "USA"),
        ("UZ", "UZB"), ("VN", "VNM"),
    ]
    static let countries = CTDCCountries(
        alpha2: Set(countryTable.map(\.0)),
        alpha3ToAlpha2: Dictionary(uniqueKeysWithValues: countryTable.map { ($0.1, $0.0) }))

    /// Every column the mapping reads, in CTDC's names (the required ones and the optional flags).
    static let requiredColumns = [
        "yearOfRegistration", "gender", "ageBroad", "majorityStatus", "citizenship", "CountryOfExploitation",
        "isForcedLabour", "isSexualExploit", "isOtherExploit", "isSexAndLabour", "isForcedMarriage",
        "isForcedMilitary", "isOrganRemoval",
    ]
    static let labourFlags = [
        "Agriculture", "Aquafarming", "Begging", "Construction", "DomesticWork", "Hospitality", "IllicitActivities",
        "Manufacturing", "MiningOrDrilling", "Peddling", "Transportation", "Other", "NotSpecified",
    ].map { "typeOfLabour" + $0 }
    static let sexFlags = ["Prostitution", "Pornography", "RemoteInteractiveServices", "PrivateSexualServices"]
        .map { "typeOfSex" + $0 }
    /// A header with every column the mapping reads and two it ignores.
    static let fullHeader = ["Datasource"] + requiredColumns + ["isSlaveryAndPractices"] + labourFlags + sexFlags
        + ["RecruiterRelationship"]

    /// A plain valid row: an adult woman from the Philippines exploited there, registered in 2019, nothing flagged.
    static let baseValues: [String: String] = [
        "yearOfRegistration": "2019", "gender": "Female", "ageBroad": "18--20", "majorityStatus": "Adult",
        "citizenship": "PH", "CountryOfExploitation": "PH",
    ]

    static func mapping(_ header: [String] = fullHeader) throws -> CTDCMapping {
        CTDCMapping(header: try CTDCHeader(fields: header), countries: countries)
    }

    /// Maps one row given as column → value (on top of `baseValues`; other fields empty).
    static func map(_ values: [String: String], header: [String] = fullHeader, line: Int = 2)
        throws -> Result<CTDCVictim, CTDCRowIssues>
    {
        let merged = baseValues.merging(values) { $1 }
        let fields = header.map { merged[$0] ?? "" }
        return try mapping(header).map(fields: fields, line: line)
    }

    /// The victim a row maps to; records an issue (with the row's problems' columns) when it does not map.
    static func victim(_ values: [String: String], header: [String] = fullHeader) throws -> CTDCVictim? {
        switch try map(values, header: header) {
        case .success(let victim): return victim
        case .failure(let rejected):
            Issue.record("unexpected issues in columns \(rejected.issues.map(\.column))")
            return nil
        }
    }

    /// The issues of a row that must not map.
    static func issues(_ values: [String: String], header: [String] = fullHeader) throws -> [RowIssue] {
        switch try map(values, header: header) {
        case .success: return []
        case .failure(let rejected): return rejected.issues
        }
    }

    /// Sets the named flags to "1".
    static func flags(_ names: [String]) -> [String: String] {
        Dictionary(uniqueKeysWithValues: names.map { ($0, "1") })
    }

    // MARK: Trafficking type

    @Test(arguments: [
        (["isSexualExploit"], "sex"),
        (["isForcedLabour"], "labor"),
        (["isSexualExploit", "isForcedLabour"], "sex_and_labor"),
        (["isSexAndLabour"], "sex_and_labor"),
        (["isSexAndLabour", "isSexualExploit"], "sex_and_labor"),
        (["isSexAndLabour", "isForcedLabour"], "sex_and_labor"),
        (["isOtherExploit"], "other_exploitation"),
        (["isForcedMarriage"], "other_exploitation"),
        (["isForcedMilitary"], "other_exploitation"),
        (["isOrganRemoval"], "other_exploitation"),
        (["isSlaveryAndPractices"], "other_exploitation"),
        (["isForcedMarriage", "isOrganRemoval"], "other_exploitation"),
        (["isSexualExploit", "isForcedMarriage"], "sex"),
        (["isForcedLabour", "isOtherExploit"], "labor"),
        (["isSexualExploit", "isForcedLabour", "isSlaveryAndPractices"], "sex_and_labor"),
        ([], "not_specified"),
        (["isAbduction"], "not_specified"),
        (["typeOfSexProstitution"], "not_specified"),
    ])
    func typeFollowsTheExploitationFlags(set: [String], type: String) throws {
        #expect(try Self.victim(Self.flags(set))?.traffickingType == type, "\(set)")
    }

    @Test func flagsThatAreMissingOrZeroAreNotSet() throws {
        for text in ["0", "-99", "", "  ", " 0 "] {
            let all = Dictionary(uniqueKeysWithValues: (Self.requiredColumns.filter { $0.hasPrefix("is") }
                + ["isSlaveryAndPractices"] + Self.labourFlags + Self.sexFlags).map { ($0, text) })
            let victim = try Self.victim(all)
            #expect(victim?.traffickingType == "not_specified", "\(text)")
            #expect(victim?.venues == [], "\(text)")
        }
        #expect(try Self.victim(["isSexualExploit": " 1 "])?.traffickingType == "sex")
    }

    @Test(arguments: ["2", "yes", "Y", "true", "1.0", "01", "-1", "x"])
    func aFlagThatIsNot01OrMissingIsAnErrorNamingTheColumn(text: String) throws {
        let issues = try Self.issues(["isForcedMarriage": text])
        #expect(issues.map(\.column) == ["isForcedMarriage"])
        #expect(issues.first?.message.contains("\"\(text)\"") == true)
        #expect(try Self.issues(["typeOfLabourNotSpecified": text]).map(\.column) == ["typeOfLabourNotSpecified"])
    }

    // MARK: Venues

    /// Issue 9's venue table, transcribed: typeOf flag → venue code (nil: NotSpecified, none).
    static let venueTable: [(String, String?)] = [
        ("typeOfLabourAgriculture", "agriculture"), ("typeOfLabourAquafarming", "aquafarming"),
        ("typeOfLabourBegging", "peddling_begging"), ("typeOfLabourConstruction", "construction"),
        ("typeOfLabourDomesticWork", "domestic_work"), ("typeOfLabourHospitality", "hospitality"),
        ("typeOfLabourIllicitActivities", "illicit_activities"),
        ("typeOfLabourManufacturing", "factories_manufacturing"), ("typeOfLabourMiningOrDrilling", "mining_drilling"),
        ("typeOfLabourPeddling", "peddling_begging"), ("typeOfLabourTransportation", "transportation"),
        ("typeOfLabourOther", "other_industry"), ("typeOfLabourNotSpecified", nil),
        ("typeOfSexProstitution", "prostitution"), ("typeOfSexPornography", "pornography"),
        ("typeOfSexRemoteInteractiveServices", "remote_interactive"),
        ("typeOfSexPrivateSexualServices", "personal_sexual_servitude"), ("typeOfSexNotSpecified", nil),
    ]

    @Test(arguments: venueTable)
    func eachTypeOfFlagAddsItsVenue(column: String, venue: String?) throws {
        let header = Self.fullHeader + (Self.fullHeader.contains(column) ? [] : [column])
        let victim = try Self.victim([column: "1", "isForcedLabour": "1"], header: header)
        #expect(victim?.venues == (venue.map { [$0] } ?? []), "\(column)")
    }

    @Test func venuesComeInTheFixedOrderEachOnce() throws {
        let everything = Dictionary(uniqueKeysWithValues: (Self.labourFlags + Self.sexFlags).map { ($0, "1") })
        let expected = ["agriculture", "aquafarming", "peddling_begging", "construction", "domestic_work",
                        "hospitality", "illicit_activities", "factories_manufacturing", "mining_drilling",
                        "transportation", "other_industry", "prostitution", "pornography", "remote_interactive",
                        "personal_sexual_servitude"]
        #expect(try Self.victim(everything)?.venues == expected)
        let both = try Self.victim(["typeOfLabourPeddling": "1", "typeOfLabourBegging": "1"])
        #expect(both?.venues == ["peddling_begging"])
        // The order is the columns', not the file's.
        let reversed = Array(Self.fullHeader.reversed())
        #expect(try Self.victim(["typeOfSexPornography": "1", "typeOfLabourAgriculture": "1"], header: reversed)?
            .venues == ["agriculture", "pornography"])
    }

    /// Every code the mapping can give is in htdb's vocabulary or in `CTDCVocabulary` (for the migration to add),
    /// and a labour flag's venue is a labor venue, a sex flag's a sex venue.
    @Test func everyCodeTheMappingGivesIsKnown() {
        let added = Dictionary(uniqueKeysWithValues: CTDCVocabulary.venues.map { ($0.code, $0.kind) })
        for column in CTDCColumn.venueFlags {
            guard let venue = column.venue else { continue }
            let kind: VenueKind? = Venue.named(code: venue)?.kind ?? added[venue].flatMap { $0 }
            #expect(kind == (column.rawValue.hasPrefix("typeOfLabour") ? .labor : .sex), "\(column)")
        }
        #expect(Set(CTDCVocabulary.venues.map(\.code)) == ["aquafarming", "mining_drilling", "transportation",
                                                            "prostitution"])
        // Migration 0004 added them to the vocabulary, with these labels; a hotline export may not use them.
        for term in CTDCVocabulary.venues {
            let venue = Venue.named(code: term.code)
            #expect(venue?.label == term.label && venue?.kind == term.kind && venue?.isHotlineVenue == false)
        }
        #expect(TraffickingType(rawValue: CTDCVocabulary.otherExploitation.code)?.label
            == CTDCVocabulary.otherExploitation.label)
        #expect(Citizenship(rawValue: CTDCVocabulary.national.code)?.label == CTDCVocabulary.national.label)
        #expect(TraffickingType.otherExploitation.isHotlineTerm == false && Citizenship.national.isHotlineTerm == false)
        #expect(CTDCVocabulary.otherExploitation.label == "Other exploitation")
        #expect(CTDCVocabulary.national.label == "Citizen of the country of exploitation")
        #expect(CTDCVocabulary.venues.first { $0.code == "prostitution" }?.label
            == "Prostitution, venue not specified")
    }

    // MARK: Gender

    @Test(arguments: [
        ("Female", Gender.female), ("Woman", .female), ("female", .female), (" WOMAN ", .female),
        ("Male", .male), ("Man", .male), ("MAN", .male),
        ("Trans/Transgender/NonConforming", .genderMinority), ("trans/transgender/nonconforming", .genderMinority),
        ("Transgender", .genderMinority),
        ("Unknown", .unknown), ("-99", .unknown), ("", .unknown), ("Other", .unknown), ("F", .unknown),
        ("Girl", .unknown),
    ])
    func genderLabelsOfBothReleases(text: String, gender: Gender) throws {
        #expect(try Self.victim(["gender": text])?.gender == gender, "\(text)")
    }

    // MARK: Age group

    @Test(arguments: [
        ("Adult", "9--17", AgeGroup.adult), ("Minor", "18--20", .minor),  // they disagree: majorityStatus wins
        ("Adult", "18--20", .adult), ("Minor", "9--17", .minor), ("minor", "", .minor), ("ADULT", "-99", .adult),
        ("Minor", "Unknown", .minor),
        ("Unknown", "9--17", .minor), ("-99", "0--8", .minor), ("", "09--17", .minor), ("", "00--08", .minor),
        ("Unknown", "18--20", .adult), ("-99", "48+", .adult), ("", "30--38", .adult), ("", "21--23", .adult),
        ("Unknown", "Unknown", .unknown), ("-99", "-99", .unknown), ("", "", .unknown),
    ])
    func ageGroupFromMajorityStatusElseAgeBroad(majority: String, ageBroad: String, group: AgeGroup) throws {
        let victim = try Self.victim(["majorityStatus": majority, "ageBroad": ageBroad])
        #expect(victim?.ageGroup == group, "\(majority) \(ageBroad)")
    }

    @Test func everyPublishedAgeBandIsUnderstood() throws {
        let minor = ["0--8", "9--17", "00--08", "09--17"]
        let adult = ["18--20", "21--23", "24--26", "27--29", "30--38", "39--47", "48+"]
        for band in minor { #expect(CTDCMapping.ageBand(band) == .group(.minor), "\(band)") }
        for band in adult { #expect(CTDCMapping.ageBand(band) == .group(.adult), "\(band)") }
    }

    @Test(arguments: ["Teen", "Child", "Adults", "1", "0"])
    func anUnknownMajorityStatusIsAnError(text: String) throws {
        let issues = try Self.issues(["majorityStatus": text, "ageBroad": "18--20"])
        #expect(issues.map(\.column) == ["majorityStatus"])
    }

    @Test(arguments: ["18-20", "9 -- 17", "abc", "9--", "--17", "17--9", "1000+", "9--20", "10+", "18", "+48"])
    func anUnknownAgeBandIsAnError(text: String) throws {
        // Also when majorityStatus alone would decide: an unknown label is an error in either column.
        let issues = try Self.issues(["ageBroad": text, "majorityStatus": "Adult"])
        #expect(issues.map(\.column) == ["ageBroad"], "\(text)")
    }

    // MARK: Countries and citizenship

    @Test(arguments: [
        // (country of exploitation, nationality, country, nationality, citizenship)
        ("US", "US", "US", "US", "us_citizen_lpr"),
        ("US", "PH", "US", "PH", "foreign_national"),
        ("US", "MX", "US", "MX", "foreign_national"),
        ("US", "ZZ", "US", nil, "unknown"),
        ("US", "-99", "US", nil, "unknown"),
        ("PH", "PH", "PH", "PH", "national"),
        ("PH", "US", "PH", "US", "foreign_national"),
        ("TH", "KH", "TH", "KH", "foreign_national"),
        ("PH", "00", "PH", nil, "unknown"),
        ("ZZ", "PH", nil, "PH", "unknown"),
        ("0", "US", nil, "US", "unknown"),
        ("", "", nil, nil, "unknown"),
        ("USA", "USA", "US", "US", "us_citizen_lpr"),
        ("USA", "PHL", "US", "PH", "foreign_national"),
        ("PHL", "PHL", "PH", "PH", "national"),
        ("THA", "KHM", "TH", "KH", "foreign_national"),
        ("phl", " ph ", "PH", "PH", "national"),
        ("US", "MEX", "US", "MX", "foreign_national"),
    ] as [(String, String, String?, String?, String)])
    func citizenshipFromNationalityAndCountry(
        countryText: String, nationalityText: String, country: String?, nationality: String?, citizenship: String
    ) throws {
        let victim = try Self.victim(["CountryOfExploitation": countryText, "citizenship": nationalityText])
        #expect(victim?.country == country, "\(countryText)")
        #expect(victim?.nationality == nationality, "\(nationalityText)")
        #expect(victim?.citizenship == citizenship, "\(countryText) \(nationalityText)")
    }

    @Test(arguments: ["ZZ", "zz", "00", "0", "-99", "", " ZZ "])
    func unknownCountryTokensAreUnknownNotErrors(text: String) throws {
        let victim = try Self.victim(["CountryOfExploitation": text, "citizenship": text])
        #expect(victim?.country == nil)
        #expect(victim?.nationality == nil)
        #expect(victim?.citizenship == "unknown")
    }

    @Test(arguments: ["XX", "XKX", "USAA", "U", "000", "ZZZ", "United States", "840", "U.S."])
    func anUnrecognizedCountryIsAnErrorNamingTheColumn(text: String) throws {
        let issues = try Self.issues(["CountryOfExploitation": text])
        #expect(issues.map(\.column) == ["CountryOfExploitation"], "\(text)")
        #expect(issues.first?.message.contains("\"\(text)\"") == true)
        #expect(try Self.issues(["citizenship": text]).map(\.column) == ["citizenship"], "\(text)")
    }

    @Test func countriesResolveAlpha2Alpha3AndTokens() {
        let countries = CTDCCountries(alpha2: ["us", "PH"], alpha3ToAlpha2: ["usa": "us", "PHL": "PH"])
        #expect(countries.resolve("US") == .known("US"))
        #expect(countries.resolve("usa") == .known("US"))
        #expect(countries.resolve("PHL") == .known("PH"))
        #expect(countries.resolve("ZZ") == .unknown)
        #expect(countries.resolve("MX") == .unrecognized)
        #expect(countries.resolve("PH ") == .unrecognized)  // the mapping trims before resolving
    }

    // MARK: Year

    @Test(arguments: [("2019", 2019), (" 2020 ", 2020), ("1990", 1990), ("2100", 2100)])
    func aFourDigitYearIsTheYear(text: String, year: Int) throws {
        #expect(try Self.victim(["yearOfRegistration": text])?.year == year)
    }

    @Test(arguments: ["1989", "2101", "19", "20190", "2019.0", "+201", "twenty", "２０１９", "-99", "", "0000"])
    func anyOtherYearIsAnError(text: String) throws {
        let issues = try Self.issues(["yearOfRegistration": text])
        #expect(issues.map(\.column) == ["yearOfRegistration"], "\(text)")
    }

    // MARK: Header

    @Test func theTermsOfUseColumnIsIgnoredAndNamedShortly() throws {
        let terms = "By downloading this data you agree to the Terms of Use, including to cite the source of the data."
        let header = try CTDCHeader(fields: [terms] + Self.fullHeader + ["meansOfControlThreats", ""])
        #expect(header.ignoredColumns == ["column 1 (terms of use)", "Datasource", "RecruiterRelationship",
                                          "meansOfControlThreats", "column \(Self.fullHeader.count + 3) (no header)"])
        #expect(header.absentOptionalColumns == ["typeOfSexNotSpecified"])
        #expect(header.fieldCount == Self.fullHeader.count + 3)
        #expect(header.ignoredColumns.allSatisfy { $0.count <= 40 })
        // A row with the terms column's empty cell maps.
        let mapping = CTDCMapping(header: header, countries: Self.countries)
        let fields = [""] + Self.fullHeader.map { Self.baseValues[$0] ?? "" } + ["1", "x"]
        #expect(throws: Never.self) { try mapping.map(fields: fields, line: 2).get() }
    }

    @Test func columnsAreFoundByNameInAnyOrderIgnoringCaseAndSpace() throws {
        let shuffled = Self.fullHeader.reversed().map { "  \($0.uppercased())\t" }
        let header = try CTDCHeader(fields: shuffled)
        #expect(header.field(.countryOfExploitation).name == "COUNTRYOFEXPLOITATION")
        #expect(header.field(.countryOfExploitation).index == shuffled.firstIndex { $0.contains("COUNTRYOF") })
        let fields = shuffled.map { name -> String in
            switch LabelMap<String>.key(name) {
            case "yearofregistration": "2018"
            case "gender": "Man"
            case "countryofexploitation": "USA"
            case "citizenship": "MX"
            case "isforcedlabour", "typeoflabourconstruction": "1"
            case "majoritystatus": "Minor"
            default: ""
            }
        }
        let victim = try CTDCMapping(header: header, countries: Self.countries).map(fields: fields, line: 5).get()
        #expect(victim == CTDCVictim(year: 2018, country: "US", nationality: "MX", traffickingType: "labor",
                                     venues: ["construction"], gender: .male, ageGroup: .minor,
                                     citizenship: "foreign_national"))
    }

    @Test(arguments: requiredColumns)
    func aMissingRequiredColumnStopsTheFile(column: String) throws {
        let fields = Self.fullHeader.filter { $0 != column }
        do {
            _ = try CTDCHeader(fields: fields)
            Issue.record("no error without \(column)")
        } catch {
            #expect(error.line == 1)
            #expect(error.column == column)
            #expect(error.message.contains(column))
        }
    }

    @Test func everyMissingRequiredColumnIsListed() throws {
        do {
            _ = try CTDCHeader(fields: ["Datasource", "gender", "ageBroad"])
            Issue.record("no error")
        } catch {
            #expect(error.column == "yearOfRegistration")
            for column in Self.requiredColumns where !["gender", "ageBroad"].contains(column) {
                #expect(error.message.contains(column), "\(column)")
            }
        }
    }

    @Test func theTypeOfFlagsAndIsSlaveryAndPracticesAreOptional() throws {
        let header = try CTDCHeader(fields: Self.requiredColumns)
        #expect(Set(header.absentOptionalColumns)
            == Set(Self.labourFlags + Self.sexFlags + ["isSlaveryAndPractices", "typeOfSexNotSpecified"]))
        #expect(header.ignoredColumns.isEmpty)
        let victim = try Self.victim(["isForcedMarriage": "1"], header: Self.requiredColumns)
        #expect(victim?.traffickingType == "other_exploitation")
        #expect(victim?.venues == [])
    }

    @Test func aUsedColumnTwiceIsAnError() throws {
        do {
            _ = try CTDCHeader(fields: Self.fullHeader + ["Gender"])
            Issue.record("no error")
        } catch {
            #expect(error.line == 1)
            #expect(error.column == "Gender")
            #expect(error.message.contains("column \((Self.fullHeader.firstIndex(of: "gender") ?? -1) + 1)"))
        }
        // An ignored column twice is harmless.
        #expect(try CTDCHeader(fields: Self.fullHeader + ["Datasource"]).ignoredColumns
            == ["Datasource", "RecruiterRelationship", "Datasource"])
    }

    // MARK: Messages

    @Test func issuesNameLineAndColumnAndShowOnlyTheOffendingValue() throws {
        let header = ["RecruiterRelationship"] + Self.fullHeader.map { $0 == "gender" ? "Gender " : $0 }
        var values = Self.baseValues.merging([
            "yearOfRegistration": "1887", "Gender ": "Zyxwoman", "citizenship": "QQ", "RecruiterRelationship": "Secret",
            "isOrganRemoval": "maybe", "ageBroad": "Qwerty", "majorityStatus": "Minor", "Datasource": "Hidden",
            "CountryOfExploitation": "UKR",
        ]) { $1 }
        values["gender"] = nil
        let fields = header.map { values[$0] ?? "" }
        let rejected = try Self.mapping(header).map(fields: fields, line: 41)
        guard case .failure(let failure) = rejected else {
            Issue.record("the row mapped")
            return
        }
        let issues = failure.issues
        #expect(issues.allSatisfy { $0.line == 41 })
        #expect(Set(issues.map(\.column)) == ["yearOfRegistration", "citizenship", "isOrganRemoval", "ageBroad"])
        let others = ["Zyxwoman", "Secret", "Hidden", "UKR", "Minor", "Philippines"]
        for issue in issues {
            let own = fields[try #require(header.firstIndex(of: issue.column))]
            #expect(issue.message.contains("\"\(own)\""), "\(issue.column)")
            for value in others + fields.filter({ !$0.isEmpty && $0 != own }) {
                #expect(!issue.message.contains(value), "\(issue.column) shows another field's value")
            }
        }
        let citizenship = issues.first { $0.column == "citizenship" }
        #expect(citizenship?.formatted(file: "f.csv").hasPrefix("f.csv:41:citizenship: ") == true)
    }

    @Test func aLongOrControlValueIsShownShortAndEscaped() throws {
        let long = String(repeating: "9", count: 500)
        let message = try Self.issues(["yearOfRegistration": long]).first?.message ?? ""
        #expect(message.count < 150)
        let control = try Self.issues(["citizenship": "U\u{1B}S"]).first?.message ?? ""
        #expect(!control.contains("\u{1B}"))
    }

    @Test func aRowWithTheWrongFieldCountIsOneIssueWithoutValues() throws {
        let mapping = try Self.mapping()
        for count in [0, 1, Self.fullHeader.count - 1, Self.fullHeader.count + 1] {
            let fields = Array(repeating: "Secret", count: count)
            guard case .failure(let failure) = mapping.map(fields: fields, line: 7) else {
                Issue.record("mapped \(count) fields")
                continue
            }
            #expect(failure.issues == [RowIssue(
                line: 7, column: "", message: "the row has \(count) fields; the header has \(Self.fullHeader.count)")])
        }
    }

    /// Whatever the fields hold, a row maps or gives issues, each naming a column the mapping reads.
    @Test func arbitraryFieldsNeverCrashTheMapping() throws {
        let mapping = try Self.mapping()
        let pool = ["", " ", "1", "0", "-99", "2019", "US", "USA", "zz", "9--17", "48+", "--", "+", "99999--1",
                    "Woman", "\u{0}", "\u{FEFF}", "é", "🇺🇸", "\r\n", "\"", String(repeating: "x", count: 10_000),
                    "18--", "--18", "1--1--1", "٢٠١٩"]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        func next() -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(pool.count))
        }
        let used = Set(Self.fullHeader).subtracting(["Datasource", "RecruiterRelationship"])
        for line in 2..<2_000 {
            let fields = Self.fullHeader.map { _ in pool[next()] }
            if case .failure(let failure) = mapping.map(fields: fields, line: line) {
                #expect(!failure.issues.isEmpty)
                #expect(failure.issues.allSatisfy { used.contains($0.column) && $0.line == line })
            }
        }
    }

    // MARK: Delimiter

    @Test(arguments: [
        ("yearOfRegistration,gender,ageBroad\n", ","),
        ("yearOfRegistration;gender;ageBroad\n", ";"),
        ("\u{FEFF}yearOfRegistration;gender;ageBroad\r\n", ";"),
        ("\"Terms; of use; here\",yearOfRegistration,gender\n", ","),
        ("\"Terms, of use, and more, and more\";yearOfRegistration;gender\r\n", ";"),
        ("Terms, of use, unquoted;yearOfRegistration;gender;ageBroad;majorityStatus\n", ";"),
        ("a,b\nc;d;e;f;g\n", ","),
        ("a;b\r\nc,d,e,f,g\r\n", ";"),
        ("\"a\nb;c;d;e\",f\n", ","),
        ("onlyone\n", ","),
        ("", ","),
        ("a;b", ";"),
    ])
    func theDelimiterIsSniffedFromTheHeaderLine(text: String, delimiter: String) {
        #expect(CTDCHeader.sniffDelimiter(Array(text.utf8)) == UInt8(ascii: delimiter.unicodeScalars.first ?? ","))
    }

    // MARK: Fixtures

    static var fixtureFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Samples").appendingPathComponent("ctdc")
    }

    /// A fixture read the way an importer would: delimiter sniffed, header, every row mapped.
    struct MappedFile {
        var delimiter: UInt8 = 0
        var header: CTDCHeader?
        var lines: [Int] = []
        var victims: [CTDCVictim] = []
        var issues: [RowIssue] = []

        init(_ name: String) throws {
            let path = CTDCMappingTests.fixtureFolder.appendingPathComponent(name).path
            let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)).prefix(1 << 16))
            delimiter = CTDCHeader.sniffDelimiter(bytes)
            var reader = try CSVReader(path: path, delimiter: delimiter)
            func fields(_ record: CSVRecord) -> [String] {
                (0..<record.count).map { record.string($0) ?? "\u{FFFD}" }
            }
            guard let first = try reader.next() else { return }
            let header = try CTDCHeader(fields: fields(first))
            self.header = header
            let mapping = CTDCMapping(header: header, countries: CTDCMappingTests.countries)
            while let record = try reader.next() {
                switch mapping.map(fields: fields(record), line: record.line) {
                case .success(let victim):
                    lines.append(record.line)
                    victims.append(victim)
                case .failure(let failure): issues += failure.issues
                }
            }
        }

        func victim(line: Int) -> CTDCVictim? { lines.firstIndex(of: line).map { victims[$0] } }

        func count<T: Hashable>(_ key: (CTDCVictim) -> T) -> [T: Int] {
            victims.reduce(into: [:]) { $0[key($1), default: 0] += 1 }
        }
    }

    @Test func theOldReleaseFixtureMapsEveryRow() throws {
        let file = try MappedFile("ctdc-global-2020.csv")
        #expect(file.delimiter == UInt8(ascii: ","))
        #expect(file.issues.prefix(5).map { "\($0.line):\($0.column)" } == [], "\(file.issues.count) issues")
        #expect(file.header?.fieldCount == 59)
        #expect(file.header?.ignoredColumns.first == "column 1 (terms of use)")
        #expect(file.header?.ignoredColumns.count == 59 - 13 - 17)
        #expect(file.header?.absentOptionalColumns == ["isSlaveryAndPractices", "typeOfSexNotSpecified"])
        #expect(file.victims.count == 30)
        #expect(file.count(\.traffickingType)
            == ["sex": 11, "labor": 12, "sex_and_labor": 2, "other_exploitation": 4, "not_specified": 1])
        #expect(file.count(\.ageGroup) == [.minor: 10, .adult: 17, .unknown: 3])
        #expect(file.count(\.gender) == [.female: 17, .male: 11, .unknown: 2])
        #expect(file.count(\.citizenship)
            == ["us_citizen_lpr": 5, "national": 6, "foreign_national": 14, "unknown": 5])
        // majorityStatus disagrees with ageBroad on lines 18 (Minor, 18--20) and 19 (Adult, 9--17).
        #expect(file.victim(line: 18)?.ageGroup == .minor)
        #expect(file.victim(line: 19)?.ageGroup == .adult)
        // Identical rows (lines 22-24, 29-30) stay separate victims.
        #expect(file.victim(line: 22) == file.victim(line: 23))
        #expect(file.victim(line: 23) == file.victim(line: 24))
        #expect(file.victim(line: 29) == file.victim(line: 30))
        #expect(file.count { $0 }.values.max() == 3)
        #expect(file.victim(line: 2) == CTDCVictim(
            year: 2017, country: "US", nationality: "US", traffickingType: "sex", venues: ["prostitution"],
            gender: .female, ageGroup: .minor, citizenship: "us_citizen_lpr"))
    }

    @Test func theSemicolonCopyMapsToTheSameVictims() throws {
        let comma = try MappedFile("ctdc-global-2020.csv")
        let semicolon = try MappedFile("ctdc-global-2020-semicolon.csv")
        #expect(semicolon.delimiter == UInt8(ascii: ";"))
        #expect(semicolon.issues.prefix(5).map { "\($0.line):\($0.column)" } == [], "\(semicolon.issues.count) issues")
        #expect(semicolon.header?.ignoredColumns == comma.header?.ignoredColumns)
        #expect(semicolon.victims.count == 30)
        #expect(semicolon.victims == comma.victims)
        #expect(semicolon.lines == comma.lines)
    }

    @Test func theSyntheticReleaseFixtureMapsEveryRow() throws {
        let file = try MappedFile("ctdc-synthetic-2024.csv")
        #expect(file.delimiter == UInt8(ascii: ","))
        #expect(file.issues.prefix(5).map { "\($0.line):\($0.column)" } == [], "\(file.issues.count) issues")
        #expect(file.header?.fieldCount == 63)
        #expect(file.header?.absentOptionalColumns == ["typeOfSexNotSpecified"])
        #expect(file.header?.ignoredColumns.contains("typeOfExploitConcatenated") == true)
        #expect(file.header?.ignoredColumns.count == 63 - 13 - 18)
        #expect(file.victims.count == 25)
        #expect(file.count(\.traffickingType)
            == ["sex": 8, "labor": 10, "sex_and_labor": 2, "other_exploitation": 4, "not_specified": 1])
        #expect(file.count(\.gender) == [.female: 12, .male: 10, .genderMinority: 2, .unknown: 1])
        #expect(file.count(\.ageGroup) == [.minor: 7, .adult: 17, .unknown: 1])
        #expect(file.count(\.citizenship)
            == ["us_citizen_lpr": 3, "national": 6, "foreign_national": 14, "unknown": 2])
        #expect(file.victim(line: 8)?.ageGroup == .adult)  // majorityStatus Adult, ageBroad 09--17
        #expect(file.victim(line: 13) == file.victim(line: 15))
        #expect(file.victim(line: 25) == file.victim(line: 26))
        #expect(file.count { $0 }.values.max() == 3)
        #expect(file.victim(line: 16) == CTDCVictim(
            year: 2022, country: "GH", nationality: "GH", traffickingType: "labor",
            venues: ["aquafarming", "peddling_begging"], gender: .male, ageGroup: .adult, citizenship: "national"))
    }
}
