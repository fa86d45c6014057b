import CaseStore
import Foundation
import SQLite
import Testing

// MARK: - Fixture

/// Three cases that cover the awkward values: a city with a comma and quotes, a county with a diacritic
/// (Doña Ana, NM), a case with no county, city, venue or victim (NULLs), a victim without a reference, and a victim
/// whose every value is unknown.
private let fixtureRows: [ExportRow] = [
    ExportRow(caseID: "C-1", reportedOn: "2021-03-04", state: "New Mexico", county: "Doña Ana",
              city: "Las Cruces, \"Old\" Mesilla", type: "Sex Trafficking", venues: "Hotel/Motel;escort_services",
              victimID: "V1", gender: "F", age: "30", citizenship: "US Citizen"),
    ExportRow(caseID: "C-1", reportedOn: "2021-03-04", state: "New Mexico", county: "Doña Ana",
              city: "Las Cruces, \"Old\" Mesilla", type: "Sex Trafficking", venues: "Hotel/Motel;escort_services",
              gender: "Male", ageGroup: "Minor"),
    ExportRow(caseID: "C-2", reportedOn: "2020-12-31", state: "TX", type: ""),
    ExportRow(caseID: "C-3", reportedOn: "2021-01-15", state: "CA", county: "06037", city: "Los Angeles",
              type: "Labor", venues: "Agriculture", gender: "Unknown"),
]

/// A database holding the fixture.
private func fixture() throws -> ImportHarness {
    let harness = try ImportHarness()
    let summary = try harness.importRows(fixtureRows)
    #expect(summary.outcome == .imported)
    return harness
}

/// Runs `export` on the harness's database into a file and returns the file's bytes.
private func exported(_ export: CaseExport, from harness: ImportHarness, name: String = "out") throws -> [UInt8] {
    let path = harness.folder.path(name)
    try export.write(from: try harness.connection, toPath: path)
    return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
}

private func exportedText(_ export: CaseExport, from harness: ImportHarness) throws -> String {
    String(decoding: try exported(export, from: harness), as: UTF8.self)
}

/// Lines joined by CRLF, with a final CRLF (RFC 4180 as the writer writes it).
private func crlf(_ lines: [String]) -> String {
    lines.map { $0 + "\r\n" }.joined()
}

private let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

// MARK: - Formats

@Suite("Export formats")
struct ExportFormatTests {
    @Test func casesCSV() throws {
        let text = try exportedText(CaseExport(subject: .cases), from: try fixture())
        #expect(text == crlf([
            "case_id,reported_on,year,state,state_name,county_fips,county_name,city,trafficking_type,"
                + "trafficking_type_label,venues,venue_labels,victim_count,batch_id",
            "C-1,2021-03-04,2021,NM,New Mexico,35013,Doña Ana County,\"Las Cruces, \"\"Old\"\" Mesilla\",sex,Sex,"
                + "escort_services;hotel_motel,Escort Services; Hotel/Motel-Based,2,1",
            "C-2,2020-12-31,2020,TX,Texas,,,,not_specified,Not Specified,,,0,1",
            "C-3,2021-01-15,2021,CA,California,06037,Los Angeles County,Los Angeles,labor,Labor,agriculture,"
                + "Agriculture/Farms/Animal Husbandry,1,1",
        ]))
    }

    @Test func victimsCSV() throws {
        let text = try exportedText(CaseExport(subject: .victims), from: try fixture())
        #expect(text == crlf([
            "case_id,reported_on,year,state,county_fips,city,trafficking_type,victim_id,position,gender,gender_label,"
                + "age_group,age_group_label,age,citizenship,citizenship_label",
            "C-1,2021-03-04,2021,NM,35013,\"Las Cruces, \"\"Old\"\" Mesilla\",sex,V1,1,female,Female,adult,Adult,30,"
                + "us_citizen_lpr,U.S. Citizen/LPR",
            "C-1,2021-03-04,2021,NM,35013,\"Las Cruces, \"\"Old\"\" Mesilla\",sex,,2,male,Male,minor,Minor,,"
                + "unknown,Unknown",
            "C-3,2021-01-15,2021,CA,06037,Los Angeles,labor,,1,unknown,Unknown,unknown,Unknown,,unknown,Unknown",
        ]))
    }

    /// Codes everywhere, `unknown` written out, a case without victims as one row with empty victim columns.
    @Test(arguments: CaseExport.Subject.allCases)
    func hotline(subject: CaseExport.Subject) throws {
        let text = try exportedText(CaseExport(subject: subject, format: .hotline), from: try fixture())
        #expect(text == crlf([
            specHeader.joined(separator: ","),
            "C-1,2021-03-04,NM,35013,\"Las Cruces, \"\"Old\"\" Mesilla\",sex,escort_services;hotel_motel,V1,female,"
                + "adult,30,us_citizen_lpr",
            "C-1,2021-03-04,NM,35013,\"Las Cruces, \"\"Old\"\" Mesilla\",sex,escort_services;hotel_motel,,male,"
                + "minor,,unknown",
            "C-2,2020-12-31,TX,,,not_specified,,,,,,",
            "C-3,2021-01-15,CA,06037,Los Angeles,labor,agriculture,,unknown,unknown,,unknown",
        ]))
    }

    @Test func casesNDJSON() throws {
        let text = try exportedText(CaseExport(subject: .cases, format: .ndjson), from: try fixture())
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines.last == "")
        #expect(lines[1] == """
            {"case_id": "C-2", "reported_on": "2020-12-31", "year": 2020, "state": "TX", "state_name": "Texas", \
            "county_fips": null, "county_name": null, "city": null, "trafficking_type": "not_specified", \
            "trafficking_type_label": "Not Specified", "venues": [], "venue_labels": [], "victim_count": 0, \
            "batch_id": 1}
            """)
        let first = try jsonObject(lines[0])
        #expect(first["city"] as? String == "Las Cruces, \"Old\" Mesilla")
        #expect(first["county_name"] as? String == "Doña Ana County")
        #expect(first["venues"] as? [String] == ["escort_services", "hotel_motel"])
        #expect(first["venue_labels"] as? [String] == ["Escort Services", "Hotel/Motel-Based"])
        #expect(first["victim_count"] as? Int == 2)
        #expect(first["year"] as? Int == 2021)
        #expect(Set(first.keys) == Set(CaseExport(subject: .cases).columns.map(\.name)))
    }

    @Test func victimsNDJSON() throws {
        let text = try exportedText(CaseExport(subject: .victims, format: .ndjson), from: try fixture())
        let objects = try text.split(separator: "\n").map(jsonObject)
        #expect(objects.count == 3)
        #expect(objects.allSatisfy { Set($0.keys) == Set(CaseExport(subject: .victims).columns.map(\.name)) })
        #expect(objects[0]["age"] as? Int == 30)
        #expect(objects[0]["position"] as? Int == 1)
        #expect(objects[1]["victim_id"] is NSNull)
        #expect(objects[1]["age"] is NSNull)
        #expect(objects[1]["age_group"] as? String == "minor")
        #expect(objects[2]["gender_label"] as? String == "Unknown")
        #expect(objects[2]["county_fips"] as? String == "06037")
    }

    /// Line breaks (which the importer refuses in a city, so written straight into the database) are quoted in
    /// CSV and escaped in NDJSON.
    @Test func lineBreaks() throws {
        let harness = try fixture()
        try harness.connection.execute(
            "UPDATE cases SET city = 'one' || char(10) || 'two' || char(13) || char(10) || 'three' WHERE case_ref = 'C-3'")
        let csv = try exportedText(CaseExport(subject: .victims), from: harness)
        #expect(csv.hasSuffix("\r\nC-3,2021-01-15,2021,CA,06037,\"one\ntwo\r\nthree\",labor,,1,unknown,Unknown,"
            + "unknown,Unknown,,unknown,Unknown\r\n"))
        let ndjson = try exportedText(CaseExport(subject: .cases, format: .ndjson), from: harness)
        #expect(ndjson.contains(#""city": "one\ntwo\r\nthree""#))
        #expect(ndjson.split(separator: "\n").count == 3)
    }

    @Test func emptyScopeWritesTheHeaderOnly() throws {
        let harness = try fixture()
        let export = CaseExport(subject: .victims, filters: ReportFilters(state: "WY"))
        #expect(try exportedText(export, from: harness) == crlf([export.columns.map(\.name).joined(separator: ",")]))
        let ndjson = CaseExport(subject: .cases, format: .ndjson, filters: ReportFilters(state: "WY"))
        #expect(try exported(ndjson, from: harness).isEmpty)
    }

    @Test func rowCountIsReturned() throws {
        let harness = try fixture()
        let path = harness.folder.path("x.csv")
        #expect(try CaseExport(subject: .cases).write(from: try harness.connection, toPath: path) == 3)
        #expect(try CaseExport(subject: .victims).write(from: try harness.connection, toPath: path) == 3)
        #expect(try CaseExport(subject: .cases, format: .hotline).write(from: try harness.connection, toPath: path) == 4)
    }

    @Test func unwritablePathIsAnExportError() throws {
        let harness = try fixture()
        #expect(throws: ExportError.self) {
            try CaseExport(subject: .cases).write(from: try harness.connection,
                                                  toPath: harness.folder.path("missing/folder/x.csv"))
        }
    }

    private func jsonObject(_ line: Substring) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(object as? [String: Any])
    }
}

// MARK: - Excel

@Suite("Export --excel")
struct ExportExcelTests {
    static let dangerous = ["=1+2", "+1", "-1", "@SUM(A1)", "\tTab", "\rCR"]

    @Test(arguments: dangerous)
    func neutralizes(cell: String) {
        #expect(CaseExport.neutralizedForSpreadsheet(cell) == "'" + cell)
    }

    @Test(arguments: ["", "a=b", "1-2", " =x", "'=x", "Doña", "2021-03-04", "C-1"])
    func leavesOtherCellsAlone(cell: String) {
        #expect(CaseExport.neutralizedForSpreadsheet(cell) == cell)
    }

    /// Cities starting with each dangerous character, written into the database as they are.
    private func dangerousFixture() throws -> ImportHarness {
        let harness = try ImportHarness()
        let rows = Self.dangerous.indices.map { index in
            ExportRow(caseID: "E-\(index)", city: "placeholder", type: "sex")
        }
        #expect(try harness.importRows(rows).outcome == .imported)
        let update = try harness.connection.prepare("UPDATE cases SET city = ? WHERE case_ref = ?")
        for (index, city) in Self.dangerous.enumerated() { try update.run(city, "E-\(index)") }
        return harness
    }

    @Test(arguments: [CaseExport.Format.csv, .hotline])
    func byteOrderMarkAndNeutralizedCells(format: CaseExport.Format) throws {
        let harness = try dangerousFixture()
        let plain = try exported(CaseExport(subject: .cases, format: format), from: harness, name: "plain")
        let excel = try exported(CaseExport(subject: .cases, format: format, excel: true), from: harness, name: "excel")
        #expect(Array(excel.prefix(3)) == byteOrderMark)
        #expect(Array(plain.prefix(3)) != byteOrderMark)
        let text = String(decoding: excel.dropFirst(3), as: UTF8.self)
        let raw = String(decoding: plain, as: UTF8.self)
        for (index, city) in Self.dangerous.enumerated() {
            let quoted = city.first == "\r" ? "\"\(city)\"" : city
            let neutral = city.first == "\r" ? "\"'\(city)\"" : "'\(city)"
            // The case reference, date and codes around the city are untouched.
            let prefix = format == .hotline ? "E-\(index),2021-03-04,CA,," : "E-\(index),2021-03-04,2021,CA,California,,,"
            #expect(text.contains("\r\n\(prefix)\(neutral),sex,"))
            #expect(raw.contains("\r\n\(prefix)\(quoted),sex,"))
            #expect(!raw.contains("'"))
        }
        // Everything but the BOM and the inserted quotes is the same.
        #expect(text.replacingOccurrences(of: "'", with: "") == raw)
    }

    @Test func excelWithNDJSONIsRefused() throws {
        let harness = try ImportHarness()
        let export = CaseExport(subject: .cases, format: .ndjson, excel: true)
        #expect(throws: ExportError.excelNeedsCSV) { try export.validate() }
        #expect(throws: ExportError.excelNeedsCSV) {
            try export.write(from: try harness.connection, toPath: harness.folder.path("x.ndjson"))
        }
    }
}

// MARK: - Filters

@Suite("Export filters")
struct ExportFilterTests {
    /// The case references in an export's rows (first column), in order.
    private func caseIDs(_ export: CaseExport, _ harness: ImportHarness) throws -> [String] {
        try exportedText(export, from: harness).components(separatedBy: "\r\n").dropFirst().filter { !$0.isEmpty }
            .map { String($0.prefix(while: { $0 != "," })) }
    }

    @Test func filtersNarrowTheRows() throws {
        let harness = try fixture()
        let geography = try Geography(try harness.connection)
        func filters(year: String? = nil, state: String? = nil, county: String? = nil, type: String? = nil,
                     venue: String? = nil) throws -> ReportFilters {
            try ReportFilters.parse(year: year, state: state, county: county, type: type, venue: venue,
                                    geography: geography)
        }
        let all = CaseExport(subject: .cases)
        #expect(try caseIDs(all, harness) == ["C-1", "C-2", "C-3"])
        var scoped = all
        scoped.filters = try filters(year: "2021")
        #expect(try caseIDs(scoped, harness) == ["C-1", "C-3"])
        scoped.filters = try filters(year: "2019..2020")
        #expect(try caseIDs(scoped, harness) == ["C-2"])
        scoped.filters = try filters(state: "California")
        #expect(try caseIDs(scoped, harness) == ["C-3"])
        scoped.filters = try filters(state: "NM", county: "Doña Ana")
        #expect(try caseIDs(scoped, harness) == ["C-1"])
        scoped.filters = try filters(type: "labor")
        #expect(try caseIDs(scoped, harness) == ["C-3"])
        scoped.filters = try filters(venue: "Hotel/Motel")
        #expect(try caseIDs(scoped, harness) == ["C-1"])

        var victims = CaseExport(subject: .victims, filters: try filters(year: "2021", state: "NM"))
        #expect(try caseIDs(victims, harness) == ["C-1", "C-1"])
        victims.format = .hotline
        victims.filters = try filters(year: "2020")
        #expect(try caseIDs(victims, harness) == ["C-2"])
        victims.format = .ndjson
        victims.filters = try filters(venue: "agriculture")
        #expect(try exportedText(victims, from: harness).split(separator: "\n").count == 1)
    }
}

// MARK: - Round trip

/// Export `--format hotline`, import into an empty database: every report is the same.
@Suite("Export round trip")
struct ExportRoundTripTests {
    static var samplesFolder: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Samples")
    }

    enum Source: String, CaseIterable, CustomTestStringConvertible {
        case csv2021 = "hotline-2021.csv"
        case ndjson2020 = "hotline-2020.ndjson"
        case california = "hotline-2021-california.csv"
        case layout2019 = "hotline-2019.csv"
        case generated = "generated-3000-seed-5.csv"

        var testDescription: String { rawValue }
    }

    @Test(arguments: Source.allCases)
    func hotlineRoundTrip(source: Source) throws {
        let original = try ImportHarness()
        let path: String
        var profile = Profile.hotline
        switch source {
        case .generated:
            path = original.folder.path(source.rawValue)
            try SampleGenerator(cases: 3000, seed: 5).write(to: path, format: .csv)
        case .layout2019:
            path = Self.samplesFolder.appendingPathComponent(source.rawValue).path
            profile = try Profile.load(Self.samplesFolder.appendingPathComponent("profiles/hotline-2019.json").path)
        default:
            path = Self.samplesFolder.appendingPathComponent(source.rawValue).path
        }
        let first = try original.importFile(path) { $0.profile = profile }
        try #require(first.outcome == .imported, "\(original.log.issues.count) issues")

        let exportPath = original.folder.path("export.csv")
        let export = CaseExport(subject: .victims, format: .hotline)
        try export.write(from: try original.connection, toPath: exportPath)

        let copy = try ImportHarness()
        let second = try copy.importFile(exportPath)
        try #require(second.outcome == .imported, "\(copy.log.issues.count) issues")
        #expect(copy.log.warnings.isEmpty)

        for table in ["cases", "victims", "case_venues"] {
            #expect(try copy.count(table) == original.count(table), "count of \(table)")
        }
        #expect(try original.count("cases") > 100)

        let labels = Report.Labels(geography: try Geography(try original.connection))
        let suppression = Suppression(minCount: 0)
        var reports: [[CaseStore.Dimension]] = CaseStore.Dimension.allCases.map { [$0] }
        for a in CaseStore.Dimension.allCases { for b in CaseStore.Dimension.allCases where a != b { reports.append([a, b]) } }
        for dimensions in reports {
            let before = try Report.make(by: dimensions, filters: ReportFilters(), suppression: suppression,
                                         in: try original.connection, labels: labels)
            let after = try Report.make(by: dimensions, filters: ReportFilters(), suppression: suppression,
                                        in: try copy.connection, labels: labels)
            #expect(after.total == before.total, "total by \(dimensions.map(\.rawValue))")
            #expect(after.rows == before.rows, "rows by \(dimensions.map(\.rawValue))")
        }

        // A fixed point: exporting the copy gives the same bytes. And beyond reports, every stored value (ages,
        // references, positions, cities) is the same: the full case and victim extracts match byte for byte (both
        // databases hold one batch, number 1).
        for other in [export, CaseExport(subject: .cases), CaseExport(subject: .victims)] {
            let before = try exported(other, from: original, name: "before")
            let after = try exported(other, from: copy, name: "after")
            // A Bool, so a failure names the export and not the (sample) rows.
            let same = after == before
            #expect(same, "export \(other.subject) --format \(other.format) differs after the round trip")
        }
    }

    /// A filtered hotline export imports as exactly the filtered scope.
    @Test func filteredRoundTrip() throws {
        let original = try ImportHarness()
        let path = Self.samplesFolder.appendingPathComponent(Source.california.rawValue).path
        try #require(try original.importFile(path).outcome == .imported)
        let losAngeles = ReportFilters(countyFIPS: "06037")
        let exportPath = original.folder.path("la.csv")
        try CaseExport(subject: .cases, format: .hotline, filters: losAngeles)
            .write(from: try original.connection, toPath: exportPath)
        let copy = try ImportHarness()
        try #require(try copy.importFile(exportPath).outcome == .imported)
        let labels = Report.Labels(geography: try Geography(try original.connection))
        for dimension in CaseStore.Dimension.allCases {
            let before = try Report.make(by: [dimension], filters: losAngeles, suppression: .init(minCount: 0),
                                         in: try original.connection, labels: labels)
            let after = try Report.make(by: [dimension], filters: ReportFilters(), suppression: .init(minCount: 0),
                                        in: try copy.connection, labels: labels)
            #expect(after.total == before.total && after.rows == before.rows, "by \(dimension.rawValue)")
        }
        #expect(try copy.count("cases") == 433)
    }
}
