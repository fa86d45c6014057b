import Foundation
import SQLite
import Testing

@Suite("htdb check")
struct CheckCommandTests {
    let folder: TemporaryDirectory
    let db: String

    init() throws {
        folder = try TemporaryDirectory()
        db = try CLI.databaseWithSample(at: folder.path("c.db"))
    }

    @Test func aHealthyDatabaseIsOK() throws {
        let result = try CLI.run(["check", "--db", db])
        #expect(result.status == 0)
        #expect(result.stdout.contains(": ok"))
    }

    @Test func aForeignKeyViolationIsReported() throws {
        let connection = try Connection(path: db)
        try connection.execute("PRAGMA foreign_keys = OFF")
        try connection.execute("INSERT INTO victims (case_id, position, source_line) VALUES (999999, 1, 1)")
        try connection.close()
        let result = try CLI.run(["check", "--db", db])
        #expect(result.status == 65)
        #expect(result.stdout.contains("foreign key: victims"))
    }

    @Test func aCorruptedFileIsReported() throws {
        // Overwrite a run of bytes in the middle of the file (table and index pages), past the header.
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: db))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 8192))
        try handle.close()
        let result = try CLI.run(["check", "--db", db])
        #expect(result.status != 0)
        #expect(!(result.stdout + result.stderr).isEmpty)
    }

    @Test func notADatabaseAndMissingFiles() throws {
        let junk = folder.path("junk.db")
        try Data(String(repeating: "not a database ", count: 20).utf8).write(to: URL(fileURLWithPath: junk))
        let result = try CLI.run(["check", "--db", junk])
        #expect(result.status == 65)
        #expect(result.stderr.contains("not an SQLite database"))
        #expect(try CLI.run(["check", "--db", folder.path("none.db")]).status == 66)
    }
}
