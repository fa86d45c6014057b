import CaseStore
import Foundation
import SQLite
import Testing

/// `Samples/hotline-2021-california.csv` must reproduce the figures published about California and Los Angeles County
/// for 2021 once imported, and the committed file must be exactly what `CaliforniaSample.csv()` writes.
/// Failure messages name counts and codes only, never a row (STYLE.md: no victim values in test output).
@Suite("California 2021 sample")
struct CaliforniaSampleTests {
    static let losAngeles = "06037"

    /// The committed sample, found from this file's place in the repository.
    static var committedPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Samples")
            .appendingPathComponent(CaliforniaSample.fileName).path
    }

    /// A fresh database holding the generated sample, imported with the real importer.
    final class ImportedSample {
        let folder: TemporaryDirectory
        let database: CaseDatabase
        let summary: ImportSummary
        var issues: [String] = []
        var warnings: [String] = []

        init() throws {
            folder = try TemporaryDirectory()
            let csvPath = folder.path(CaliforniaSample.fileName)
            try Data(CaliforniaSample.csv()).write(to: URL(fileURLWithPath: csvPath))
            database = try CaseDatabase.openForWriting(at: folder.path("cases.db"))
            var options = ImportOptions()
            options.today = (2024, 6, 30)
            let importer = try Importer(database: database, options: options)
            var issues: [String] = []
            var warnings: [String] = []
            summary = try importer.importFile(
                csvPath, events: ImportEvents(issue: { issues.append($0) }, warning: { warnings.append($0) }))
            self.issues = issues
            self.warnings = warnings
        }

        var db: Connection { database.connection }

        func count(_ sql: String, _ arguments: SQLBindable?...) throws -> Int {
            let statement = try db.prepare(sql)
            try statement.bind(arguments.map { $0?.sqlValue ?? .null })
            guard try statement.step() else { return -1 }
            return statement.int(0)
        }

        /// (code, count) rows of a two-column query.
        func counts(_ sql: String, _ arguments: SQLBindable?...) throws -> [(String, Int)] {
            let statement = try db.prepare(sql)
            try statement.bind(arguments.map { $0?.sqlValue ?? .null })
            var rows: [(String, Int)] = []
            while try statement.step() { rows.append((statement.string(0) ?? "", statement.int(1))) }
            return rows
        }

        func countsByCode(_ sql: String, _ arguments: SQLBindable?...) throws -> [String: Int] {
            let statement = try db.prepare(sql)
            try statement.bind(arguments.map { $0?.sqlValue ?? .null })
            var result: [String: Int] = [:]
            while try statement.step() { result[statement.string(0) ?? ""] = statement.int(1) }
            return result
        }
    }

    // MARK: - The file

    @Test("the committed file is byte for byte what the generator writes")
    func committedFileMatchesGenerator() throws {
        let path = Self.committedPath
        let generated = CaliforniaSample.csv()
        if ProcessInfo.processInfo.environment["HTDB_REGENERATE_SAMPLES"] == "1" {
            try CaliforniaSample.write(to: path)
        }
        let committed = FileManager.default.contents(atPath: path).map { [UInt8]($0) }
        let same = committed == generated
        #expect(same, """
            Samples/\(CaliforniaSample.fileName) differs from CaliforniaSample.csv() (or is missing); regenerate it \
            with `HTDB_REGENERATE_SAMPLES=1 swift test --filter CaliforniaSample` and commit the file
            """)
    }

    @Test("the generator is deterministic and writes LF line ends only")
    func deterministic() {
        let first = CaliforniaSample.csv()
        let second = CaliforniaSample.csv()
        let same = first == second
        #expect(same)
        #expect(!first.contains(UInt8(ascii: "\r")))
        #expect(first.last == UInt8(ascii: "\n"))
    }

    @Test("the import stores every row: no rejects, issues or warnings")
    func importsCleanly() throws {
        let sample = try ImportedSample()
        #expect(sample.summary.outcome == .imported)
        #expect(sample.summary.rowsRejected == 0)
        #expect(sample.summary.rowsImported == sample.summary.rowsRead)
        #expect(sample.issues.count == 0)
        #expect(sample.warnings.count == 0)
        #expect(sample.summary.casesImported == 1_334)
    }

    @Test("cases are all California, 2021, with unique CA21- references and dates spread over the year")
    func casesAreCalifornia2021() throws {
        let sample = try ImportedSample()
        #expect(try sample.count("SELECT count(*) FROM cases WHERE state <> 'CA'") == 0)
        #expect(try sample.count("SELECT count(*) FROM cases WHERE year <> 2021 OR reported_on > '2021-12-31'") == 0)
        #expect(try sample.count("SELECT count(DISTINCT case_ref) FROM cases") == 1_334)
        #expect(try sample.count(
            "SELECT count(*) FROM cases WHERE case_ref NOT GLOB 'CA21-[0-9][0-9][0-9][0-9][0-9][0-9]'") == 0)
        #expect(try sample.count("SELECT count(DISTINCT substr(reported_on, 6, 2)) FROM cases") == 12)
        // Some cases without a county, but not many (about 10% of the non-Los Angeles ones).
        let noCounty = try sample.count("SELECT count(*) FROM cases WHERE county_fips IS NULL")
        #expect(noCounty > 45 && noCounty < 135)
        // The other big counties are there, and a long tail.
        let countyCases = try sample.countsByCode(
            "SELECT county_fips, count(*) FROM cases WHERE county_fips IS NOT NULL GROUP BY county_fips")
        for fips in ["06073", "06059", "06065", "06071", "06067", "06001", "06085", "06019", "06029"] {
            #expect((countyCases[fips] ?? 0) >= 20, "county \(fips)")
        }
        #expect(countyCases.count >= 30)
    }

    @Test("the file writes counties, states and labels in every accepted way")
    func variedSpellings() throws {
        let text = String(decoding: CaliforniaSample.csv(), as: UTF8.self)
        for fragment in [",CA,", ",California,", ",Los Angeles,", ",Los Angeles County,", ",06037,",
                         ",LOS ANGELES COUNTY,", ",los angeles,", "illicit_massage", "Massage Parlor", ";"] {
            #expect(text.contains(fragment), "missing \(fragment)")
        }
    }

    // MARK: - Published figures

    @Test("California: 1,334 cases, 433 (32.5%) in Los Angeles County")
    func californiaTotals() throws {
        let sample = try ImportedSample()
        let total = try sample.count("SELECT count(*) FROM cases WHERE state = 'CA' AND year = 2021")
        let losAngeles = try sample.count("SELECT count(*) FROM cases WHERE county_fips = ?", Self.losAngeles)
        #expect(total == 1_334)
        #expect(losAngeles == 433)
        #expect((Double(losAngeles) / Double(total) * 1000).rounded() / 10 == 32.5)
    }

    @Test("Los Angeles County cases by type: sex 342, labor 39, sex and labor 52")
    func losAngelesTypes() throws {
        let sample = try ImportedSample()
        let types = try sample.countsByCode(
            "SELECT trafficking_type, count(*) FROM cases WHERE county_fips = ? GROUP BY trafficking_type",
            Self.losAngeles)
        #expect(types == ["sex": 342, "labor": 39, "sex_and_labor": 52])
    }

    @Test("Los Angeles County victims: 500; gender, citizenship and age group as published")
    func losAngelesVictims() throws {
        let sample = try ImportedSample()
        let laVictims = "FROM victims x JOIN cases c ON c.id = x.case_id WHERE c.county_fips = ?"
        #expect(try sample.count("SELECT count(*) \(laVictims)", Self.losAngeles) == 500)
        #expect(try sample.countsByCode("SELECT x.gender, count(*) \(laVictims) GROUP BY x.gender", Self.losAngeles)
                == ["female": 435, "male": 55, "gender_minority": 10])
        #expect(try sample.countsByCode(
            "SELECT x.citizenship, count(*) \(laVictims) GROUP BY x.citizenship", Self.losAngeles)
                == ["us_citizen_lpr": 245, "foreign_national": 180, "unknown": 75])
        #expect(try sample.countsByCode("SELECT x.age_group, count(*) \(laVictims) GROUP BY x.age_group",
                                        Self.losAngeles) == ["minor": 120, "adult": 380])
        // Ages and groups agree (the schema checks it too), and ages are plausible.
        #expect(try sample.count(
            "SELECT count(*) \(laVictims) AND x.age IS NOT NULL AND (x.age < 10 OR x.age > 80)", Self.losAngeles) == 0)
        // Realistic spread: most cases 1-2 victims, some 3+, a few with none.
        let perCase = try sample.countsByCode(
            """
            SELECT min(n, 3), count(*) FROM (
                SELECT (SELECT count(*) FROM victims x WHERE x.case_id = c.id) AS n FROM cases c WHERE county_fips = ?)
            GROUP BY min(n, 3)
            """, Self.losAngeles)
        #expect((perCase["0"] ?? 0) > 0)
        #expect((perCase["1"] ?? 0) + (perCase["2"] ?? 0) > 350)
        #expect((perCase["3"] ?? 0) > 0)
    }

    @Test("Los Angeles County top sex venues: illicit massage, hotel/motel, pornography, residential")
    func losAngelesSexVenues() throws {
        let sample = try ImportedSample()
        let ranking = try sample.counts(
            """
            SELECT v.code, count(*) AS n FROM case_venues cv
            JOIN cases c ON c.id = cv.case_id JOIN venues v ON v.id = cv.venue_id
            WHERE c.county_fips = ? AND c.trafficking_type IN ('sex', 'sex_and_labor') AND v.kind = 'sex'
            GROUP BY v.code ORDER BY n DESC, v.code
            """, Self.losAngeles)
        try #require(ranking.count > 4)
        #expect(ranking.prefix(4).map(\.0) == ["illicit_massage", "hotel_motel", "pornography", "residential"])
        let top = ranking.prefix(5).map(\.1)
        #expect(zip(top, top.dropFirst()).allSatisfy { $0 > $1 }, "counts \(top) are not strictly decreasing")
    }

    @Test("Los Angeles County top labor industries: construction, agriculture, domestic work")
    func losAngelesLaborIndustries() throws {
        let sample = try ImportedSample()
        let ranking = try sample.counts(
            """
            SELECT v.code, count(*) AS n FROM case_venues cv
            JOIN cases c ON c.id = cv.case_id JOIN venues v ON v.id = cv.venue_id
            WHERE c.county_fips = ? AND c.trafficking_type IN ('labor', 'sex_and_labor') AND v.kind = 'labor'
            GROUP BY v.code ORDER BY n DESC, v.code
            """, Self.losAngeles)
        try #require(ranking.count > 3)
        #expect(ranking.prefix(3).map(\.0) == ["construction", "agriculture", "domestic_work"])
        let top = ranking.prefix(4).map(\.1)
        #expect(zip(top, top.dropFirst()).allSatisfy { $0 > $1 }, "counts \(top) are not strictly decreasing")
    }

    @Test("other counties have every type, unknown values and several venues per case")
    func otherCountiesVary() throws {
        let sample = try ImportedSample()
        let elsewhere = "c.county_fips IS NULL OR c.county_fips <> '06037'"
        #expect(try sample.count(
            "SELECT count(DISTINCT trafficking_type) FROM cases c WHERE \(elsewhere)") == 4)
        for column in ["gender", "age_group", "citizenship"] {
            // `column` is one of the three names above, never input.
            let sql = """
                SELECT count(*) FROM victims x JOIN cases c ON c.id = x.case_id
                WHERE (\(elsewhere)) AND x.\(column) = 'unknown'
                """
            #expect(try sample.count(sql) > 0, "no unknown \(column)")
        }
        #expect(try sample.count(
            "SELECT count(*) FROM (SELECT case_id FROM case_venues GROUP BY case_id HAVING count(*) > 1)") > 50)
    }
}
