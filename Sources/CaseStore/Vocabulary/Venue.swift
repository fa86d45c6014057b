/// Which kind of trafficking a venue or industry belongs to.
public enum VenueKind: String, Sendable, CaseIterable, Codable {
    case sex
    case labor
}

/// A venue (sex trafficking) or industry (labor trafficking) of the spec's table; a case may have several.
public struct Venue: Hashable, Sendable, Identifiable {
    /// The row id in the `venues` table (stable: seeded by the first migration).
    public let id: Int
    public let code: String
    public let label: String
    public let kind: VenueKind
    /// Labels accepted besides `label` and `code`.
    public let otherLabels: [String]

    public var acceptedLabels: [String] { [code, label] + otherLabels }

    /// The venue with this code, or nil.
    public static func named(code: String) -> Venue? { all.first { $0.code == code } }

    /// The venue `text` names (code or any accepted label, case-insensitive, white space folded), or nil.
    public static func resolve(_ text: String) -> Venue? { (try? LabelMap(venues: all))?.resolve(text) }

    /// The spec's venues and industries in table order; ids match the `venues` table.
    public static let all: [Venue] = [
        Venue(1, "escort_services", "Escort Services", .sex, ["Escort/Delivery Service", "Escort Service"]),
        Venue(2, "illicit_massage", "Illicit Massage/Spa Business", .sex,
              ["Illicit Massage, Health & Beauty", "Illicit Massage/Spa", "Massage Parlor"]),
        Venue(3, "outdoor_solicitation", "Outdoor Solicitation", .sex, ["Street-Based", "Street Based"]),
        Venue(4, "residential", "Residence-Based Commercial Sex", .sex, ["Residential", "Residence-Based"]),
        Venue(5, "bars_strip_clubs", "Bars, Strip Clubs & Cantinas", .sex,
              ["Hostess/Strip Club-Based", "Bar/Club", "Bars/Strip Clubs/Cantinas"]),
        Venue(6, "pornography", "Pornography", .sex, []),
        Venue(7, "hotel_motel", "Hotel/Motel-Based", .sex, ["Hotel/Motel", "Hotels/Motels"]),
        Venue(8, "truck_stop", "Truck Stop-Based", .sex, ["Truck Stop"]),
        Venue(9, "commercial_front_brothel", "Commercial-Front Brothels", .sex, ["Commercial-Front Brothel"]),
        Venue(10, "online_ad", "Online Ad Venue Unknown", .sex, ["Online Ad. Venue Unknown", "Online Ads"]),
        Venue(11, "remote_interactive", "Remote Interactive Sexual Acts", .sex, []),
        Venue(12, "personal_sexual_servitude", "Personal Sexual Servitude", .sex, []),
        Venue(13, "private_parties", "Private Parties", .sex, []),
        Venue(14, "legalized_brothel", "Legalized Brothel", .sex, []),
        Venue(15, "other_sex_venue", "Other Venue", .sex, ["Other Venues"]),
        Venue(16, "agriculture", "Agriculture/Farms/Animal Husbandry", .labor,
              ["Agriculture", "Agriculture/Farms", "Agriculture & Animal Husbandry", "Farming"]),
        Venue(17, "domestic_work", "Domestic Work", .labor, []),
        Venue(18, "traveling_sales_crews", "Traveling Sales Crews", .labor, []),
        Venue(19, "restaurants_food_service", "Restaurants/Food Service", .labor,
              ["Restaurant/Food Service", "Restaurants & Food Service"]),
        Venue(20, "peddling_begging", "Peddling/Begging", .labor, ["Peddling & Begging", "Peddling Rings"]),
        Venue(21, "health_beauty_services", "Health & Beauty Services", .labor, []),
        Venue(22, "construction", "Construction", .labor, []),
        Venue(23, "hospitality", "Hospitality", .labor, ["Hotels & Hospitality"]),
        Venue(24, "landscaping", "Landscaping", .labor, []),
        Venue(25, "illicit_activities", "Illicit Activities", .labor, []),
        Venue(26, "arts_entertainment", "Arts & Entertainment", .labor, []),
        Venue(27, "commercial_cleaning", "Commercial Cleaning Services", .labor, []),
        Venue(28, "factories_manufacturing", "Factories/Manufacturing", .labor,
              ["Factories & Manufacturing", "Manufacturing"]),
        Venue(29, "carnivals", "Carnivals", .labor, []),
        Venue(30, "forestry_logging", "Forestry/Logging", .labor, ["Forestry & Logging"]),
        Venue(31, "health_care", "Health Care", .labor, []),
        Venue(32, "recreational_facilities", "Recreational Facilities", .labor, []),
        Venue(33, "other_industry", "Other Industry", .labor, []),
        // The CTDC import's own (migration 0004; CTDCVocabulary.venues): not in the hotline spec.
        Venue(34, "aquafarming", "Aquafarming", .labor, []),
        Venue(35, "mining_drilling", "Mining/Drilling", .labor, []),
        Venue(36, "transportation", "Transportation", .labor, []),
        Venue(37, "prostitution", "Prostitution, venue not specified", .sex, []),
    ]

    /// The venues of the hotline spec (ids 1–33): those a hotline export may use.
    public static let hotline: [Venue] = all.filter(\.isHotlineVenue)

    /// Whether a hotline export may use the venue: false for the CTDC import's own.
    public var isHotlineVenue: Bool { id <= 33 }

    private init(_ id: Int, _ code: String, _ label: String, _ kind: VenueKind, _ otherLabels: [String]) {
        self.id = id
        self.code = code
        self.label = label
        self.kind = kind
        self.otherLabels = otherLabels
    }
}
