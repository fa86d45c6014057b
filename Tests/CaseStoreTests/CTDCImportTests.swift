import CSV
import Foundation
import SQLite
import Testing
@testable import CaseStore

/// `htdb import FILE --profile ctdc` (issue 9): the fixtures of `Samples/ctdc` stored as one case with one victim per
/// row, every mapping rule visible in the database, and the reports on them.
@Suite("CTDC import")
struct CTDCImportTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples/ctdc")

    static func fixture(_ name: String) -> String { samples.appendingPathComponent(name).path }

    static let layouts: [(name: String, rows: Int)] = [
        ("ctdc-global-2020.csv", 30), ("ctdc-synthetic-2024.csv", 25), ("ctdc-global-2020-semicolon.csv", 30),
    ]

    let harness: ImportHarness
    init() throws { harness = try ImportHarness() }

    private var db: Connection { get throws { try harness.connection } }

    private func importCTDC(_ path: String, _ configure: (inout ImportOptions) -> Void = { _ in }) throws
        -> ImportSummary {
        try harness.importFile(path) { options in
            options.profile = .ctdc
            configure(&options)
        }
    }

    /// A stored CTDC victim with its case, by row number in its file.
    struct StoredVictim: Equatable {
        var year: Int
        var reportedOn: String?
        var country: String
        var state: String?
        var type: String
        var venues: [String]
        var gender: String
        var ageGroup: String
        var citizenship: String
        var nationality: String?
    }

    private func stored(batch: Int64) throws -> [Int: StoredVictim] {
        let statement = try db.prepare(
            """
            SELECT c.case_ref, c.year, c.reported_on, c.country, c.state, c.trafficking_type,
                (SELECT group_concat(code, ';') FROM (SELECT v.code FROM case_venues cv JOIN venues v
                    ON v.id = cv.venue_id WHERE cv.case_id = c.id ORDER BY v.code)),
                x.gender, x.age_group, x.citizenship, x.nationality
            FROM cases c JOIN victims x ON x.case_id = c.id WHERE c.batch_id = ?
            """)
        try statement.bind(batch, at: 1)
        var result: [Int: StoredVictim] = [:]
        while try statement.step() {
            let ref = statement.string(0) ?? ""
            let number = Int(ref.split(separator: "-").last ?? "") ?? -1
            result[number] = StoredVictim(
                year: statement.int(1), reportedOn: statement.string(2), country: statement.string(3) ?? "",
                state: statement.string(4), type: statement.string(5) ?? "",
                venues: (statement.string(6) ?? "").split(separator: ";").map(String.init),
                gender: statement.string(7) ?? "", ageGroup: statement.string(8) ?? "",
                citizenship: statement.string(9) ?? "", nationality: statement.string(10))
        }
        return result
    }

    // MARK: - Each layout

    @Test(arguments: layouts)
    func eachLayoutImportsOneCaseWithOneVictimPerRow(_ layout: (name: String, rows: Int)) throws {
        let path = Self.fixture(layout.name)
        let summary = try importCTDC(path)
        #expect(summary.outcome == .imported, "\(harness.log.issues.prefix(3))")
        #expect(summary.rowsRead == layout.rows && summary.casesImported == layout.rows
                && summary.victimsImported == layout.rows && summary.rowsRejected == 0)
        #expect(harness.log.issues.isEmpty)
        #expect(try harness.count("cases") == layout.rows && harness.count("victims") == layout.rows)
        #expect(try db.scalarText("SELECT profile FROM import_batches") == "ctdc")
        // case_ref = ctdc- + the first 12 hex digits of the file's sha256 + - + the row number.
        let prefix = "ctdc-" + summary.sha256.prefix(12) + "-"
        #expect(try Set(harness.caseRefs()) == Set((1...layout.rows).map { prefix + String($0) }))
        // Every case: a year, no date, no state.
        #expect(try db.scalarInt("SELECT count(*) FROM cases WHERE reported_on IS NULL AND state IS NULL "
            + "AND county_fips IS NULL AND year BETWEEN 2015 AND 2024") == Int64(layout.rows))
        #expect(try CountTable.mismatches(db) == [])
        #expect(try db.prepare("PRAGMA foreign_key_check").allRows().isEmpty)
        // Ignored columns are named once each, as warnings on line 1; nothing else is reported.
        let warned = harness.warningLocations(in: path)
        #expect(warned.contains(IssueLocation(1, "Datasource")))
        #expect(warned.contains(IssueLocation(1, "RecruiterRelationship")))
        #expect(Set(warned.map(\.column)).count == warned.count)  // once each
        #expect(!warned.contains { $0.column == "gender" || $0.column == "CountryOfExploitation" })
    }

    /// Every row is stored exactly as ``CTDCMapping`` maps it (read again here with the file's own delimiter).
    @Test(arguments: layouts)
    func everyRowIsStoredAsMapped(_ layout: (name: String, rows: Int)) throws {
        let path = Self.fixture(layout.name)
        let summary = try importCTDC(path)
        let victims = try stored(batch: try #require(summary.batchID))
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        var reader = CSVReader(bytes: bytes, delimiter: CTDCHeader.sniffDelimiter(bytes))
        let header = try #require(try reader.next())
        let mapping = CTDCMapping(
            header: try CTDCHeader(fields: (0..<header.count).map { header.string($0, encoding: .utf8) ?? "" }),
            countries: try CTDCCountries.load(db))
        var number = 0
        while let record = try reader.next() {
            number += 1
            let fields = (0..<record.count).map { record.string($0, encoding: .utf8) ?? "" }
            guard case .success(let victim) = mapping.map(fields: fields, line: record.line) else {
                Issue.record("row \(number) does not map")
                continue
            }
            let expected = StoredVictim(
                year: victim.year, reportedOn: nil, country: victim.country ?? "ZZ", state: nil,
                type: victim.traffickingType, venues: victim.venues.sorted(), gender: victim.gender.code,
                ageGroup: victim.ageGroup.code, citizenship: victim.citizenship, nationality: victim.nationality)
            #expect(victims[number] == expected, "row \(number)")
        }
        #expect(number == layout.rows)
    }

    @Test func theSemicolonCopyStoresTheSameVictimsAsTheCommaFile() throws {
        let comma = try importCTDC(Self.fixture("ctdc-global-2020.csv"))
        let semicolon = try importCTDC(Self.fixture("ctdc-global-2020-semicolon.csv"))
        #expect(comma.outcome == .imported && semicolon.outcome == .imported)
        let first = try stored(batch: try #require(comma.batchID))
        #expect(first.count == 30)
        #expect(try stored(batch: try #require(semicolon.batchID)) == first)
    }

    // MARK: - The mapping rules, in the database

    @Test func theRulesOfTheGlobalDataset() throws {
        let summary = try importCTDC(Self.fixture("ctdc-global-2020.csv"))
        let rows = try stored(batch: try #require(summary.batchID))
        func row(_ line: Int) throws -> StoredVictim { try #require(rows[line - 1], "line \(line)") }
        // Line 2: sexual only in the US, a US national, a minor; typeOfSexProstitution.
        #expect(try row(2) == StoredVictim(year: 2017, reportedOn: nil, country: "US", state: nil, type: "sex",
                                           venues: ["prostitution"], gender: "female", ageGroup: "minor",
                                           citizenship: "us_citizen_lpr", nationality: "US"))
        // Both flags: sex and labor; a Mexican national in the US is a foreign national.
        #expect(try row(3).type == "sex_and_labor" && row(3).venues == ["agriculture", "pornography"])
        #expect(try row(3).citizenship == "foreign_national" && row(3).nationality == "MX")
        // Labour only; exploited in their own country outside the US: national.
        #expect(try row(4).type == "labor" && row(4).citizenship == "national" && row(4).country == "PH")
        #expect(try row(4).venues == ["construction", "transportation"])
        #expect(try row(5).venues == ["aquafarming"] && row(5).citizenship == "foreign_national")
        // isSexAndLabour alone.
        #expect(try row(6).type == "sex_and_labor" && row(6).venues == ["domestic_work", "personal_sexual_servitude"])
        // Forced marriage and the other forms: other_exploitation; nothing set: not_specified.
        #expect(try row(7).type == "other_exploitation" && row(8).type == "other_exploitation")
        #expect(try row(8).citizenship == "national" && row(8).country == "NG")
        #expect(try row(10).type == "other_exploitation")
        // Unknown country (00) and nationality (ZZ): country ZZ, nationality NULL, citizenship unknown.
        #expect(try row(9) == StoredVictim(year: 2017, reportedOn: nil, country: "ZZ", state: nil,
                                           type: "other_exploitation", venues: [], gender: "unknown",
                                           ageGroup: "unknown", citizenship: "unknown", nationality: nil))
        // Everything -99 but the year and the country: not_specified, unknowns.
        #expect(try row(11).type == "not_specified" && row(11).gender == "unknown" && row(11).nationality == nil)
        // Begging and peddling are one venue.
        #expect(try row(12).venues == ["peddling_begging"])
        #expect(try row(15).venues == ["illicit_activities", "mining_drilling", "other_industry"])
        #expect(try row(14).venues == ["factories_manufacturing", "hospitality"])
        #expect(try row(13).venues == ["remote_interactive"])
        // Age group: majorityStatus Unknown or -99, then ageBroad; majorityStatus wins when they disagree.
        #expect(try row(16).ageGroup == "adult" && row(17).ageGroup == "minor")
        #expect(try row(18).ageGroup == "minor" && row(19).ageGroup == "adult")
        // NotSpecified flags add no venue.
        #expect(try row(20).venues.isEmpty)
        // Unknown nationality in the US: unknown citizenship.
        #expect(try row(21).citizenship == "unknown" && row(21).country == "US")
        // Nationality 00 in a known country: nationality NULL, citizenship unknown.
        #expect(try row(25).country == "PH" && row(25).nationality == nil && row(25).citizenship == "unknown")
        #expect(try row(25).ageGroup == "unknown")
    }

    @Test func theRulesOfTheSyntheticDataset() throws {
        let summary = try importCTDC(Self.fixture("ctdc-synthetic-2024.csv"))
        let rows = try stored(batch: try #require(summary.batchID))
        func row(_ line: Int) throws -> StoredVictim { try #require(rows[line - 1], "line \(line)") }
        // Alpha-3 countries are stored as alpha-2; Woman is female; a zero-padded band.
        #expect(try row(2) == StoredVictim(year: 2022, reportedOn: nil, country: "US", state: nil, type: "sex",
                                           venues: ["prostitution"], gender: "female", ageGroup: "minor",
                                           citizenship: "us_citizen_lpr", nationality: "US"))
        #expect(try row(3).gender == "male" && row(3).nationality == "PH" && row(3).citizenship == "foreign_national")
        #expect(try row(4).gender == "gender_minority" && row(4).citizenship == "national")
        // Empty means missing: majorityStatus empty, ageBroad decides; an empty nationality is unknown.
        #expect(try row(5).ageGroup == "adult" && row(5).type == "sex_and_labor")
        #expect(try row(6).nationality == nil && row(6).country == "UA" && row(6).citizenship == "unknown")
        #expect(try row(6).ageGroup == "unknown")
        #expect(try row(7).gender == "unknown" && row(7).ageGroup == "minor" && row(7).type == "other_exploitation")
        // isSlaveryAndPractices (newer releases) is another form of exploitation.
        #expect(try row(23).type == "other_exploitation" || row(8).type == "other_exploitation")
        #expect(try row(9).venues == ["mining_drilling", "other_industry", "transportation"])
        #expect(try row(16).venues == ["aquafarming", "peddling_begging"])
        // An empty country of exploitation: ZZ.
        #expect(try row(21).country == "ZZ" && row(21).nationality == "UA" && row(21).venues.isEmpty)
    }

    @Test func identicalRowsAreDifferentVictims() throws {
        let summary = try importCTDC(Self.fixture("ctdc-global-2020.csv"))
        let rows = try stored(batch: try #require(summary.batchID))
        // Lines 22–24 are identical, and so are lines 29–30.
        #expect(rows[21] != nil && rows[21] == rows[22] && rows[22] == rows[23])
        #expect(rows[28] != nil && rows[28] == rows[29])
        #expect(try db.scalarInt("SELECT count(DISTINCT case_ref) FROM cases") == 30)
        // Reports count each of them.
        let report = try Report.make(by: [.nationality], filters: ReportFilters(country: "US"),
                                     suppression: Suppression(minCount: 0), in: db, labels: Report.Labels(geography: Geography(db)))
        #expect(report.rows.first { $0.cells[0].code == "US" }?.count == 5)
    }

    // MARK: - Files

    @Test func aReimportIsRecognizedAndAnEditedCopyIsANewBatch() throws {
        let path = Self.fixture("ctdc-global-2020.csv")
        let first = try importCTDC(path)
        #expect(first.outcome == .imported)
        let again = try importCTDC(path)
        #expect(again.outcome == .alreadyImported && again.batchID == first.batchID)
        #expect(try harness.count("cases") == 30)
        // The same rows in other bytes (a blank line at the end) are another file: new references, all kept.
        let copy = try harness.write("copy.csv", bytes: try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
            + Array("\r\n".utf8))
        let second = try importCTDC(copy)
        #expect(second.outcome == .imported && second.casesImported == 30)
        #expect(try harness.count("cases") == 60 && harness.count("victims") == 60)
        #expect(try CountTable.mismatches(db) == [])
    }

    /// A small CTDC file in the synthetic layout: the header's required columns and `rows`.
    static func file(_ rows: [String], extra: String = "RecruiterRelationship") -> String {
        let header = "yearOfRegistration,gender,ageBroad,majorityStatus,citizenship,CountryOfExploitation,"
            + "isForcedLabour,isSexualExploit,isOtherExploit,isSexAndLabour,isForcedMarriage,isForcedMilitary,"
            + "isOrganRemoval,typeOfLabourAgriculture,\(extra)"
        return ([header] + rows).joined(separator: "\n") + "\n"
    }

    @Test func badRowsAreReportedWithTheirLineAndColumnAndNothingElseOfTheRow() throws {
        let text = Self.file([
            "2021,Woman,18--20,Adult,PHL,USA,1,,,,,,,1,SECRET-A",
            "2021,Woman,18--20,Adult,XYZ,USA,2,,,,,,,,SECRET-B",
            "20x1,Man,18--20,Adult,PHL,PHL,1,,,,,,,,SECRET-C",
            "2022,Man,18--20,Adult,PHL,PHL,1,,,,,,,",
        ])
        let path = try harness.write("bad.csv", text)
        let aborted = try importCTDC(path)
        #expect(aborted.outcome == .failed)
        #expect(try harness.count("cases") == 0 && harness.count("import_batches") == 0)
        let locations = harness.issueLocations(in: path).map(\.description).sorted()
        #expect(locations == [IssueLocation(3, "citizenship"), IssueLocation(3, "isForcedLabour"),
                              IssueLocation(4, "yearOfRegistration"), IssueLocation(5, "")].map(\.description).sorted())
        #expect(!harness.log.issues.contains { $0.contains("SECRET") || $0.contains("PHL") || $0.contains("Woman") })

        let rejects = harness.folder.path("bad.csv.rejects.csv")
        let skipped = try importCTDC(path) { $0.onError = .skip }
        #expect(skipped.outcome == .imported && skipped.casesImported == 1 && skipped.rowsRejected == 3)
        #expect(skipped.rowsRead == skipped.rowsImported + skipped.rowsRejected)
        let written = try String(contentsOfFile: rejects, encoding: .utf8)
        let lines = written.split(separator: "\r\n")
        #expect(lines.count == 4)
        #expect(lines.first?.hasPrefix("line,error,yearOfRegistration,") == true)
        #expect(lines.dropFirst().map { $0.prefix(2) } == ["3,", "4,", "5,"])
        #expect(try harness.caseRefs() == ["ctdc-" + skipped.sha256.prefix(12) + "-1"])
        #expect(try CountTable.mismatches(db) == [])
    }

    @Test func aFileWithoutARequiredColumnIsNotImported() throws {
        let path = try harness.write("short.csv", "yearOfRegistration,gender\n2021,Woman\n")
        let summary = try importCTDC(path)
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path).first?.line == 1)
        let skipped = try importCTDC(path) { $0.onError = .skip }
        #expect(try skipped.outcome == .failed && harness.count("cases") == 0)
        // An empty file, and NDJSON, are refused too.
        #expect(try importCTDC(try harness.write("empty.csv", "")).outcome == .failed)
        #expect(try importCTDC(try harness.write("x.csv", Self.file([])), { $0.format = .ndjson }).outcome == .failed)
    }

    @Test func aDryRunChangesNothing() throws {
        let summary = try importCTDC(Self.fixture("ctdc-synthetic-2024.csv")) { $0.dryRun = true }
        #expect(summary.outcome == .dryRun && summary.casesImported == 25)
        #expect(try harness.count("cases") == 0 && harness.count("import_batches") == 0)
    }

    // MARK: - Schema

    @Test func theSchemaRequiresAYearAndAKnownCountry() throws {
        _ = try importCTDC(Self.fixture("ctdc-synthetic-2024.csv"))
        let db = try db
        let batch = try #require(try db.scalarInt("SELECT id FROM import_batches"))
        func insert(_ sql: String) -> Bool {
            (try? db.run("INSERT INTO cases (case_ref, batch_id, trafficking_type, source_line, \(sql)", batch))
                != nil
        }
        #expect(insert("year, country) VALUES ('a', ?, 'sex', 1, 2021, 'PH')"))
        #expect(insert("year, country, state) VALUES ('b', ?, 'sex', 1, 2021, 'US', 'CA')"))
        #expect(insert("year, reported_on) VALUES ('c', ?, 'sex', 1, 2021, '2021-03-04')"))
        #expect(try db.scalarText("SELECT country FROM cases WHERE case_ref = 'c'") == "US")
        #expect(!insert("country) VALUES ('d', ?, 'sex', 1, 'PH')"))                     // no year
        #expect(!insert("year, country) VALUES ('e', ?, 'sex', 1, 2021, NULL)"))          // no country
        #expect(!insert("year, country) VALUES ('f', ?, 'sex', 1, 2021, 'XX')"))          // not a country
        #expect(!insert("year, country, state) VALUES ('g', ?, 'sex', 1, 2021, 'PH', 'CA')"))  // a state abroad
        #expect(!insert("year, reported_on) VALUES ('h', ?, 'sex', 1, 2020, '2021-03-04')"))  // another year
        #expect(!insert("year, reported_on) VALUES ('i', ?, 'sex', 1, 2021, '2021-02-30')"))  // not a date
        #expect(!insert("year, county_fips) VALUES ('j', ?, 'sex', 1, 2021, '06037')"))   // a county, no state
        #expect((try? db.run("UPDATE victims SET nationality = 'XX' WHERE id = 1")) == nil)
        let indexes = try db.prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'cases' "
            + "ORDER BY name").allRows()
        #expect(indexes == [[.text("sqlite_autoindex_cases_1")]])
    }

    // MARK: - Reports

    private func report(_ dimensions: [CaseStore.Dimension], _ filters: ReportFilters = ReportFilters())
        throws -> Report {
        try Report.make(by: dimensions, filters: filters, suppression: Suppression(minCount: 0), in: db,
                        labels: Report.Labels(geography: try Geography(db)))
    }

    private func counts(_ report: Report) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: report.rows.map { ($0.cells.map(\.code).joined(separator: "/"), $0.count) })
    }

    @Test func reportsByCountryNationalityTypeAndVenue() throws {
        _ = try importCTDC(Self.fixture("ctdc-global-2020.csv"))
        let byCountry = try report([.country])
        #expect(byCountry.unit == .cases && byCountry.total == 30)
        #expect(counts(byCountry)["US"] == 10 && counts(byCountry)["PH"] == 5 && counts(byCountry)["unknown"] == 2)
        #expect(byCountry.rows.first { $0.cells[0].code == "PH" }?.cells[0].label == "Philippines")
        #expect(byCountry.rows.first { $0.cells[0].code == "unknown" }?.cells[0].label == "Unknown")
        let byNationality = try report([.nationality])
        #expect(byNationality.unit == .victims && byNationality.total == 30)
        #expect(counts(byNationality)["unknown"] == 4 && counts(byNationality)["US"] == 5)
        #expect(byNationality.rows.first { $0.cells[0].code == "MX" }?.cells[0].label == "Mexico")
        let byType = try report([.type])
        #expect(counts(byType)["other_exploitation"] == 4 && counts(byType)["sex"] == 11)
        #expect(counts(byType)["not_specified"] == 1 && counts(byType)["labor"] == 12)
        #expect(byType.rows.first { $0.cells[0].code == "other_exploitation" }?.cells[0].label == "Other exploitation")
        let byVenue = try report([.venue])
        #expect(counts(byVenue)["prostitution"] == 6 && counts(byVenue)["aquafarming"] == 1)
        #expect(counts(byVenue)["mining_drilling"] == 1 && counts(byVenue)["transportation"] == 1)
        // State: none for CTDC cases.
        #expect(counts(try report([.state])) == ["unknown": 30])
        #expect(try report([.state]).rows.first?.cells[0].label == "Unknown")
        // Two dimensions, and the citizenship rule as a report.
        #expect(counts(try report([.country, .citizenship]))["PH/national"] == 4)
        #expect(counts(try report([.citizenship]))["national"] == 6)
        // Every report the count tables answer equals the same counted from the rows.
        #expect(try CountTable.mismatches(db) == [])
    }

    @Test func theCountryFilter() throws {
        _ = try importCTDC(Self.fixture("ctdc-global-2020.csv"))
        let geography = try Geography(db)
        for name in ["PH", "ph", "PHL", "Philippines"] {
            let filters = try ReportFilters.parse(year: nil, state: nil, county: nil, type: nil, venue: nil,
                                                  country: name, geography: geography)
            #expect(filters.country == "PH")
        }
        #expect(throws: ReportError.self) {
            try ReportFilters.parse(year: nil, state: nil, county: nil, type: nil, venue: nil, country: "Atlantis",
                                    geography: geography)
        }
        let philippines = ReportFilters(country: "PH")
        #expect(try report([.type], philippines).total == 5)
        #expect(try report([.gender], philippines).total == 5)
        #expect(try report([.venue], ReportFilters(years: 2019...2019, country: "PH")).total == 2)
        #expect(philippines.jsonMembers().map(\.0) == ["country"])
        let sheet = try FactSheet.make(filters: philippines, suppression: Suppression(minCount: 0), in: db, geography: geography)
        #expect(sheet.cases == 5 && sheet.victims == 5 && sheet.scope == "Philippines")
        #expect(sheet.text().contains("These figures describe victims identified in the CTDC data, not the full"))
    }

    @Test func hotlineAndCTDCInOneDatabase() throws {
        let rows = [ExportRow(caseID: "H1", reportedOn: "2021-03-04", state: "CA", county: "Los Angeles",
                              type: "sex", venues: "Hotel/Motel", gender: "Female")]
        #expect(try harness.importRows(rows, name: "hotline.csv").outcome == .imported)
        #expect(try importCTDC(Self.fixture("ctdc-synthetic-2024.csv")).outcome == .imported)
        #expect(counts(try report([.country]))["US"] == 1 + 8)
        #expect(try report([.type], ReportFilters(state: "CA")).total == 1)
        #expect(counts(try report([.state])) == ["CA": 1, "unknown": 25])
        #expect(try CountTable.mismatches(db) == [])

        let geography = try Geography(db)
        let sheet = try FactSheet.make(filters: ReportFilters(), suppression: Suppression(minCount: 0), in: db, geography: geography)
        #expect(sheet.sources.map(\.dataSource) == [.hotline, .ctdc])
        #expect(sheet.hasCTDCData)
        let text = sheet.text()
        #expect(text.contains("Data sources: hotline (batch 1: hotline.csv); CTDC (batch 2: ctdc-synthetic-2024.csv)."))
        #expect(text.contains(FactSheet.ctdcNote))
        #expect(text.contains("cases reported to the hotline and victims identified in the CTDC data"))
        #expect(sheet.markdown().contains(FactSheet.ctdcNote))
        #expect(sheet.html(sources: [], generatedAt: Date()).contains("CTDC (batch 2"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(sheet.json().utf8)) as? [String: Any])
        let sources = try #require(json["data_sources"] as? [[String: Any]])
        #expect(sources.map { $0["source"] as? String } == ["hotline", "ctdc"])
        #expect(sources.map { $0["profile"] as? String } == ["hotline", "ctdc"])
        #expect(json["ctdc_note"] as? String == FactSheet.ctdcNote)

        // A hotline-only scope names only the hotline, and says nothing of CTDC.
        let hotline = try FactSheet.make(filters: ReportFilters(state: "CA"), suppression: Suppression(minCount: 0), in: db,
                                         geography: geography)
        #expect(hotline.sources.map(\.batchID) == [1] && !hotline.hasCTDCData)
        #expect(!hotline.text().contains("CTDC"))
        let hotlineJSON = try #require(try JSONSerialization.jsonObject(with: Data(hotline.json().utf8)) as? [String: Any])
        #expect(hotlineJSON["ctdc_note"] is NSNull)

        // Deleting the CTDC batch leaves the hotline case and consistent counts.
        _ = try ImportBatch.delete(id: 2, from: db)
        #expect(try harness.count("cases") == 1)
        #expect(try CountTable.mismatches(db) == [])
    }

    @Test func aHotlineFileMayNotUseTheCTDCCodes() throws {
        let rows = [ExportRow(caseID: "H1", reportedOn: "2021-03-04", state: "CA", type: "other_exploitation"),
                    ExportRow(caseID: "H2", reportedOn: "2021-03-04", state: "CA", type: "labor",
                              venues: "aquafarming"),
                    ExportRow(caseID: "H3", reportedOn: "2021-03-04", state: "CA", type: "sex", gender: "female",
                              citizenship: "national")]
        let summary = try harness.importRows(rows)
        #expect(summary.outcome == .failed)
        #expect(harness.log.issues.count == 3)
    }
}
