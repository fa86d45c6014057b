import SQLite

/// The scope of a report: which cases count. Every field narrows it; nil means no restriction.
public struct ReportFilters: Sendable, Equatable {
    public var years: ClosedRange<Int>?
    /// USPS code.
    public var state: String?
    /// 5-digit FIPS.
    public var countyFIPS: String?
    public var type: TraffickingType?
    public var venue: Venue?
    /// ISO 3166-1 alpha-2 of the cases' country (reports with it are counted from the stored rows).
    public var country: String?

    public init(years: ClosedRange<Int>? = nil, state: String? = nil, countyFIPS: String? = nil,
                type: TraffickingType? = nil, venue: Venue? = nil, country: String? = nil) {
        self.country = country
        self.years = years
        self.state = state
        self.countyFIPS = countyFIPS
        self.type = type
        self.venue = venue
    }

    /// Reads the command-line forms: `--year 2021` or `2019..2021`, `--state CA|California`, `--county NAME|FIPS`
    /// (a name needs the state), `--type CODE|LABEL`, `--venue CODE|LABEL`, `--country XX|NAME` (ISO 3166-1 alpha-2,
    /// alpha-3 or the country's name).
    /// - Throws: `ReportError.invalidFilter` naming the option.
    public static func parse(year: String?, state: String?, county: String?, type: String?, venue: String?,
                             country: String? = nil, geography: Geography) throws -> ReportFilters {
        var filters = ReportFilters()
        if let country {
            guard let code = geography.country(country) else {
                throw ReportError.invalidFilter(
                    option: "--country", message: "\"\(country)\" is not an ISO 3166-1 country code or name")
            }
            filters.country = code
        }
        if let year {
            let parts = year.components(separatedBy: "..")
            guard (1...2).contains(parts.count), let low = Int(parts[0].trimmingCharacters(in: .whitespaces)),
                  let high = Int((parts.last ?? "").trimmingCharacters(in: .whitespaces)), low <= high
            else {
                throw ReportError.invalidFilter(option: "--year", message: "\"\(year)\" is not a year or a range like 2019..2021")
            }
            filters.years = low...high
        }
        if let state {
            guard let code = geography.state(state) else {
                throw ReportError.invalidFilter(option: "--state", message: "\"\(state)\" is not a state code or name")
            }
            filters.state = code
        }
        if let county {
            let folded = LabelMap<String>.fold(county)
            if folded.count == 5, folded.allSatisfy(\.isNumber) {
                guard let found = geography.counties[folded] else {
                    throw ReportError.invalidFilter(option: "--county", message: "no county has FIPS \(folded)")
                }
                if let code = filters.state, code != found.state {
                    throw ReportError.invalidFilter(option: "--county", message: "\(folded) is a county of \(found.state), not \(code)")
                }
                filters.state = found.state
                filters.countyFIPS = folded
            } else {
                guard let code = filters.state else {
                    throw ReportError.invalidFilter(option: "--county", message: "a county name needs --state (or use its 5-digit FIPS code)")
                }
                guard case .found(let fips) = geography.county(county, in: code) else {
                    throw ReportError.invalidFilter(option: "--county", message: "\"\(county)\" is not a county of \(code)")
                }
                filters.countyFIPS = fips
            }
        }
        if let type {
            guard let term = TraffickingType.resolve(type) else {
                throw ReportError.invalidFilter(option: "--type", message: "\"\(type)\" is not a trafficking type (see htdb vocab)")
            }
            filters.type = term
        }
        if let venue {
            guard let found = Venue.resolve(venue) else {
                throw ReportError.invalidFilter(option: "--venue", message: "\"\(venue)\" is not a venue (see htdb vocab)")
            }
            filters.venue = found
        }
        return filters
    }

    /// What the conditions of `sql(on:)` apply to.
    enum SQLTarget {
        /// `cases c` (export).
        case cases
        /// One of the count tables (reports; see `CountTable`).
        case countTable
    }

    /// The columns the filters test, named as in the count tables (a country filter's column is in none of them).
    var columns: Set<String> {
        var columns: Set<String> = []
        if years != nil { columns.insert("year") }
        if state != nil { columns.insert("state") }
        if countyFIPS != nil { columns.insert("county_fips") }
        if type != nil { columns.insert("trafficking_type") }
        if country != nil { columns.insert("country") }
        if venue != nil { columns.insert("venue_id") }
        return columns
    }

    /// The venue, when it is the only filter.
    var venueAlone: Venue? {
        years == nil && state == nil && countyFIPS == nil && type == nil && country == nil ? venue : nil
    }

    /// SQL conditions with their arguments, joined by AND ("1" when there are none).
    func sql(on target: SQLTarget = .cases) -> (String, [SQLValue]) {
        let prefix = target == .cases ? "c." : ""
        var conditions: [String] = []
        var arguments: [SQLValue] = []
        if let years {
            conditions.append("\(prefix)year BETWEEN ? AND ?")
            arguments += [.integer(Int64(years.lowerBound)), .integer(Int64(years.upperBound))]
        }
        if let state {
            conditions.append("\(prefix)state = ?")
            arguments.append(.text(state))
        }
        if let countyFIPS {
            conditions.append("\(prefix)county_fips = ?")
            arguments.append(.text(countyFIPS))
        }
        if let type {
            conditions.append("\(prefix)trafficking_type = ?")
            arguments.append(.text(type.code))
        }
        if let country {
            // Never on a count table: Report.make counts from the stored rows when a country is asked for.
            conditions.append("\(prefix)country = ?")
            arguments.append(.text(country))
        }
        if let venue {
            // The venue's cases are found in one pass over the links, then looked up by id: EXISTS per case
            // probed the links once for each of the 600,000 cases of a 1M-row database (1.78 s against 0.18 s for
            // `--by county --venue X` in the sqlite3 shell).
            conditions.append(target == .cases
                ? "c.id IN (SELECT f.case_id FROM case_venues f WHERE f.venue_id = ?)" : "venue_id = ?")
            arguments.append(.integer(Int64(venue.id)))
        }
        return (conditions.isEmpty ? "1" : conditions.joined(separator: " AND "), arguments)
    }

    /// The filters as JSON members, in a stable order (year as a number, or {"from", "to"} for a range).
    func jsonMembers() -> [(String, String)] {
        var members: [(String, String)] = []
        if let years {
            members.append(("year", years.count == 1 ? "\(years.lowerBound)"
                : "{\"from\": \(years.lowerBound), \"to\": \(years.upperBound)}"))
        }
        if let state { members.append(("state", JSONText.quote(state))) }
        if let countyFIPS { members.append(("county", JSONText.quote(countyFIPS))) }
        if let type { members.append(("type", JSONText.quote(type.code))) }
        if let venue { members.append(("venue", JSONText.quote(venue.code))) }
        if let country { members.append(("country", JSONText.quote(country))) }
        return members
    }

    /// A readable line: "2021, California, Los Angeles County".
    func describe(_ geography: Geography) -> String {
        var parts: [String] = []
        if let years { parts.append(years.count == 1 ? "\(years.lowerBound)" : "\(years.lowerBound)–\(years.upperBound)") }
        if let countyFIPS, let county = geography.counties[countyFIPS] { parts.append(county.fullName) }
        if let state, let name = geography.states[state]?.name { parts.append(name) }
        if let type { parts.append("\(type.label) trafficking") }
        if let venue { parts.append(venue.label) }
        if let country { parts.append(geography.countries[country] ?? country) }
        return parts.isEmpty ? "all cases" : parts.joined(separator: ", ")
    }
}
