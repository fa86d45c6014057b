import CaseStore
import Foundation
import SQLite
import Testing

/// The package root, to reach Samples/.
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

func sample(_ name: String) -> String { packageRoot.appendingPathComponent("Samples/\(name)").path }

@Suite("htdb import, batches, sample")
struct ImportCommandTests {
    let folder: TemporaryDirectory
    let db: String
    static let header = "case_id,reported_on,state,county,city,trafficking_type,venues,victim_id,victim_gender,"
        + "victim_age_group,victim_age,victim_citizenship"

    init() throws {
        folder = try TemporaryDirectory()
        db = folder.path("cli.db")
    }

    private func write(_ name: String, _ lines: [String]) throws -> String {
        let path = folder.path(name)
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func count(_ sql: String) throws -> Int64 {
        try Connection(path: db, mode: .readOnly).scalarInt(sql) ?? -1
    }

    @Test func theBundledSamplesImport() throws {
        let result = try CLI.run(["import", sample("hotline-2021.csv"), sample("hotline-2020.ndjson"), "--db", db])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("imported: "))
        let old = try CLI.run(["import", sample("hotline-2019.csv"), "--profile", sample("profiles/hotline-2019.json"),
                               "--db", db])
        #expect(old.status == 0, "\(old.stderr)")
        #expect(try count("SELECT count(*) FROM import_batches WHERE rows_rejected = 0") == 3)
        #expect(try count("SELECT count(DISTINCT year) FROM cases") == 3)
        #expect(try count("SELECT count(*) FROM import_batches WHERE profile = 'hotline-2019'") == 1)
    }

    @Test func anInvalidFileExitsWithDataErrorAndNamesFileLineColumn() throws {
        let file = try write("bad.csv", [Self.header,
                                         "C1,2021-01-02,CA,,,sex,,,,,,",
                                         "C2,2021-13-02,CA,,,sex,,,,,,",
                                         "C3,2021-01-02,CA,,,sex,,,,Teen,,"])
        try CLI.run(["init", "--db", db])
        let before = databaseBytes(db)
        let result = try CLI.run(["import", file, "--db", db])
        #expect(result.status == 65)
        #expect(result.stderr.contains("\(file):3:reported_on: "))
        #expect(result.stderr.contains("\(file):4:victim_age_group: "))
        #expect(result.stderr.contains("not imported"))
        #expect(databaseBytes(db) == before)
        #expect(try count("SELECT count(*) FROM cases") == 0)
    }

    @Test func maxErrorsCapsWhatIsPrintedAndCountsTheRest() throws {
        let rows = (1...20).map { "C\($0),2021-01-02,ZZ,,,sex,,,,,," }
        let file = try write("many.csv", [Self.header] + rows)
        let result = try CLI.run(["import", file, "--db", db, "--max-errors", "5"])
        #expect(result.status == 65)
        let printed = result.stderr.split(separator: "\n").filter { $0.hasPrefix("\(file):") && $0.contains(":state: ") }
        #expect(printed.count == 5)
        #expect(result.stderr.contains("15 more problems"))
    }

    @Test func skipWritesTheDefaultRejectsFileAndImportsTheRest() throws {
        let file = try write("mixed.csv", [Self.header,
                                           "A1,2021-01-02,CA,,,sex,,V1,Female,,,",
                                           "B1,2021-01-02,CA,,,sex,,V1,Female,,130,",
                                           "A1,2021-01-02,CA,,,sex,,V2,Male,,,"])
        let result = try CLI.run(["import", file, "--db", db, "--on-error", "skip"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("1 rejected"))
        let rejects = try String(contentsOfFile: file + ".rejects.csv", encoding: .utf8)
        let lines = rejects.split(whereSeparator: \.isNewline)
        #expect(lines.count == 2)
        #expect(lines.first?.hasPrefix("line,error,case_id") == true)
        #expect(lines.last?.hasPrefix("3,") == true)
        #expect(try count("SELECT count(*) FROM victims") == 2)
        #expect(try count("SELECT rows_read - rows_imported - rows_rejected FROM import_batches") == 0)
    }

    /// A pipe cannot be read twice (hashed, then loaded): it is refused at once, and nothing waits for a writer.
    @Test func aPipeIsRefusedNotWaitedOn() throws {
        let pipe = folder.path("export.csv")
        #expect(mkfifo(pipe, 0o600) == 0)
        let result = try CLI.run(["import", pipe, "--db", db])
        #expect(result.status == 74)
        #expect(result.stderr.contains("\(pipe): cannot read: not a regular file"))
        #expect(try count("SELECT count(*) FROM import_batches") == 0)
    }

    @Test func missingFilesAndBadOptions() throws {
        let missing = try CLI.run(["import", folder.path("nope.csv"), "--db", db])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("nope.csv"))
        #expect(try CLI.run(["import", "x.csv", "--on-error", "maybe", "--db", db]).status == 64)
        #expect(try CLI.run(["import", "x.csv", "--rejects", "r.csv", "--db", db]).status == 64)
        let profile = try write("broken.json", ["{\"columns\": "])
        let broken = try CLI.run(["import", sample("hotline-2021.csv"), "--profile", profile, "--db", db])
        #expect(broken.status == 65)
        #expect(broken.stderr.contains("broken.json"))
    }

    @Test func reimportIsSkippedAndBatchesListAndDelete() throws {
        let file = sample("hotline-2021.csv")
        #expect(try CLI.run(["import", file, "--db", db]).status == 0)
        let again = try CLI.run(["import", file, "--db", db])
        #expect(again.status == 0)
        #expect(again.stderr.contains("already imported"))

        let table = try CLI.run(["batches", "--db", db])
        #expect(table.status == 0)
        #expect(table.stdout.contains("hotline-2021.csv"))
        let json = try CLI.run(["batches", "--format", "json", "--db", db])
        let batches = try JSONDecoder().decode([ImportBatch].self, from: Data(json.stdout.utf8))
        #expect(batches.count == 1)
        #expect(batches.first?.casesImported == 200)

        let deleted = try CLI.run(["batches", "delete", "\(batches.first?.id ?? 0)", "--db", db])
        #expect(deleted.status == 0)
        #expect(try count("SELECT count(*) FROM cases") == 0)
        #expect(try count("SELECT count(*) FROM victims") == 0)
        #expect(try CLI.run(["batches", "delete", "99", "--db", db]).status == 65)
        #expect(try CLI.run(["import", file, "--db", db]).status == 0)
    }

    @Test func dryRunChangesNothing() throws {
        try CLI.run(["init", "--db", db])
        let result = try CLI.run(["import", sample("hotline-2021.csv"), "--dry-run", "--db", db])
        #expect(result.status == 0)
        #expect(result.stderr.contains("dry run"))
        #expect(try count("SELECT count(*) FROM import_batches") == 0)
    }

    @Test func progressOnlyWhenAskedOrOnATerminal() throws {
        let quiet = try CLI.run(["import", sample("hotline-2021.csv"), "--db", db])
        #expect(!quiet.stderr.contains("\r"))
        #expect(quiet.stderr.contains("331 rows read, 200 cases, 323 victims, 0 rejected"))
        let forced = try CLI.run(["import", sample("hotline-2021.csv"), "--db", folder.path("p.db"), "--progress"])
        #expect(forced.status == 0)
        #expect(forced.stderr.contains("rows read"))
    }

    @Test func sampleGenerateIsDeterministicAndImportable() throws {
        let first = try CLI.run(["sample", "generate", "--cases", "50", "--seed", "9"])
        let second = try CLI.run(["sample", "generate", "--cases", "50", "--seed", "9"])
        let other = try CLI.run(["sample", "generate", "--cases", "50", "--seed", "10"])
        #expect(first.status == 0)
        #expect(first.stdout == second.stdout)
        #expect(first.stdout != other.stdout)
        let out = folder.path("gen.ndjson")
        let made = try CLI.run(["sample", "generate", "--cases", "40", "--format", "ndjson", "--year", "2020",
                                "--out", out])
        #expect(made.status == 0)
        let imported = try CLI.run(["import", out, "--db", db])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(try count("SELECT count(*) FROM cases WHERE year = 2020") == 40)
    }
}
