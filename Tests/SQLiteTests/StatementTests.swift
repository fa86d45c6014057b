import Foundation
import SQLite
import Testing

@Suite("Statement")
struct StatementTests {
    let folder: TemporaryDirectory
    let db: Connection

    init() throws {
        folder = try TemporaryDirectory()
        db = try Connection(path: folder.path("test.db"))
        try db.execute("CREATE TABLE t (v ANY) STRICT")
    }

    /// Inserts `value` bound by index, reads it back, and returns what came back with its storage class.
    private func roundTrip(_ value: SQLBindable?) throws -> (SQLValue, String) {
        try db.execute("DELETE FROM t")
        let insert = try db.prepare("INSERT INTO t (v) VALUES (?)")
        try insert.bind(value, at: 1)
        try insert.run()
        let select = try db.prepare("SELECT v, typeof(v) FROM t")
        #expect(try select.step())
        return (select.value(0), select.string(1) ?? "")
    }

    @Test func everyBindTypeRoundTrips() throws {
        #expect(try roundTrip(Int64.max) == (.integer(Int64.max), "integer"))
        #expect(try roundTrip(Int64.min) == (.integer(Int64.min), "integer"))
        #expect(try roundTrip(42) == (.integer(42), "integer"))
        #expect(try roundTrip(2.5) == (.real(2.5), "real"))
        #expect(try roundTrip("text") == (.text("text"), "text"))
        #expect(try roundTrip("") == (.text(""), "text"))
        #expect(try roundTrip(Data([0, 1, 2, 255])) == (.blob(Data([0, 1, 2, 255])), "blob"))
        #expect(try roundTrip(Data()) == (.blob(Data()), "blob"))
        #expect(try roundTrip(true) == (.integer(1), "integer"))
        #expect(try roundTrip(false) == (.integer(0), "integer"))
        #expect(try roundTrip(nil) == (.null, "null"))
        #expect(try roundTrip(Optional<String>.none) == (.null, "null"))
        #expect(try roundTrip(SQLValue.real(-0.125)) == (.real(-0.125), "real"))
    }

    @Test func textWithNULBytesAndNonASCIISurvivesWhole() throws {
        let samples = ["a\u{0}b", "\u{0}", "Doña Ana — 東京 🇺🇸", "tail\u{0}\u{0}", "e\u{301}"]
        for sample in samples {
            let (value, type) = try roundTrip(sample)
            #expect(value == .text(sample))
            #expect(type == "text")
            #expect(try db.scalarInt("SELECT length(CAST(v AS BLOB)) FROM t") == Int64(sample.utf8.count))
        }
    }

    @Test func bindByNameAndReuse() throws {
        let insert = try db.prepare("INSERT INTO t (v) VALUES (:value)")
        #expect(insert.parameterCount == 1)
        #expect(insert.parameterName(1) == ":value")
        for number in 1...5 {
            try insert.bind(number, named: ":value")
            try insert.run()
        }
        #expect(try db.scalarInt("SELECT sum(v) FROM t") == 15)
        let error = #expect(throws: SQLiteError.self) { try insert.bind(1, named: ":nope") }
        #expect(error?.primaryCode == SQLiteError.range)
    }

    @Test func bindArraysMustMatchTheParameterCount() throws {
        let insert = try db.prepare("INSERT INTO t (v) VALUES (?)")
        #expect(throws: SQLiteError.self) { try insert.bind([1, 2]) }
        try insert.bind(named: [:])
        try insert.run(7)
        #expect(try db.scalarInt("SELECT v FROM t") == 7)
    }

    @Test func clearBindingsSetsNull() throws {
        let insert = try db.prepare("INSERT INTO t (v) VALUES (?)")
        try insert.bind("x", at: 1)
        try insert.clearBindings()
        try insert.run()
        #expect(try db.scalarInt("SELECT count(*) FROM t WHERE v IS NULL") == 1)
    }

    @Test func stepsThroughRowsAndResets() throws {
        try db.execute("INSERT INTO t VALUES (1), (2), (3)")
        let select = try db.prepare("SELECT v FROM t ORDER BY v")
        var seen: [Int64] = []
        while try select.step() { seen.append(select.int64(0)) }
        #expect(seen == [1, 2, 3])
        try select.reset()
        #expect(try select.step())
        #expect(select.int64(0) == 1)
        #expect(select.columnCount == 1)
        #expect(select.columnName(0) == "v")
        try select.reset()
        #expect(try select.allRows().count == 3)
    }

    @Test func rowsAsValues() throws {
        try db.execute("INSERT INTO t VALUES (1), ('a'), (NULL), (x'00ff'), (1.5)")
        let rows = try db.prepare("SELECT v FROM t ORDER BY rowid").allRows()
        #expect(rows == [[.integer(1)], [.text("a")], [.null], [.blob(Data([0, 255]))], [.real(1.5)]])
    }

    @Test func errorsCarryCodesButNeverBoundValues() throws {
        try db.execute("CREATE TABLE people (name TEXT UNIQUE, age INTEGER CHECK (age >= 0)) STRICT")
        let insert = try db.prepare("INSERT INTO people (name, age) VALUES (?, ?)")
        try insert.run("Jane Victim-Name", 30)
        let unique = #expect(throws: SQLiteError.self) { try insert.run("Jane Victim-Name", 31) }
        #expect(unique?.extendedCode == SQLiteError.constraintUnique)
        #expect(unique?.primaryCode == SQLiteError.constraint)
        #expect(unique?.sql == "INSERT INTO people (name, age) VALUES (?, ?)")
        #expect(unique.map { "\($0)".contains("Jane") } == false)

        let check = #expect(throws: SQLiteError.self) { try insert.run("Secret Other-Name", -7) }
        #expect(check?.extendedCode == SQLiteError.constraintCheck)
        #expect(check.map { "\($0)".contains("Secret") || "\($0)".contains("-7") } == false)

        let strict = #expect(throws: SQLiteError.self) { try insert.run("Private", "not a number") }
        #expect(strict?.extendedCode == SQLiteError.constraintDataType)
        #expect(strict.map { "\($0)".contains("not a number") || "\($0)".contains("Private") } == false)

        // After a failed step the statement is usable again.
        try insert.run("Someone else", 5)
        #expect(try db.scalarInt("SELECT count(*) FROM people") == 2)
    }

    @Test func syntaxErrorsNameTheSQL() throws {
        let error = #expect(throws: SQLiteError.self) { try db.prepare("SELEC 1") }
        #expect(error?.primaryCode == SQLiteError.error)
        #expect(error?.sql == "SELEC 1")
        #expect(error?.message.contains("syntax error") == true)
    }
}
