import Foundation
import SQLite
import Testing

@Suite("WritebackFlusher")
struct WritebackFlusherTests {
    let folder: TemporaryDirectory

    init() throws {
        folder = try TemporaryDirectory()
    }

    /// Waits (up to five seconds) until `condition` holds.
    private func eventually(_ condition: () -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: 5)
        while !condition() {
            if Date() > deadline { return false }
            usleep(10_000)
        }
        return true
    }

    @Test func opensEachFileOnceItExistsAndClosesThemAll() throws {
        let present = folder.path("present.db")
        let later = folder.path("present.db-wal")
        try #require(FileManager.default.createFile(atPath: present, contents: Data(repeating: 7, count: 1 << 16)))
        let flusher = WritebackFlusher(paths: [present, later], interval: 0.01)
        flusher.start()
        #expect(eventually { flusher.openFiles == 1 })
        try #require(FileManager.default.createFile(atPath: later, contents: Data(repeating: 8, count: 1 << 16)))
        #expect(eventually { flusher.openFiles == 2 })
        flusher.stop()
        #expect(flusher.openFiles == 2)
        flusher.close()
        #expect(flusher.openFiles == 0)
        // The files are read only: their bytes are as written.
        #expect(FileManager.default.contents(atPath: later) == Data(repeating: 8, count: 1 << 16))
    }

    @Test func stopWithoutStartAndRepeatedCallsAreHarmless() throws {
        let flusher = WritebackFlusher(paths: [folder.path("missing.db")], interval: 0.01)
        flusher.stop()
        flusher.start()
        flusher.start()
        flusher.stop()
        flusher.stop()
        flusher.close()
        #expect(flusher.openFiles == 0)
    }

    @Test func aDatabaseWrittenWhileItRunsIsComplete() throws {
        let path = folder.path("flushed.db")
        let flusher = WritebackFlusher(paths: [path, path + "-wal"], interval: 0.001)
        do {
            let db = try Connection(path: path)
            flusher.start()
            try db.execute("CREATE TABLE t (n INTEGER PRIMARY KEY, s TEXT NOT NULL) STRICT")
            let insert = BulkInsert(db, "INSERT INTO t (n, s)", columns: 2)
            try db.transaction {
                for n in 1...20_000 {
                    insert.append(Int64(n))
                    insert.append(text: String(repeating: "x", count: n % 50))
                    if insert.pendingRows == 256 { try insert.flush() }
                }
                try insert.flush()
            }
            flusher.stop()
            try db.close()
        }
        flusher.close()
        let reopened = try Connection(path: path, mode: .readOnly)
        #expect(try reopened.scalarInt("SELECT count(*) FROM t") == 20_000)
        #expect(try reopened.scalarText("PRAGMA integrity_check") == "ok")
    }
}
