import Foundation
import Testing

import CSV

@Suite("CSVReader records, progress and files")
struct ReaderBehaviourTests {
    @Test("hadByteOrderMark tells whether a BOM was skipped", arguments: chunkSizes)
    func byteOrderMark(chunkSize: Int) throws {
        var withMark = CSVReader(bytes: [0xEF, 0xBB, 0xBF, 0x61], chunkSize: chunkSize)
        #expect(try withMark.next()?.bytes(0) == [0x61])
        #expect(withMark.hadByteOrderMark)

        var without = CSVReader(bytes: [0x61, 0xEF, 0xBB, 0xBF], chunkSize: chunkSize)
        #expect(try without.next()?.bytes(0) == [0x61, 0xEF, 0xBB, 0xBF])
        #expect(!without.hadByteOrderMark)
    }

    @Test("bytesConsumed grows record by record and ends at the input size", arguments: chunkSizes)
    func progress(chunkSize: Int) throws {
        let input = Array("a,b\r\ncc,d\ne,\"f\"\n".utf8)
        var reader = CSVReader(bytes: input, chunkSize: chunkSize)
        #expect(reader.bytesConsumed == 0)
        var seen: [Int] = []
        while try reader.next() != nil { seen.append(reader.bytesConsumed) }
        #expect(seen.count == 3)
        #expect(seen == seen.sorted())
        #expect(seen.first ?? 0 >= 4)
        #expect(reader.bytesConsumed == input.count)
    }

    @Test("Field accessors give the raw bytes of each field")
    func accessors() throws {
        var reader = CSVReader(bytes: Array("x, y ,\"\",\"q\"\"\"\n".utf8))
        let record = try #require(try reader.next())
        #expect(record.line == 1)
        #expect(record.count == 4)
        #expect(record.bytes(1) == Array(" y ".utf8))
        #expect(record.string(3) == "q\"")
        #expect(record.isEmpty(2))
        #expect(!record.isEmpty(1))
        #expect(record.withField(0) { $0.count } == 1)
        #expect(record.withField(2) { Array($0) } == [])
        #expect(record.withField(3) { Array($0) } == [0x71, 0x22])
    }

    @Test("A record kept past the next call still holds its own fields", arguments: chunkSizes)
    func keptRecord(chunkSize: Int) throws {
        var reader = CSVReader(bytes: Array("first,\"row\"\nsecond,other\n".utf8), chunkSize: chunkSize)
        let first = try #require(try reader.next())
        let second = try #require(try reader.next())
        #expect(first.string(0) == "first" && first.string(1) == "row")
        #expect(second.string(0) == "second" && second.string(1) == "other")
    }

    @Test("A 1 MiB field survives every chunk size", arguments: chunkSizes)
    func largeField(chunkSize: Int) throws {
        var generator = SeededGenerator(seed: 42)
        let big = (0..<(1 << 20)).map { _ in UInt8.random(in: 0x20...0x7E, using: &generator) }
            .map { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: ",") ? UInt8(ascii: "x") : $0 }
        // One copy unquoted, one quoted with an escaped quote and a line break in the middle.
        var quoted = big
        quoted[1000] = UInt8(ascii: "\"")
        quoted[2000] = UInt8(ascii: "\n")
        var escaped: [UInt8] = [UInt8(ascii: "\"")]
        for byte in quoted {
            escaped.append(byte)
            if byte == UInt8(ascii: "\"") { escaped.append(byte) }
        }
        escaped.append(UInt8(ascii: "\""))
        let input = Array("h1,h2\n".utf8) + big + [UInt8(ascii: ",")] + escaped + Array("\nend,x".utf8)

        var reader = CSVReader(bytes: input, chunkSize: chunkSize)
        let outcome = readAll(&reader)
        #expect(outcome.error == nil)
        #expect(outcome.records.count == 3)
        #expect(outcome.records.dropFirst().first?.fields == [big, quoted])
        #expect(outcome.records.map(\.line) == [1, 2, 4])
    }

    @Test("Reading a real file through init(path:)", arguments: chunkSizes)
    func realFile(chunkSize: Int) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("export.csv")
        let content = Array("\u{FEFF}id,notes\r\n1,\"two\nlines\"\r\n2,plain".utf8)
        try Data(content).write(to: file)

        var reader = try CSVReader(path: file.path, chunkSize: chunkSize)
        let outcome = readAll(&reader)
        #expect(
            outcome
                == ParseOutcome(
                    records: [
                        ParsedRecord(1, ["id", "notes"]), ParsedRecord(2, ["1", "two\nlines"]),
                        ParsedRecord(4, ["2", "plain"]),
                    ], error: nil))
        #expect(reader.hadByteOrderMark)
        #expect(reader.bytesConsumed == content.count)
    }

    @Test("A missing file is an I/O error naming the path")
    func missingFile() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("absent.csv").path
        #expect {
            _ = try CSVReader(path: path)
        } throws: { error in
            guard case .io(let errorPath, let message) = error as? CSVError else { return false }
            return errorPath == path && !message.isEmpty
        }
    }

    @Test("A directory opens but fails on the first read with an I/O error")
    func directoryPath() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var reader = try CSVReader(path: directory.path)
        #expect {
            _ = try reader.next()
        } throws: { error in
            guard case .io(let errorPath, _) = error as? CSVError else { return false }
            return errorPath == directory.path
        }
        #expect(try reader.next() == nil)
    }

    @Test("Errors expose their line and field for FILE:LINE:COLUMN reports")
    func errorLocations() {
        let errors: [(CSVError, Int?, Int?)] = [
            (.unterminatedQuote(line: 3, column: 1), 3, 1), (.bareQuote(line: 12, column: 3), 12, 3),
            (.characterAfterClosingQuote(line: 5, column: 2), 5, 2),
            (.fieldTooLarge(line: 2, column: 5, limit: 7), 2, 5), (.tooManyFields(line: 4, limit: 9), 4, nil),
            (.io(path: "/x.csv", message: "No such file"), nil, nil),
        ]
        for (error, line, column) in errors {
            #expect(error.line == line && error.column == column, "\(error)")
            #expect(!error.message.isEmpty)
            if let line { #expect(error.description.contains("line \(line)")) }
            if let column { #expect(error.description.contains("field \(column)")) }
        }
        #expect(CSVError.io(path: "/x.csv", message: "No such file").description.hasPrefix("/x.csv"))
    }

    @Test("Records with thousands of fields and bytes grow the buffers", arguments: chunkSizes)
    func manyFields(chunkSize: Int) throws {
        let fields = (0..<5000).map { "field \($0)" }
        let input = Array((fields.joined(separator: ",") + "\r\n\"x\"\r\n" + fields.joined(separator: ",")).utf8)
        var reader = CSVReader(bytes: input, chunkSize: chunkSize)
        let first = try #require(try reader.next())
        let second = try #require(try reader.next())
        let third = try #require(try reader.next())
        #expect(try reader.next() == nil)
        // All three kept at once: each must still hold its own content.
        #expect(first.count == 5000 && third.count == 5000)
        #expect((0..<5000).allSatisfy { first.string($0) == fields[$0] && third.string($0) == fields[$0] })
        #expect(second.line == 2 && second.count == 1 && second.string(0) == "x")
        #expect(third.line == 3)
    }

    @Test("Copies of a reader share one position")
    func copiesSharePosition() throws {
        var reader = CSVReader(bytes: Array("a\nb\nc\n".utf8))
        var copy = reader
        #expect(try reader.next()?.string(0) == "a")
        #expect(try copy.next()?.string(0) == "b")
        #expect(try reader.next()?.string(0) == "c")
        #expect(try copy.next() == nil)
    }
}
