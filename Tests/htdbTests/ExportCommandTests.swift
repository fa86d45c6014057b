import CaseStore
import Foundation
import SQLite
import Testing

@Suite("htdb export")
struct ExportCommandTests {
    let folder: TemporaryDirectory
    let db: String

    init() throws {
        folder = try TemporaryDirectory()
        db = folder.path("cli.db")
    }

    private func importSample(_ name: String = "hotline-2021.csv", into db: String) throws {
        let result = try CLI.run(["import", sample(name), "--db", db])
        try #require(result.status == 0, "\(result.stderr)")
    }

    @Test func victimsToStandardOutputAndToAFile() throws {
        try importSample(into: db)
        let out = try CLI.run(["export", "victims", "--db", db])
        #expect(out.status == 0, "\(out.stderr)")
        #expect(out.stderr.isEmpty)
        #expect(out.stdout.hasPrefix("case_id,reported_on,year,state,county_fips,city,trafficking_type,victim_id,"
            + "position,gender,gender_label,age_group,age_group_label,age,citizenship,citizenship_label\r\n"))
        let victims = try Connection(path: db, mode: .readOnly).scalarInt("SELECT count(*) FROM victims") ?? -1
        #expect(out.stdout.components(separatedBy: "\r\n").count == Int(victims) + 2)

        let file = folder.path("victims.csv")
        let toFile = try CLI.run(["export", "victims", "--out", file, "--db", db])
        #expect(toFile.status == 0, "\(toFile.stderr)")
        #expect(toFile.stdout.isEmpty)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == out.stdout)
    }

    @Test func filtersAndFormats() throws {
        try importSample(into: db)
        let all = try CLI.run(["export", "cases", "--format", "ndjson", "--db", db])
        #expect(all.status == 0, "\(all.stderr)")
        #expect(all.stdout.split(separator: "\n").count == 200)
        let texas = try CLI.run(["export", "cases", "--format", "ndjson", "--state", "Texas", "--db", db])
        let lines = texas.stdout.split(separator: "\n")
        #expect(texas.status == 0 && !lines.isEmpty && lines.count < 200)
        #expect(lines.allSatisfy { $0.contains(#""state": "TX""#) })
    }

    @Test func excelAddsAByteOrderMark() throws {
        try importSample(into: db)
        let result = try CLI.run(["export", "cases", "--excel", "--db", db])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.unicodeScalars.first == "\u{FEFF}")
        let plain = try CLI.run(["export", "cases", "--db", db])
        #expect(plain.stdout.unicodeScalars.first == "c")
    }

    @Test func hotlineRoundTripThroughTheCommandLine() throws {
        try importSample(into: db)
        try importSample("hotline-2020.ndjson", into: db)
        let file = folder.path("backup.csv")
        let export = try CLI.run(["export", "cases", "--format", "hotline", "--out", file, "--db", db])
        #expect(export.status == 0, "\(export.stderr)")
        let copy = folder.path("copy.db")
        let reimport = try CLI.run(["import", file, "--db", copy])
        #expect(reimport.status == 0, "\(reimport.stderr)")
        for by in ["type", "venue,state", "county,gender", "year,age_group", "citizenship,type"] {
            let before = try CLI.run(["report", "--by", by, "--format", "csv", "--min-count", "0", "--db", db])
            let after = try CLI.run(["report", "--by", by, "--format", "csv", "--min-count", "0", "--db", copy])
            #expect(before.status == 0 && !before.stdout.isEmpty)
            #expect(after.stdout == before.stdout, "report by \(by)")
        }
    }

    @Test func aMissingDatabaseIsNoInput() throws {
        let result = try CLI.run(["export", "cases", "--db", folder.path("missing.db"), "--out", folder.path("x.csv")])
        #expect(result.status == 66)
        #expect(!FileManager.default.fileExists(atPath: folder.path("x.csv")))
    }

    @Test(arguments: [["--year", "20x1"], ["--state", "Atlantis"], ["--county", "Nowhere"], ["--type", "fishing"],
                      ["--venue", "moon"]])
    func aBadFilterIsAUsageError(filter: [String]) throws {
        try CLI.run(["init", "--db", db])
        let result = try CLI.run(["export", "victims", "--db", db] + filter)
        #expect(result.status == 64)
        #expect(result.stdout.isEmpty)
    }

    @Test(arguments: [["--format", "ndjson", "--excel"], ["--format", "xml"], ["people"], []])
    func badOptionsAreUsageErrors(arguments: [String]) throws {
        try CLI.run(["init", "--db", db])
        let subject = arguments.first == "people" || arguments.isEmpty ? [] : ["cases"]
        let result = try CLI.run(["export"] + subject + arguments + ["--db", db])
        #expect(result.status == 64)
    }

    @Test func anUncreatableOutputFileIsCantCreate() throws {
        try CLI.run(["init", "--db", db])
        let result = try CLI.run(["export", "cases", "--db", db, "--out", folder.path("no/such/folder/x.csv")])
        #expect(result.status == 73)
        #expect(result.stderr.contains("cannot create"))
    }
}
