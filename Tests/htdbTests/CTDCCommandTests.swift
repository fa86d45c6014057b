import CaseStore
import Foundation
import SQLite
import Testing

/// The CTDC profile from the command line (issue 9): import, reports by country and nationality, the --country
/// filter, the fact sheet's data sources, and migration 0004 on an htdb 0.1.0 database.
@Suite("CTDC commands")
struct CTDCCommandTests {
    private func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// A database with the 2020 global fixture (30 victims) and, if asked, the hotline 2021 sample.
    private func database(_ folder: TemporaryDirectory, hotline: Bool = false) throws -> String {
        let db = folder.path("ctdc.db")
        let imported = try CLI.run(["import", sample("ctdc/ctdc-global-2020.csv"), "--profile", "ctdc", "--db", db])
        #expect(imported.status == 0, "\(imported.stderr)")
        if hotline { _ = try CLI.databaseWithSample(at: db) }
        return db
    }

    @Test func importReportsEachLayoutAndRecognizesAReimport() throws {
        let folder = try TemporaryDirectory()
        let db = folder.path("ctdc.db")
        for name in ["ctdc-global-2020.csv", "ctdc-synthetic-2024.csv", "ctdc-global-2020-semicolon.csv"] {
            let result = try CLI.run(["import", sample("ctdc/\(name)"), "--profile", "ctdc", "--db", db])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.contains("imported as batch"))
            #expect(result.stderr.contains(":1:Datasource: warning:"))
        }
        let again = try CLI.run(["import", sample("ctdc/ctdc-global-2020.csv"), "--profile", "ctdc", "--db", db])
        #expect(again.status == 0 && again.stderr.contains("already imported"))
        let batches = try CLI.run(["batches", "--format", "json", "--db", db])
        #expect(batches.stdout.components(separatedBy: "\"ctdc\"").count - 1 == 3)
        #expect(try CLI.run(["check", "--db", db]).status == 0)
    }

    @Test func aBadRowIsReportedAsFileLineColumnAndSkipWritesTheRejects() throws {
        let folder = try TemporaryDirectory()
        let file = folder.path("bad.csv")
        try ("yearOfRegistration,gender,ageBroad,majorityStatus,citizenship,CountryOfExploitation,isForcedLabour,"
            + "isSexualExploit,isOtherExploit,isSexAndLabour,isForcedMarriage,isForcedMilitary,isOrganRemoval\n"
            + "2021,Woman,18--20,Adult,PHL,USA,1,,,,,,\n"
            + "2021,Woman,18--20,Adult,PHL,USA,yes,,,,,,\n").write(toFile: file, atomically: true, encoding: .utf8)
        let db = folder.path("x.db")
        let aborted = try CLI.run(["import", file, "--profile", "ctdc", "--db", db])
        #expect(aborted.status == 65)
        #expect(aborted.stderr.contains("\(file):3:isForcedLabour: "))
        let skipped = try CLI.run(["import", file, "--profile", "ctdc", "--on-error", "skip", "--db", db])
        #expect(skipped.status == 0)
        #expect(skipped.stderr.contains("1 rejected"))
        #expect(FileManager.default.fileExists(atPath: file + ".rejects.csv"))
    }

    @Test func reportsByCountryAndNationalityAndTheCountryFilter() throws {
        let folder = try TemporaryDirectory()
        let db = try database(folder, hotline: true)
        let byCountry = try json(try CLI.run(["report", "--by", "country", "--min-count", "0", "--format", "json",
                                              "--db", db]).stdout)
        let rows = try #require(byCountry["rows"] as? [[String: Any]])
        // 200 hotline cases and 10 CTDC victims exploited in the US.
        #expect(rows.first?["country"] as? String == "US" && rows.first?["count"] as? Int == 210)
        #expect(rows.first?["country_label"] as? String == "United States")
        #expect(rows.contains { $0["country"] as? String == "unknown" && $0["country_label"] as? String == "Unknown" })

        let ph = try CLI.run(["report", "--by", "nationality", "--country", "Philippines", "--min-count", "0",
                              "--format", "json", "--db", db])
        #expect(ph.status == 0, "\(ph.stderr)")
        let phJSON = try json(ph.stdout)
        #expect(phJSON["unit"] as? String == "victims" && phJSON["total"] as? Int == 5)
        #expect((phJSON["filters"] as? [String: Any])?["country"] as? String == "PH")
        let nationalities = try #require(phJSON["rows"] as? [[String: Any]])
        #expect(nationalities.contains { $0["nationality"] as? String == "unknown" && $0["nationality_label"] as? String == "Unknown" })

        let byType = try CLI.run(["report", "--by", "type,venue", "--country", "PH", "--format", "csv", "--db", db])
        #expect(byType.status == 0 && byType.stdout.hasPrefix("type,type_label,venue,venue_label,count,percent"))
        let state = try CLI.run(["report", "--by", "state", "--min-count", "0", "--format", "csv", "--db", db])
        #expect(state.stdout.contains("unknown,Unknown,30,"))
        let bad = try CLI.run(["report", "--by", "type", "--country", "Atlantis", "--db", db])
        #expect(bad.status == 64 && bad.stderr.contains("--country"))
        // The export takes the filter too.
        let export = try CLI.run(["export", "victims", "--country", "PH", "--db", db])
        #expect(export.status == 0 && export.stdout.split(separator: "\r\n").count == 1 + 5)
    }

    @Test func theFactSheetNamesItsDataSources() throws {
        let folder = try TemporaryDirectory()
        let db = try database(folder, hotline: true)
        let text = try CLI.run(["summary", "--db", db])
        #expect(text.status == 0)
        #expect(text.stdout.contains("Data sources: hotline (batch 2: hotline-2021.csv); CTDC (batch 1: ctdc-global-2020.csv)."))
        #expect(text.stdout.contains("CTDC (the Counter-Trafficking Data Collaborative's global victim dataset) counts"))
        let hotlineOnly = try CLI.run(["summary", "--state", "CA", "--db", db])
        #expect(hotlineOnly.stdout.contains("Data sources: hotline (batch 2: hotline-2021.csv)."))
        #expect(!hotlineOnly.stdout.contains("CTDC"))
        let ctdc = try json(try CLI.run(["summary", "--country", "PH", "--format", "json", "--db", db]).stdout)
        #expect(ctdc["cases"] as? Int == 5)
        let sources = try #require(ctdc["data_sources"] as? [[String: Any]])
        #expect(sources.count == 1 && sources[0]["source"] as? String == "ctdc" && sources[0]["batch"] as? Int == 1)
        #expect(ctdc["ctdc_note"] is String)
        let html = try CLI.run(["summary", "--format", "html", "--db", db])
        #expect(html.stdout.contains("CTDC (batch 1: ctdc-global-2020.csv)"))
        let markdown = try CLI.run(["summary", "--format", "markdown", "--db", db])
        #expect(markdown.stdout.contains("one-victim case"))
    }

    @Test func vocabListsTheCTDCTerms() throws {
        let vocab = try CLI.run(["vocab"])
        for code in ["other_exploitation", "national", "aquafarming", "mining_drilling", "transportation",
                     "prostitution"] {
            #expect(vocab.stdout.contains(code), "\(code)")
        }
    }

    /// Migration 0004 on a database made by htdb 0.1.0: every case becomes US, and CTDC data then imports beside it.
    @Test func anOlderDatabaseTakesCTDCDataAfterMigrating() throws {
        let folder = try TemporaryDirectory()
        let copy = folder.path("old.db")
        try FileManager.default.copyItem(
            atPath: UpgradeTests.fixtures.appendingPathComponent("htdb-0.1.0.db").path, toPath: copy)
        let old = try Connection(path: copy, mode: .readOnly)
        let cases = try old.scalarInt("SELECT count(*) FROM cases")
        let victims = try old.scalarInt("SELECT count(*) FROM victims")
        let venues = try old.scalarInt("SELECT count(*) FROM case_venues")
        try old.close()
        #expect(try CLI.run(["migrate", "--db", copy]).status == 0)
        let migrated = try Connection(path: copy, mode: .readOnly)
        #expect(try migrated.scalarInt("SELECT count(*) FROM cases WHERE country = 'US' AND state IS NOT NULL")
            == cases)
        #expect(try migrated.scalarInt("SELECT count(*) FROM victims WHERE nationality IS NULL") == victims)
        #expect(try migrated.scalarInt("SELECT count(*) FROM case_venues") == venues)
        #expect(try migrated.scalarInt("SELECT count(*) FROM countries") == 250)
        try migrated.close()
        let imported = try CLI.run(["import", sample("ctdc/ctdc-synthetic-2024.csv"), "--profile", "ctdc",
                                    "--db", copy])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try CLI.run(["check", "--db", copy]).status == 0)
        let report = try CLI.run(["report", "--by", "country", "--format", "csv", "--db", copy])
        #expect(report.stdout.contains("US,United States,\(cases.map { $0 + 8 } ?? 0),"))
    }
}
