import CaseStore
import Foundation
import SQLite
import CSHA256
import Testing

/// The spec's vocabulary, transcribed from shared/spec/hotline-export.md independently of the sources:
/// code -> (label, other accepted labels).
enum SpecVocabulary {
    static let traffickingTypes: [(String, String, [String])] = [
        ("sex", "Sex", ["Sex Trafficking"]),
        ("labor", "Labor", ["Labor Trafficking", "Labour"]),
        ("sex_and_labor", "Sex and Labor", ["Sex & Labor", "Sex and Labor Trafficking"]),
        ("not_specified", "Not Specified", ["Trafficking Type Not Specified", "Other/Not Specified", "Unknown"]),
    ]
    static let genders: [(String, String, [String])] = [
        ("female", "Female", ["F", "Woman", "Girl"]),
        ("male", "Male", ["M", "Man", "Boy"]),
        ("gender_minority", "Gender Minority", ["Gender Minorities", "Transgender", "Trans/Transgender/NonConforming",
                                                "Non-Binary", "Gender Non-Conforming"]),
        ("unknown", "Unknown", []),
    ]
    static let ageGroups: [(String, String, [String])] = [
        ("minor", "Minor", ["Minors", "Child"]), ("adult", "Adult", ["Adults"]), ("unknown", "Unknown", []),
    ]
    static let citizenships: [(String, String, [String])] = [
        ("us_citizen_lpr", "U.S. Citizen/LPR", ["US Citizen/Lawful Permanent Resident", "U.S. Citizen", "US Citizen",
                                                "Lawful Permanent Resident", "LPR"]),
        ("foreign_national", "Foreign National", []),
        ("unknown", "Unknown", []),
    ]
    static let venues: [(String, String, String, [String])] = [
        ("escort_services", "Escort Services", "sex", ["Escort/Delivery Service", "Escort Service"]),
        ("illicit_massage", "Illicit Massage/Spa Business", "sex", ["Illicit Massage, Health & Beauty", "Illicit Massage/Spa", "Massage Parlor"]),
        ("outdoor_solicitation", "Outdoor Solicitation", "sex", ["Street-Based", "Street Based"]),
        ("residential", "Residence-Based Commercial Sex", "sex", ["Residential", "Residence-Based"]),
        ("bars_strip_clubs", "Bars, Strip Clubs & Cantinas", "sex", ["Hostess/Strip Club-Based", "Bar/Club", "Bars/Strip Clubs/Cantinas"]),
        ("pornography", "Pornography", "sex", []),
        ("hotel_motel", "Hotel/Motel-Based", "sex", ["Hotel/Motel", "Hotels/Motels"]),
        ("truck_stop", "Truck Stop-Based", "sex", ["Truck Stop"]),
        ("commercial_front_brothel", "Commercial-Front Brothels", "sex", ["Commercial-Front Brothel"]),
        ("online_ad", "Online Ad Venue Unknown", "sex", ["Online Ad. Venue Unknown", "Online Ads"]),
        ("remote_interactive", "Remote Interactive Sexual Acts", "sex", []),
        ("personal_sexual_servitude", "Personal Sexual Servitude", "sex", []),
        ("private_parties", "Private Parties", "sex", []),
        ("legalized_brothel", "Legalized Brothel", "sex", []),
        ("other_sex_venue", "Other Venue", "sex", ["Other Venues"]),
        ("agriculture", "Agriculture/Farms/Animal Husbandry", "labor", ["Agriculture", "Agriculture/Farms", "Agriculture & Animal Husbandry", "Farming"]),
        ("domestic_work", "Domestic Work", "labor", []),
        ("traveling_sales_crews", "Traveling Sales Crews", "labor", []),
        ("restaurants_food_service", "Restaurants/Food Service", "labor", ["Restaurant/Food Service", "Restaurants & Food Service"]),
        ("peddling_begging", "Peddling/Begging", "labor", ["Peddling & Begging", "Peddling Rings"]),
        ("health_beauty_services", "Health & Beauty Services", "labor", []),
        ("construction", "Construction", "labor", []),
        ("hospitality", "Hospitality", "labor", ["Hotels & Hospitality"]),
        ("landscaping", "Landscaping", "labor", []),
        ("illicit_activities", "Illicit Activities", "labor", []),
        ("arts_entertainment", "Arts & Entertainment", "labor", []),
        ("commercial_cleaning", "Commercial Cleaning Services", "labor", []),
        ("factories_manufacturing", "Factories/Manufacturing", "labor", ["Factories & Manufacturing", "Manufacturing"]),
        ("carnivals", "Carnivals", "labor", []),
        ("forestry_logging", "Forestry/Logging", "labor", ["Forestry & Logging"]),
        ("health_care", "Health Care", "labor", []),
        ("recreational_facilities", "Recreational Facilities", "labor", []),
        ("other_industry", "Other Industry", "labor", []),
    ]
}

@Suite("Vocabulary")
struct VocabularyTests {
    /// Variants of a label that must resolve the same: other case, extra white space.
    private func variants(_ label: String) -> [String] {
        [label, label.uppercased(), label.lowercased(), "  \(label)\t",
         label.replacingOccurrences(of: " ", with: " \t  ")]
    }

    private func checkTerms<T: VocabularyTerm>(_ type: T.Type, _ spec: [(String, String, [String])]) throws {
        // The spec's terms are the hotline's; the CTDC import's own terms (migration 0004) come after them.
        #expect(T.hotlineCases.map(\.code) == spec.map(\.0))
        #expect(Array(T.allCases.prefix(spec.count)) == T.hotlineCases)
        for (code, label, others) in spec {
            let term = try #require(T(rawValue: code))
            #expect(term.label == label)
            #expect(term.otherLabels == others)
            for accepted in [code, label] + others {
                for variant in variants(accepted) {
                    #expect(T.resolve(variant) == term, "\(variant) should be \(code)")
                }
            }
        }
        #expect(T.resolve("no such label") == nil)
        #expect(T.resolve("") == nil)
    }

    @Test func everySpecLabelResolvesToItsCode() throws {
        try checkTerms(TraffickingType.self, SpecVocabulary.traffickingTypes)
        try checkTerms(Gender.self, SpecVocabulary.genders)
        try checkTerms(AgeGroup.self, SpecVocabulary.ageGroups)
        try checkTerms(Citizenship.self, SpecVocabulary.citizenships)
        #expect(Venue.hotline.map(\.code) == SpecVocabulary.venues.map(\.0))
        #expect(Venue.all.dropFirst(Venue.hotline.count).map(\.code) == CTDCVocabulary.venues.map(\.code))
        for (index, (code, label, kind, others)) in SpecVocabulary.venues.enumerated() {
            let venue = Venue.all[index]
            #expect(venue.id == index + 1)
            #expect((venue.label, venue.kind.rawValue, venue.otherLabels) == (label, kind, others))
            for accepted in [code, label] + others {
                for variant in variants(accepted) { #expect(Venue.resolve(variant) == venue, "\(variant) -> \(code)") }
            }
        }
    }

    @Test func noLabelNamesTwoTerms() throws {
        _ = try LabelMap(terms: TraffickingType.self)
        _ = try LabelMap(terms: Gender.self)
        _ = try LabelMap(terms: AgeGroup.self)
        _ = try LabelMap(terms: Citizenship.self)
        _ = try LabelMap(venues: Venue.all)
        var map = LabelMap<Int>()
        try map.add("Same", for: 1)
        try map.add("SAME ", for: 1)
        #expect(throws: LabelMap<Int>.Conflict.self) { try map.add("same", for: 2) }
    }

    @Test func foldingTrimsAndFoldsWhiteSpace() {
        #expect(LabelMap<Int>.fold("  Sex \t and\n\nLabor  ") == "Sex and Labor")
        #expect(LabelMap<Int>.fold("") == "")
        #expect(LabelMap<Int>.fold(" \t ") == "")
        #expect(LabelMap<Int>.key("Hotel/Motel") == "hotel/motel")
    }

    @Test func ageDecidesTheGroup() {
        #expect(AgeGroup(age: 0) == .minor)
        #expect(AgeGroup(age: 17) == .minor)
        #expect(AgeGroup(age: 18) == .adult)
        #expect(AgeGroup(age: 120) == .adult)
    }

    /// Rows of a lookup table as (code, label), in sort order.
    private func lookup(_ db: Connection, _ table: String) throws -> [[SQLValue]] {
        try db.prepare("SELECT code, label FROM \(table) ORDER BY sort_order").allRows()
    }

    @Test func lookupTablesEqualTheSpec() throws {
        let folder = try TemporaryDirectory()
        let db = try CaseDatabase.openForWriting(at: folder.path("vocab.db")).connection
        func expected(_ spec: [(String, String, [String])]) -> [[SQLValue]] { spec.map { [.text($0.0), .text($0.1)] } }
        // The spec's terms, then those migration 0004 adds for the CTDC import.
        func ctdc(_ term: CTDCVocabulary.Term) -> [SQLValue] { [.text(term.code), .text(term.label)] }
        #expect(try lookup(db, TraffickingType.tableName)
            == expected(SpecVocabulary.traffickingTypes) + [ctdc(CTDCVocabulary.otherExploitation)])
        #expect(try lookup(db, Gender.tableName) == expected(SpecVocabulary.genders))
        #expect(try lookup(db, AgeGroup.tableName) == expected(SpecVocabulary.ageGroups))
        #expect(try lookup(db, Citizenship.tableName)
            == expected(SpecVocabulary.citizenships) + [ctdc(CTDCVocabulary.national)])
        let venues = try db.prepare("SELECT id, code, label, kind FROM venues ORDER BY id").allRows()
        let specVenues: [[SQLValue]] = SpecVocabulary.venues.enumerated().map {
            [.integer(Int64($0.offset + 1)), .text($0.element.0), .text($0.element.1), .text($0.element.2)]
        }
        let ctdcVenues: [[SQLValue]] = CTDCVocabulary.venues.enumerated().map {
            [.integer(Int64(SpecVocabulary.venues.count + $0.offset + 1)), .text($0.element.code),
             .text($0.element.label), .text($0.element.kind?.rawValue ?? "")]
        }
        #expect(venues == specVenues + ctdcVenues)
        let aliases = try db.prepare("SELECT v.code, a.alias FROM venue_aliases a JOIN venues v ON v.id = a.venue_id ORDER BY a.venue_id, a.rowid").allRows()
        #expect(aliases == SpecVocabulary.venues.flatMap { venue in venue.3.map { [.text(venue.0), .text($0)] } })
    }

    @Test func listingHoldsEveryVocabulary() throws {
        let listing = VocabularyListing.builtIn
        #expect(listing.vocabularies.map(\.column) == ["trafficking_type", "gender", "age_group", "citizenship", "venues"])
        #expect(listing.vocabularies.last?.terms.count == 33 + CTDCVocabulary.venues.count)
        let json = try listing.json()
        let decoded = try JSONDecoder().decode(VocabularyListing.self, from: Data(json.utf8))
        #expect(decoded == listing)
        let table = listing.table()
        for venue in Venue.all { #expect(table.contains(venue.label)) }
    }
}

@Suite("SHA-256")
struct SHA256Tests {
    @Test func nistVectors() {
        #expect(SHA256.hash(Array("".utf8)).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)).hex
            == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)).hex
            == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// The processor-instruction path (when this machine has it) and the portable C path agree on many blocks.
    @Test func acceleratedAndPortableBlockFunctionsAgree() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<64 * 1000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let initial: [UInt32] = [0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a,
                                 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19]
        for blocks in [1, 2, 7, 1000] {
            var fast = initial
            var portable = initial
            bytes.withUnsafeBufferPointer { data in
                htdb_sha256_blocks(&fast, data.baseAddress!, blocks)
                htdb_sha256_blocks_portable(&portable, data.baseAddress!, blocks)
            }
            #expect(fast == portable, "\(blocks) blocks")
        }
    }

    @Test func chunkedUpdatesMatchOneShot() {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<10_000).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let whole = SHA256.hash(bytes)
        for chunk in [1, 3, 63, 64, 65, 1000] {
            var hasher = SHA256()
            var offset = 0
            while offset < bytes.count {
                hasher.update(Array(bytes[offset..<min(offset + chunk, bytes.count)]))
                offset += chunk
            }
            #expect(hasher.finalize() == whole)
        }
    }
}
