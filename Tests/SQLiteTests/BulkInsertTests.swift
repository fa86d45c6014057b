import Foundation
import SQLite
import Testing

@Suite("BulkInsert")
struct BulkInsertTests {
    let folder: TemporaryDirectory
    let db: Connection

    init() throws {
        folder = try TemporaryDirectory()
        db = try Connection(path: folder.path("test.db"))
        // length() in a CHECK reads each text through sqlite3_value_text, the path the NUL-terminated binding serves.
        try db.execute("""
            CREATE TABLE t (n INTEGER NOT NULL, s TEXT CHECK (s IS NULL OR length(s) <= 40), i INTEGER) STRICT
            """)
    }

    private func rows() throws -> [[SQLValue]] {
        try db.prepare("SELECT n, s, i FROM t ORDER BY n").allRows()
    }

    /// Either way text is bound (NUL-terminated, or with its length for loads without CHECK constraints), every
    /// value is stored as given; with CHECK constraints on, the CHECK's length() reads it both ways too.
    @Test(arguments: [false, true])
    func rowsOfEveryKindRoundTripAcrossSeveralStatements(bindsTextLength: Bool) throws {
        let insert = BulkInsert(db, "INSERT INTO t (n, s, i)", columns: 3, rowsPerStatement: 4,
                                bindsTextLength: bindsTextLength)
        let texts: [String?] = ["", "a", "héllo wörld", "a\u{0}b", "\u{0}", "tail\u{0}", nil, "0123456789abcdef0123",
                                "😀", "x"]
        for (n, text) in texts.enumerated() {
            insert.append(Int64(n))
            insert.append(text: text)
            insert.append(n % 3 == 0 ? nil : Int64(n * 10))
        }
        #expect(insert.pendingRows == texts.count)
        try insert.flush()
        #expect(insert.pendingRows == 0)
        let expected: [[SQLValue]] = texts.enumerated().map { n, text in
            [.integer(Int64(n)), text.map(SQLValue.text) ?? .null, n % 3 == 0 ? .null : .integer(Int64(n * 10))]
        }
        #expect(try rows() == expected)
        // Text with a NUL inside keeps every byte (it is bound by its length, not up to the NUL).
        #expect(try db.scalarInt("SELECT length(CAST(s AS BLOB)) FROM t WHERE n = 3") == 3)
        #expect(try db.scalarInt("SELECT length(CAST(s AS BLOB)) FROM t WHERE n = 5") == 5)
    }

    @Test func textFromBytesAndSQLValuesIsStoredAsGiven() throws {
        let insert = BulkInsert(db, "INSERT INTO t (n, s, i)", columns: 3)
        let bytes: [UInt8] = Array("bytes".utf8)
        bytes.withUnsafeBufferPointer { buffer in
            insert.append(Int64(1))
            insert.append(utf8: buffer)
            insert.appendNull()
        }
        insert.append(.integer(2))
        insert.append(.text("value"))
        insert.append(.null)
        try insert.flush()
        #expect(try rows() == [[.integer(1), .text("bytes"), .null], [.integer(2), .text("value"), .null]])
    }

    @Test func anIncompleteRowIsNotWrittenAndFlushingNothingIsHarmless() throws {
        let insert = BulkInsert(db, "INSERT INTO t (n, s, i)", columns: 3)
        try insert.flush()
        insert.append(Int64(1))
        insert.append(text: "one")
        insert.append(Int64(10))
        insert.append(Int64(2))  // an incomplete second row
        try insert.flush()
        #expect(try rows() == [[.integer(1), .text("one"), .integer(10)]])
        #expect(insert.pendingRows == 0)
    }

    @Test func aFailingStatementThrowsAndDropsThePendingRows() throws {
        let insert = BulkInsert(db, "INSERT INTO t (n, s, i)", columns: 3, rowsPerStatement: 2)
        for n in 1...3 {
            insert.append(Int64(n))
            insert.append(text: n == 3 ? String(repeating: "x", count: 41) : "ok")  // the CHECK refuses row 3
            insert.appendNull()
        }
        #expect(throws: SQLiteError.self) { try insert.flush() }
        #expect(insert.pendingRows == 0)
        // The statement before the failing one was written (a savepoint around flush takes it back).
        #expect(try rows().map { $0[0] } == [.integer(1), .integer(2)])
        // The statements stay usable.
        insert.append(Int64(4))
        insert.append(text: "four")
        insert.appendNull()
        try insert.flush()
        #expect(try rows().map { $0[0] } == [.integer(1), .integer(2), .integer(4)])
    }

    @Test func discardDropsThePendingRows() throws {
        let insert = BulkInsert(db, "INSERT INTO t (n, s, i)", columns: 3)
        insert.append(Int64(1))
        insert.append(text: "gone")
        insert.appendNull()
        insert.discard()
        try insert.flush()
        #expect(try rows().isEmpty)
    }

    @Test(arguments: [false, true])
    func externalTextIsBoundWhereItIsAlongsideCopiedText(bindsTextLength: Bool) throws {
        let codes = ["female", "", "us_citizen_lpr"].map { code -> (UnsafeMutablePointer<UInt8>, Int) in
            let utf8 = Array(code.utf8)
            let bytes = UnsafeMutablePointer<UInt8>.allocate(capacity: utf8.count + 1)
            bytes.initialize(from: utf8, count: utf8.count)
            bytes[utf8.count] = 0
            return (bytes, utf8.count)
        }
        defer { for (bytes, _) in codes { bytes.deallocate() } }
        let insert = BulkInsert(db, "INSERT INTO t (n, s, i)", columns: 3, rowsPerStatement: 2,
                                bindsTextLength: bindsTextLength)
        for n in 0..<7 {
            insert.append(Int64(n))
            if n % 2 == 0 {
                insert.append(terminatedText: codes[n % 3].0, count: codes[n % 3].1)
            } else {
                insert.append(text: "copied \(n)")
            }
            insert.appendNull()
        }
        try insert.flush()
        let expected: [[SQLValue]] = (0..<7).map { n in
            [.integer(Int64(n)), .text(n % 2 == 0 ? ["female", "", "us_citizen_lpr"][n % 3] : "copied \(n)"), .null]
        }
        #expect(try rows() == expected)
    }

    @Test func theTailMakesAnUpsert() throws {
        try db.execute("CREATE TABLE c (k TEXT PRIMARY KEY, total INTEGER NOT NULL) STRICT")
        let upsert = BulkInsert(db, "INSERT INTO c (k, total)", columns: 2,
                                tail: "ON CONFLICT (k) DO UPDATE SET total = total + excluded.total")
        for (key, amount) in [("a", 1), ("b", 2), ("a", 3)] {
            upsert.append(text: key)
            upsert.append(Int64(amount))
        }
        try upsert.flush()
        #expect(try db.prepare("SELECT k, total FROM c ORDER BY k").allRows()
            == [[.text("a"), .integer(4)], [.text("b"), .integer(2)]])
    }
}
