import CaseStore
import Foundation
import SQLite
import Testing

/// `htdb report`, `htdb summary` and `htdb demo` as a user runs them.
@Suite("htdb report, summary, demo")
struct ReportCommandTests {
    let folder: TemporaryDirectory
    let db: String

    /// Eight cases: sex 5, labor 2, not specified 1; victims female 4, male 3, unknown 1.
    static let fixture = [
        "case_id,reported_on,state,county,city,trafficking_type,venues,victim_id,victim_gender,victim_age_group,"
            + "victim_age,victim_citizenship",
        "K1,2021-02-01,CA,Los Angeles,,Sex,Hotel/Motel;Online Ads,,Female,Minor,,US Citizen",
        "K2,2021-03-01,CA,Los Angeles,,Sex,Hotel/Motel,,Female,Adult,,Foreign National",
        "K2,2021-03-01,CA,Los Angeles,,Sex,Hotel/Motel,,Male,Adult,,Foreign National",
        "K3,2021-04-01,CA,San Diego,,Sex,Massage Parlor,,,,,",
        "K4,2020-05-01,CA,,,Sex,Hotel/Motel,,Female,Adult,,US Citizen",
        "K5,2021-06-01,TX,Harris,,Sex,Online Ads,,Female,Adult,,Unknown",
        "K6,2021-07-01,CA,06037,,Labor,Agriculture,,Male,Adult,,Foreign National",
        "K7,2020-08-01,TX,,,Labor,Construction,,Male,Unknown,,Unknown",
        "K8,2021-09-01,California,Los Angeles County,,Not Specified,,,Unknown,Unknown,,Unknown",
    ]

    init() throws {
        folder = try TemporaryDirectory()
        db = folder.path("cli.db")
    }

    /// Imports the fixture into `db`.
    private func importFixture() throws {
        let path = folder.path("fixture.csv")
        try Data((Self.fixture.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let result = try CLI.run(["import", path, "--db", db])
        try #require(result.status == 0, "\(result.stderr)")
    }

    private func report(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(["report"] + arguments + ["--db", db])
    }

    private func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func reportInEveryFormat() throws {
        try importFixture()
        let table = try report(["--by", "type"])
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n").map {
            $0.split(separator: "  ").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        #expect(lines.first == ["type", "cases", "percent"])
        #expect(lines.contains(["Sex", "5", "62.5"]))
        #expect(lines.contains(["Labor", "<3"]))
        #expect(lines.contains(["Not Specified", "<3"]))
        #expect(lines.contains(["Total", "8", "100.0"]))

        let csv = try report(["--by", "type", "--format", "csv"])
        #expect(csv.status == 0)
        #expect(csv.stdout == "type,type_label,count,percent\r\nsex,Sex,5,62.5\r\nlabor,Labor,<3,\r\n"
            + "not_specified,Not Specified,<3,\r\n")

        let open = try report(["--by", "type", "--format", "csv", "--min-count", "0"])
        #expect(open.stdout == "type,type_label,count,percent\r\nsex,Sex,5,62.5\r\nlabor,Labor,2,25.0\r\n"
            + "not_specified,Not Specified,1,12.5\r\n")

        let markdown = try report(["--by", "type", "--format", "markdown"])
        #expect(markdown.status == 0)
        #expect(markdown.stdout == "| type | cases | percent |\n|---|---:|---:|\n| Sex | 5 | 62.5 |\n"
            + "| Labor | <3 |  |\n| Not Specified | <3 |  |\n| **Total** | **8** | 100.0 |\n")

        let jsonResult = try report(["--by", "gender", "--format", "json"])
        #expect(jsonResult.status == 0)
        let object = try json(jsonResult.stdout)
        #expect(object["unit"] as? String == "victims")
        #expect(object["total"] as? Int == 8)
        #expect(object["min_count"] as? Int == 3)
        let rows = try #require(object["rows"] as? [[String: Any]])
        #expect(rows.map { $0["gender"] as? String } == ["female", "male", "unknown"])
        #expect(rows.map { $0["count"] as? Int } == [4, 3, nil])
        #expect(rows.map { $0["suppressed"] as? Bool } == [false, false, true])
        #expect(rows.last?["count"] is NSNull)
        #expect(rows.last?["percent"] is NSNull)
        #expect(rows.first?["percent"] as? Double == 50.0)

        let five = try report(["--by", "venue", "--format", "csv", "--min-count", "5"])
        #expect(five.stdout == [
            "venue,venue_label,count,percent", "agriculture,Agriculture/Farms/Animal Husbandry,<5,",
            "construction,Construction,<5,", "hotel_motel,Hotel/Motel-Based,<5,",
            "illicit_massage,Illicit Massage/Spa Business,<5,",
            "online_ad,Online Ad Venue Unknown,<5,",
        ].joined(separator: "\r\n") + "\r\n")
    }

    @Test func filtersOnTheCommandLine() throws {
        try importFixture()
        let county = try report(["--by", "type", "--state", "CA", "--county", "Los Angeles", "--format", "json",
                                 "--min-count", "0"])
        #expect(county.status == 0, "\(county.stderr)")
        let object = try json(county.stdout)
        #expect(object["total"] as? Int == 4)
        let filters = try #require(object["filters"] as? [String: Any])
        #expect(filters["state"] as? String == "CA")
        #expect(filters["county"] as? String == "06037")
        let byFIPS = try report(["--by", "type", "--county", "06037", "--format", "json", "--min-count", "0"])
        #expect(try json(byFIPS.stdout)["total"] as? Int == 4)

        let range = try json(try report(["--by", "year", "--year", "2020..2021", "--format", "json"]).stdout)
        #expect(range["total"] as? Int == 8)
        let years = try #require((range["filters"] as? [String: Any])?["year"] as? [String: Any])
        #expect(years["from"] as? Int == 2020)
        #expect(years["to"] as? Int == 2021)
        #expect((range["rows"] as? [[String: Any]])?.first?["year"] as? Int == 2021)

        let texas = try json(try report(["--by", "county", "--year", "2021", "--state", "Texas", "--format", "json"])
            .stdout)
        #expect(texas["total"] as? Int == 1)
        #expect((texas["filters"] as? [String: Any])?["year"] as? Int == 2021)
        let labor = try json(try report(["--by", "state", "--type", "Labor", "--format", "json"]).stdout)
        #expect(labor["total"] as? Int == 2)
        let hotel = try json(try report(["--by", "venue", "--venue", "Hotel/Motel", "--format", "json",
                                         "--min-count", "0"]).stdout)
        #expect(hotel["total"] as? Int == 3)
        let hotelRows = try #require(hotel["rows"] as? [[String: Any]])
        #expect(hotelRows.map { $0["venue"] as? String } == ["hotel_motel", "online_ad"])
        #expect(hotelRows.map { $0["percent"] as? Double } == [100.0, 33.3])
    }

    @Test func outWritesTheFile() throws {
        try importFixture()
        let out = folder.path("types.csv")
        let result = try report(["--by", "type", "--format", "csv", "--out", out])
        #expect(result.status == 0)
        #expect(result.stdout.isEmpty)
        let written = try String(contentsOfFile: out, encoding: .utf8)
        #expect(written == "type,type_label,count,percent\r\nsex,Sex,5,62.5\r\nlabor,Labor,<3,\r\n"
            + "not_specified,Not Specified,<3,\r\n")

        let sheet = folder.path("sheet.md")
        let summary = try CLI.run(["summary", "--format", "markdown", "--out", sheet, "--db", db])
        #expect(summary.status == 0)
        #expect(summary.stdout.isEmpty)
        #expect(try String(contentsOfFile: sheet, encoding: .utf8).contains("- Cases: **8**"))

        let nowhere = try report(["--by", "type", "--out", folder.path("no/such/folder/x.csv")])
        #expect(nowhere.status == 73)
    }

    @Test func badArgumentsExit64WithAMessage() throws {
        try importFixture()
        let bad: [[String]] = [
            ["--by", "colour"], ["--by", "type,type"], ["--by", ""], ["--by", "type,venue,state"],
            ["--by", "type", "--year", "20x1"], ["--by", "type", "--year", "2021..2019"],
            ["--by", "type", "--state", "ZZ"],
            ["--by", "type", "--county", "Los Angeles"],
            ["--by", "type", "--state", "CA", "--county", "48201"],
            ["--by", "type", "--state", "CA", "--county", "Harris"],
            ["--by", "type", "--type", "trafficking"], ["--by", "type", "--venue", "casino"],
            ["--by", "type", "--format", "xml"], ["--by", "type", "--min-count=-1"], ["--format", "csv"],
        ]
        for arguments in bad {
            let result = try report(arguments)
            #expect(result.status == 64, "\(arguments)")
            #expect(!result.stderr.isEmpty, "\(arguments)")
            #expect(result.stdout.isEmpty, "\(arguments)")
        }
        let colour = try report(["--by", "colour"])
        #expect(colour.stderr.contains("colour"))
        let county = try report(["--by", "type", "--county", "Los Angeles"])
        #expect(county.stderr.contains("--county"))
        let summary = try CLI.run(["summary", "--county", "Los Angeles", "--db", db])
        #expect(summary.status == 64)
        #expect(summary.stderr.contains("--county"))
    }

    @Test func aMissingDatabaseExits66() throws {
        let missing = folder.path("absent.db")
        let result = try CLI.run(["report", "--by", "type", "--db", missing])
        #expect(result.status == 66)
        #expect(result.stderr.contains("absent.db"))
        #expect(try CLI.run(["summary", "--db", missing]).status == 66)
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test func summaryOfLosAngelesOnTheCaliforniaSample() throws {
        let imported = try CLI.run(["import", sample(CaliforniaSample.fileName), "--db", db])
        try #require(imported.status == 0, "\(imported.stderr)")
        let result = try CLI.run(["summary", "--year", "2021", "--state", "CA", "--county", "Los Angeles", "--db", db])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("433 of 1,334"))
        #expect(result.stdout.contains("32.5%"))

        let json = try CLI.run(["summary", "--year", "2021", "--state", "CA", "--county", "06037", "--format", "json",
                                "--db", db])
        #expect(json.status == 0)
        let object = try self.json(json.stdout)
        #expect(object["cases"] as? Int == 433)
        #expect(object["victims"] as? Int == 500)
        let share = try #require(object["county_share"] as? [String: Any])
        #expect(share["state_cases"] as? Int == 1_334)
        #expect(share["percent"] as? Double == 32.5)

        let byCounty = try CLI.run(["report", "--by", "county", "--state", "CA", "--format", "json", "--db", db])
        let rows = try #require(try self.json(byCounty.stdout)["rows"] as? [[String: Any]])
        #expect(rows.first?["county"] as? String == "06037")
        #expect(rows.first?["count"] as? Int == 433)
        #expect(rows.first?["percent"] as? Double == 32.5)
    }

    @Test func demoPrintsTheLosAngelesFactSheetAndReusesItsDatabase() throws {
        let path = folder.path("demo.db")
        let first = try CLI.run(["demo", "--db", path])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("Los Angeles County"))
        #expect(first.stdout.contains("433 of 1,334"))
        #expect(first.stdout.contains("Cases: 433"))
        #expect(first.stdout.contains("Victims: 500"))

        let second = try CLI.run(["demo", "--db", path])
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout == first.stdout)
        let connection = try Connection(path: path, mode: .readOnly)
        #expect(try connection.scalarInt("SELECT count(*) FROM import_batches") == 1)
        #expect(try connection.scalarInt("SELECT count(*) FROM cases") == 1_334)

        let json = try CLI.run(["demo", "--db", path, "--format", "json"])
        #expect(json.status == 0)
        #expect(try self.json(json.stdout)["cases"] as? Int == 433)
    }
}
