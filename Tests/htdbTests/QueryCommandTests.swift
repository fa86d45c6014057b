import CaseStore
import Foundation
import SQLite
import Testing

@Suite("htdb query")
struct QueryCommandTests {
    let folder: TemporaryDirectory
    let db: String

    init() throws {
        folder = try TemporaryDirectory()
        db = try CLI.databaseWithSample(at: folder.path("q.db"))
    }

    private func sha256(_ path: String) throws -> String {
        SHA256.hash(Array(try Data(contentsOf: URL(fileURLWithPath: path)))).hex
    }

    private func query(_ arguments: [String]) throws -> CLI.Result {
        try CLI.run(["query"] + arguments + ["--db", db])
    }

    static let writes = [
        "INSERT INTO states (code, fips, name) VALUES ('XX', '99', 'Nowhere')",
        "UPDATE cases SET city = 'x'",
        "DELETE FROM victims",
        "DROP TABLE case_venues",
        "CREATE TABLE t (a INTEGER)",
        "CREATE TEMP TABLE t (a INTEGER)",
        "CREATE VIEW v AS SELECT 1",
        "CREATE TRIGGER tr AFTER INSERT ON cases BEGIN SELECT 1; END",
        "CREATE INDEX i ON cases (city)",
        "ATTACH DATABASE 'other.db' AS other",
        "DETACH DATABASE main",
        "PRAGMA writable_schema = 1",
        "PRAGMA journal_mode = DELETE",
        "PRAGMA user_version = 9",
        "PRAGMA foreign_keys = OFF",
        "VACUUM",
        "VACUUM INTO 'copy.db'",
        "REINDEX",
        "ANALYZE",
        "SELECT load_extension('/nonexistent/extension')",
        "WITH doomed AS (SELECT id FROM cases) DELETE FROM cases WHERE id IN (SELECT id FROM doomed)",
        "BEGIN IMMEDIATE",
        "ALTER TABLE cases ADD COLUMN x TEXT",
    ]

    @Test(arguments: writes)
    func everyWriteIsRefusedAndTheFileIsUnchanged(_ sql: String) throws {
        let before = try sha256(db)
        let result = try CLI.run(["query", sql, "--db", db], currentDirectory: folder.url)
        #expect(result.status == 77, "\(sql): \(result.stderr)")
        #expect(result.stderr.contains("refused"))
        #expect(try sha256(db) == before)
        #expect(!FileManager.default.fileExists(atPath: folder.path("copy.db")))
        #expect(!FileManager.default.fileExists(atPath: folder.path("other.db")))
    }

    @Test func readingPragmasAndSelectsWork() throws {
        let version = try query(["PRAGMA user_version", "--format", "csv"])
        #expect(version.status == 0)
        #expect(version.stdout == "user_version\r\n\(Migration.bundled.count)\r\n")
        let info = try query(["PRAGMA table_info(cases)", "--format", "ndjson"])
        #expect(info.stdout.split(separator: "\n").count == 11)  // 10 columns, and country since migration 0004
        let recursive = try query(["WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 5) SELECT sum(i) AS s FROM n", "--format", "csv"])
        #expect(recursive.stdout == "s\r\n15\r\n")
    }

    @Test func parametersBindAsNumbersOrText() throws {
        let result = try query(["SELECT :n + 1 AS a, typeof(:n) AS t1, :r * 2 AS b, typeof(:s) AS t2, :s AS s",
                                "--param", "n=41", "--param", "r=1.25", "--param", "s=007x", "--format", "csv"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "a,t1,b,t2,s\r\n42,integer,2.5,text,007x\r\n")
        let counted = try query(["SELECT count(*) AS n FROM cases WHERE year = :year", "--param", "year=2021",
                                 "--format", "csv"])
        #expect(counted.stdout == "n\r\n200\r\n")
        // Never spliced: text that looks like SQL stays text.
        let injection = try query(["SELECT :v AS v", "--param", "v=1; DROP TABLE cases", "--format", "csv"])
        #expect(injection.stdout == "v\r\n1; DROP TABLE cases\r\n")
    }

    @Test func missingUnusedAndPositionalParametersAreErrors() throws {
        let missing = try query(["SELECT :year AS y"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("year"))
        let unused = try query(["SELECT 1", "--param", "year=2021"])
        #expect(unused.status == 64)
        let positional = try query(["SELECT ?"])
        #expect(positional.status == 64)
        #expect(try query(["SELECT 1", "--param", "nonsense"]).status == 64)
    }

    @Test func sqlErrorsShowSQLitesMessage() throws {
        let result = try query(["SELECT nope FROM cases"])
        #expect(result.status == 65)
        #expect(result.stderr.contains("no such column: nope"))
        #expect(try query(["SELECT 1; SELECT 2"]).status == 65)
        #expect(try CLI.run(["query", "SELECT 1", "--db", folder.path("missing.db")]).status == 66)
    }

    @Test func aRunawayQueryIsStoppedByTheTimeout() throws {
        let started = Date()
        let result = try query(["WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) SELECT count(*) FROM r",
                                "--timeout", "1"])
        #expect(result.status == 124)
        #expect(result.stderr.contains("--timeout"))
        #expect(Date().timeIntervalSince(started) < 20)
    }

    static let valuesSQL = "SELECT NULL AS n, '' AS e, 'a,\"b\"' AS q, 'line1' || char(10) || 'line2' AS l, "
        + "'Doña Ana' AS u, x'00ff' AS b, 7 AS i, 2.5 AS r"

    @Test func csvKeepsNullDistinctFromEmptyText() throws {
        let result = try query([Self.valuesSQL, "--format", "csv"])
        #expect(result.stdout == "n,e,q,l,u,b,i,r\r\n,\"\",\"a,\"\"b\"\"\",\"line1\nline2\",Doña Ana,x'00ff',7,2.5\r\n")
    }

    @Test func jsonAndNDJSONValues() throws {
        let json = try query([Self.valuesSQL, "--format", "json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
        #expect(rows.count == 1)
        let row = rows[0]
        #expect(row["n"] is NSNull)
        #expect(row["e"] as? String == "")
        #expect(row["q"] as? String == "a,\"b\"")
        #expect(row["l"] as? String == "line1\nline2")
        #expect(row["u"] as? String == "Doña Ana")
        #expect(row["b"] as? String == "x'00ff'")
        #expect((row["i"] as? NSNumber)?.intValue == 7)
        #expect((row["r"] as? NSNumber)?.doubleValue == 2.5)
        let ndjson = try query([Self.valuesSQL, "--format", "ndjson"])
        #expect(ndjson.stdout.split(separator: "\n").count == 1)
        let empty = try query(["SELECT 1 AS a WHERE 0", "--format", "json"])
        #expect(try JSONSerialization.jsonObject(with: Data(empty.stdout.utf8)) as? [Any] != nil)
    }

    @Test func tableAndMarkdownShowNullAndHex() throws {
        let table = try query([Self.valuesSQL])
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[2].hasPrefix("NULL"))
        #expect(lines[2].contains("line1\\nline2"))
        #expect(lines[2].contains("x'00ff'"))
        let markdown = try query(["SELECT NULL AS n, 'a|b' AS p", "--format", "markdown"])
        #expect(markdown.stdout == "| n | p |\n|---|---|\n| NULL | a\\|b |\n")
    }

    /// Columns are as wide as their widest value in characters (not bytes); line breaks show as escapes (CR LF as
    /// one `\n`, a lone CR as `\r`); the last column is not padded.
    @Test func tableColumnsAreAlignedByCharacters() throws {
        let table = try query(["SELECT 'Doña Ana' AS county, 3 AS n UNION ALL SELECT 'Kern', 12 "
            + "UNION ALL SELECT 'a' || char(13, 10) || 'b', NULL UNION ALL SELECT 'c' || char(13), 0"])
        #expect(table.stdout == """
            county    n
            --------  ----
            Doña Ana  3
            Kern      12
            a\\nb      NULL
            c\\r       0

            """)
        #expect(table.stderr.contains("(4 rows)"))
    }

    @Test func rowsStreamWithoutACapAndTheTableSaysHowItSized() throws {
        let sql = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2500) SELECT i FROM n"
        let csv = try query([sql, "--format", "csv"])
        #expect(csv.stdout.split(separator: "\r\n").count == 2501)
        let table = try query([sql])
        #expect(table.stdout.split(separator: "\n").count == 2502)
        #expect(table.stderr.contains("first 1000 rows"))
    }

    @Test func outWritesAFileReadableByItsOwnerOnly() throws {
        let out = folder.path("result.csv")
        let result = try query(["SELECT 1 AS one", "--format", "csv", "--out", out])
        #expect(result.status == 0)
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "one\r\n1\r\n")
        let mode = try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }

    @Test func theSQLCanComeFromAFile() throws {
        let file = folder.path("q.sql")
        try Data("-- how many cases\nSELECT count(*) AS n FROM cases;\n".utf8).write(to: URL(fileURLWithPath: file))
        let result = try query(["--file", file, "--format", "csv"])
        #expect(result.stdout == "n\r\n200\r\n")
        #expect(try query(["SELECT 1", "--file", file]).status == 64)
    }
}
