import CaseStore
import Foundation
import SQLite
import Testing

/// "Prove it loses nothing": every file of the malformed-input corpus (`Fixtures/malformed/`, see its README.md, plus
/// three big files generated at run time) is imported into a database that already holds one batch. Under the default
/// `--on-error abort` the CLI must exit 65 (never crash), name the file and a line, and leave the database file byte
/// for byte as it was; under `--on-error skip` the file is either refused whole or every row is accounted for.
@Suite("Malformed input: the corpus never crashes, never half-imports, never loses a row")
struct MalformedInputTests {
    static let corpus = packageRoot.appendingPathComponent("Tests/htdbTests/Fixtures/malformed")

    /// Every committed fixture (README.md aside).
    static let fixtures: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: corpus.path)) ?? []
        return names.filter { $0 != "README.md" }.sorted()
    }()

    /// The line each file's first problem is reported on (`FILE:LINE`); file-level problems report line 1 or the
    /// line where the syntax error starts.
    static let expectedLine: [String: Int] = [
        "age-group-unknown.csv": 3, "age-negative.csv": 3, "age-not-a-number.csv": 3, "age-not-whole.csv": 3,
        "age-out-of-range.csv": 3, "age-vs-age-group.csv": 3, "binary-garbage.csv": 1, "case-columns-disagree.csv": 4,
        "case-id-too-long.csv": 3, "citizenship-unknown.csv": 3, "city-too-long.csv": 3,
        "county-of-another-state.csv": 3, "county-unknown.csv": 3, "csv-bare-quote.csv": 3,
        "csv-char-after-closing-quote.csv": 3, "csv-unterminated-quote-eof.csv": 3,
        "csv-unterminated-quote-midfile.csv": 3, "date-bad-format.csv": 3, "date-before-2000.csv": 3,
        "date-future.csv": 3, "date-impossible.csv": 3, "empty.csv": 1, "gender-unknown.csv": 3,
        "header-duplicated-case.csv": 1, "header-duplicated.csv": 1, "header-missing-case-id.csv": 1,
        "header-missing-reported-on.csv": 1, "header-missing-state.csv": 1, "header-missing-trafficking-type.csv": 1,
        "header-only.csv": 0, "ndjson-not-an-object.ndjson": 2, "ndjson-number-for-string.ndjson": 2,
        "ndjson-same-case-twice.ndjson": 3, "ndjson-syntax-error.ndjson": 2, "ndjson-venues-not-array.ndjson": 2,
        "ndjson-victims-not-array.ndjson": 2, "nul-bytes.csv": 3, "profile-broken.json": 1,
        "row-too-few-fields.csv": 3, "row-too-many-fields.csv": 3, "state-unknown.csv": 3, "type-unknown.csv": 3,
        "utf8-invalid.csv": 3, "utf8-truncated-eof.csv": 3, "venue-unknown.csv": 3, "victim-id-repeated.csv": 4,
        "victim-id-too-long.csv": 3,
        // Generated at run time.
        "big-field-10mib.csv": 3, "big-quoted-field-unterminated.csv": 3, "header-100000-columns-duplicate.csv": 1,
    ]

    /// Problems that stop the whole file, also under `--on-error skip`.
    static let fileLevel: Set<String> = [
        "binary-garbage.csv", "csv-bare-quote.csv", "csv-char-after-closing-quote.csv",
        "csv-unterminated-quote-eof.csv", "csv-unterminated-quote-midfile.csv", "empty.csv",
        "header-duplicated-case.csv", "header-duplicated.csv", "header-missing-case-id.csv",
        "header-missing-reported-on.csv", "header-missing-state.csv", "header-missing-trafficking-type.csv",
        "profile-broken.json", "big-quoted-field-unterminated.csv", "header-100000-columns-duplicate.csv",
    ]

    static let header = "case_id,reported_on,state,county,city,trafficking_type,venues,victim_id,victim_gender,"
        + "victim_age_group,victim_age,victim_citizenship"

    let folder: TemporaryDirectory

    init() throws { folder = try TemporaryDirectory() }

    @Test func theCorpusHasAtLeastFortyFilesEachWithAnExpectation() {
        #expect(Self.fixtures.count >= 40)
        for name in Self.fixtures { #expect(Self.expectedLine[name] != nil, "no expectation for \(name)") }
        let readme = (try? String(contentsOf: Self.corpus.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
        for name in Self.fixtures { #expect(readme.contains("`\(name)`"), "README.md does not list \(name)") }
    }

    @Test(arguments: fixtures)
    func aCommittedMalformedFile(name: String) throws {
        let path = Self.corpus.appendingPathComponent(name).path
        if name == "profile-broken.json" {
            // A broken profile, given with a valid CSV: the profile is named, the CSV never read.
            try check(name: name, input: sample("hotline-2021.csv"), extra: ["--profile", path], namedFile: path)
        } else {
            try check(name: name, input: path)
        }
    }

    /// Too big to commit: written into the test's temporary folder.
    @Test(arguments: ["big-field-10mib.csv", "big-quoted-field-unterminated.csv", "header-100000-columns-duplicate.csv"])
    func aGeneratedMalformedFile(name: String) throws {
        let path = folder.path(name)
        var data = Data((Self.header + "\nB-1,2021-01-01,CA,,,Sex,,,,,,\n").utf8)
        switch name {
        case "big-field-10mib.csv":
            // A 10 MiB city: far beyond 128 characters; the row is rejected, the reader copes.
            data.append(Data("B-2,2021-01-01,CA,,".utf8))
            data.append(Data(repeating: UInt8(ascii: "x"), count: 10 * 1024 * 1024))
            data.append(Data(",Sex,,,,,,\n".utf8))
        case "big-quoted-field-unterminated.csv":
            // A quote opened on line 3 and never closed: 10 MiB of commas and line breaks swallowed.
            data.append(Data("B-2,2021-01-01,CA,,\"".utf8))
            data.append(Data(String(repeating: "x,\n", count: 10 * 1024 * 1024 / 3).utf8))
        default:
            // 100,000 columns, the last one a second case_id: a duplicated header.
            let extra = (0..<(100_000 - 13)).map { "extra_\($0)" }.joined(separator: ",")
            data = Data((Self.header + "," + extra + ",Case_ID\n").utf8)
            data.append(Data(("B-1,2021-01-01,CA,,,Sex,,,,,," + String(repeating: ",", count: 100_000 - 12) + "\n").utf8))
        }
        try data.write(to: URL(fileURLWithPath: path))
        try check(name: name, input: path)
    }

    /// Not a defect: a header of 100,000 columns of which the spec names 12 imports; each unknown column is a warning.
    @Test func aHeaderOfOneHundredThousandColumnsIsReadAndItsUnknownColumnsIgnored() throws {
        let path = folder.path("wide.csv")
        let extra = (0..<(100_000 - 12)).map { "extra_\($0)" }.joined(separator: ",")
        try Data((Self.header + "," + extra + "\nB-1,2021-01-01,CA,,,Sex,,,,,," + String(repeating: ",", count: 100_000 - 12)
            + "\n").utf8).write(to: URL(fileURLWithPath: path))
        let db = try databaseWithEarlierBatch("wide.db")
        let result = try CLI.run(["import", path, "--db", db, "--no-progress"])
        #expect(result.status == 0, "\(result.stderr.suffix(500))")
        // The first warnings are printed, the rest counted (--max-errors applies to warnings too).
        #expect(result.stderr.contains("\(path):1:extra_0: warning: unknown column"))
        #expect(result.stderr.contains("and 99938 more warnings"))
        #expect(try Connection(path: db, mode: .readOnly).scalarInt("SELECT count(*) FROM cases") == 201)
    }

    // MARK: - The checks

    /// A fresh database holding the 2021 sample (200 cases, batch 1).
    private func databaseWithEarlierBatch(_ name: String) throws -> String {
        let path = folder.path(name)
        let result = try CLI.run(["import", sample("hotline-2021.csv"), "--db", path, "--no-progress"])
        try #require(result.status == 0, "\(result.stderr)")
        return path
    }

    private func check(name: String, input: String, extra: [String] = [], namedFile: String? = nil) throws {
        let line = try #require(Self.expectedLine[name], "no expected line for \(name)")
        let named = namedFile ?? input
        let headerOnly = name == "header-only.csv"

        // --on-error abort (the default): exit 65, FILE:LINE named, the database file byte for byte unchanged but
        // for SQLite's two header counters that the import's change of journal mode moves (`databaseBytes`).
        let db = try databaseWithEarlierBatch("abort.db")
        let before = databaseBytes(db)
        let abort = try CLI.run(["import", input, "--db", db, "--no-progress"] + extra)
        noCrash(abort, name)
        if headerOnly {
            #expect(abort.status == 0, "\(name): \(abort.stderr)")
            let batch = try Connection(path: db, mode: .readOnly)
            #expect(try batch.scalarInt("SELECT count(*) FROM import_batches") == 2)
            #expect(try batch.scalarInt("SELECT rows_read FROM import_batches WHERE id = 2") == 0)
            #expect(try batch.scalarInt("SELECT count(*) FROM cases") == 200)
        } else {
            #expect(abort.status == 65, "\(name): \(abort.stderr.prefix(1000))")
            #expect(abort.stderr.contains("\(named):\(line):"), "\(name): \(abort.stderr.prefix(1000))")
            #expect(databaseBytes(db) == before, "\(name): the database file changed")
            #expect(try Connection(path: db, mode: .readOnly).scalarInt("SELECT count(*) FROM cases") == 200)
        }

        // --on-error skip, into another fresh database.
        let skipDB = try databaseWithEarlierBatch("skip.db")
        let skipBefore = databaseBytes(skipDB)
        let rejects = folder.path("rejects.csv")
        let skip = try CLI.run(["import", input, "--db", skipDB, "--no-progress", "--on-error", "skip",
                                "--rejects", rejects] + extra)
        noCrash(skip, name)
        if Self.fileLevel.contains(name) {
            // Refused whole.
            #expect(skip.status == 65, "\(name): \(skip.stderr.prefix(1000))")
            #expect(skip.stderr.contains("\(named):\(line):"), "\(name): \(skip.stderr.prefix(1000))")
            #expect(databaseBytes(skipDB) == skipBefore, "\(name): the database changed")
            return
        }
        // Every row accounted for: stored or in the rejects file with its reason.
        #expect(skip.status == 0, "\(name): \(skip.stderr.prefix(1000))")
        let batches = try Connection(path: skipDB, mode: .readOnly)
        #expect(try batches.scalarInt("SELECT count(*) FROM import_batches") == 2, "\(name)")
        #expect(try batches.scalarInt("SELECT count(*) FROM cases WHERE batch_id = 1") == 200, "\(name)")
        let read = try batches.scalarInt("SELECT rows_read FROM import_batches WHERE id = 2") ?? -1
        let imported = try batches.scalarInt("SELECT rows_imported FROM import_batches WHERE id = 2") ?? -1
        let rejected = try batches.scalarInt("SELECT rows_rejected FROM import_batches WHERE id = 2") ?? -1
        #expect(read == imported + rejected, "\(name)")
        let inputData = try Data(contentsOf: URL(fileURLWithPath: input))
        let isCSV = !input.hasSuffix(".ndjson")
        #expect(read == Self.records(inputData, csv: isCSV) - (isCSV ? 1 : 0), "\(name): rows read is not every row of the file")
        if headerOnly {
            #expect(read == 0)
            return
        }
        #expect(rejected >= 1, "\(name): nothing was rejected")
        let rejectsData = try Data(contentsOf: URL(fileURLWithPath: rejects))
        #expect(Int64(Self.records(rejectsData) - 1) == rejected, "\(name): rejects file and batch record disagree")
    }

    private func noCrash(_ result: CLI.Result, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        // Exit statuses from a signal are the signal's number (< 65); 0 and 65 are the only expected ones.
        #expect(result.status == 0 || result.status >= 64, "\(name): status \(result.status)", sourceLocation: sourceLocation)
        #expect(!result.stderr.contains("Fatal error"), "\(name) crashed", sourceLocation: sourceLocation)
    }

    /// Non-blank records of a CSV (quote-aware: a line break inside quotes is data) or NDJSON file.
    static func records(_ data: Data, csv: Bool = true) -> Int64 {
        var count: Int64 = 0
        var quoted = false
        var lineHasContent = false
        var previousCR = false
        for byte in data {
            if csv && byte == UInt8(ascii: "\"") { quoted.toggle() }
            if !quoted && (byte == 10 || byte == 13) {
                if byte == 10 && previousCR { previousCR = false; continue }
                if lineHasContent { count += 1 }
                lineHasContent = false
                previousCR = byte == 13
                continue
            }
            previousCR = false
            if byte != 32 && byte != 9 { lineHasContent = true }
        }
        if lineHasContent { count += 1 }
        return count
    }
}
