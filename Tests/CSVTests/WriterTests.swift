import Foundation
import Testing

import CSV

private func written(_ fields: [String], lineEnding: CSVWriter.LineEnding = .lf) throws -> String {
    let writer = CSVWriter(lineEnding: lineEnding)
    try writer.write(record: fields)
    return String(decoding: writer.output, as: UTF8.self)
}

@Suite("CSVWriter")
struct WriterTests {
    @Test(
        "Fields are quoted exactly when they hold a delimiter, quote, CR or LF",
        arguments: [
            ("abc", "abc"), ("", ""), (" padded ", " padded "), ("a;b\tc", "a;b\tc"), ("café 日本", "café 日本"),
            ("nul\u{0}byte", "nul\u{0}byte"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""),
            ("\"", "\"\"\"\""), ("line\nbreak", "\"line\nbreak\""), ("cr\rhere", "\"cr\rhere\""),
            ("crlf\r\n", "\"crlf\r\n\""), (",", "\",\""),
        ])
    func quoting(field: String, expected: String) throws {
        #expect(try written([field]) == expected + "\n")
        // The same rule applies to every position in a record.
        #expect(try written(["x", field]) == "x," + expected + "\n")
    }

    @Test("Records end in CRLF by default, or LF")
    func lineEndings() throws {
        let crlf = CSVWriter()
        try crlf.write(record: ["a", "b"])
        try crlf.write(record: ["c"])
        #expect(crlf.output == Array("a,b\r\nc\r\n".utf8))
        #expect(try written(["a", "b"], lineEnding: .lf) == "a,b\n")
    }

    @Test("A byte-order mark goes first only when asked for")
    func byteOrderMark() throws {
        let with = CSVWriter(byteOrderMark: true)
        try with.write(record: ["a"])
        #expect(with.output == [0xEF, 0xBB, 0xBF, 0x61, 0x0D, 0x0A])
        let empty = CSVWriter(byteOrderMark: true)
        #expect(empty.output == [0xEF, 0xBB, 0xBF])
        #expect(CSVWriter().output == [])
    }

    @Test("A first field that starts with a BOM is quoted unless the writer wrote a BOM itself")
    func leadingBOMField() throws {
        let plain = CSVWriter(lineEnding: .lf)
        try plain.write(record: ["\u{FEFF}x", "\u{FEFF}y"])
        try plain.write(record: ["\u{FEFF}z"])
        #expect(String(decoding: plain.output, as: UTF8.self) == "\"\u{FEFF}x\",\u{FEFF}y\n\u{FEFF}z\n")
        var reader = CSVReader(bytes: plain.output)
        #expect(try reader.next()?.string(0) == "\u{FEFF}x")

        let marked = CSVWriter(lineEnding: .lf, byteOrderMark: true)
        try marked.write(record: ["\u{FEFF}x"])
        #expect(marked.output == [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF, 0x78, 0x0A])
        var markedReader = CSVReader(bytes: marked.output)
        #expect(try markedReader.next()?.string(0) == "\u{FEFF}x")
    }

    @Test("Any sequence of strings is a record, contiguous or not")
    func sequences() throws {
        let fields = ["a", "b,c", "d\"e", ""]
        let fromArray = CSVWriter()
        try fromArray.write(record: fields)
        let fromLazy = CSVWriter()
        try fromLazy.write(record: fields.lazy.map { $0 })
        let fromSlice = CSVWriter()
        try fromSlice.write(record: (["x"] + fields)[1...])
        #expect(fromArray.output == Array("a,\"b,c\",\"d\"\"e\",\r\n".utf8))
        #expect(fromLazy.output == fromArray.output)
        #expect(fromSlice.output == fromArray.output)
    }

    @Test("A record with no fields is an empty line")
    func emptyRecord() throws {
        let writer = CSVWriter(lineEnding: .lf)
        try writer.write(record: [String]())
        try writer.write(record: [""])
        #expect(writer.output == Array("\n\n".utf8))
    }

    @Test("Byte fields are written with the same quoting as strings")
    func byteFields() throws {
        let writer = CSVWriter(lineEnding: .lf)
        let fields: [[UInt8]] = [[0x61], [0x2C], [0xFF, 0x22], []]
        try fields[0].withUnsafeBufferPointer { a in
            try fields[1].withUnsafeBufferPointer { b in
                try fields[2].withUnsafeBufferPointer { c in
                    try fields[3].withUnsafeBufferPointer { d in try writer.write(recordBytes: [a, b, c, d]) }
                }
            }
        }
        #expect(writer.output == [0x61, 0x2C, 0x22, 0x2C, 0x22, 0x2C, 0x22, 0xFF, 0x22, 0x22, 0x22, 0x2C, 0x0A])
    }

    @Test("A file writer buffers, writes everything by close, and truncates an existing file")
    func fileOutput() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("out.csv")
        try Data(repeating: 0x7A, count: 4 << 20).write(to: file)

        let writer = try CSVWriter(path: file.path, byteOrderMark: true)
        let memory = CSVWriter(byteOrderMark: true)
        // Well over the 64 KiB buffer, with one field larger than the buffer.
        let huge = String(repeating: "q\"", count: 100_000)
        for index in 0..<20_000 {
            let record = ["\(index)", "name, \(index)", index == 500 ? huge : "note \"\(index)\"\n"]
            try writer.write(record: record)
            try memory.write(record: record)
        }
        try writer.close()
        try writer.close()  // closing twice is harmless
        let onDisk = try [UInt8](Data(contentsOf: file))
        // Larger than the buffer, smaller than the old file: equality shows the old bytes are gone.
        #expect(memory.output.count > 10 * (64 << 10) && memory.output.count < 4 << 20)
        #expect(onDisk == memory.output)
        #expect(writer.output == [])
    }

    @Test("Writing after close is an I/O error")
    func writeAfterClose() throws {
        let writer = CSVWriter()
        try writer.close()
        #expect {
            try writer.write(record: ["a"])
        } throws: { error in
            guard case .io(let path, _) = error as? CSVError else { return false }
            return path == "memory"
        }
        #expect(writer.output == [])
    }

    @Test("deinit flushes what close would have written")
    func deinitFlushes() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("dropped.csv")
        do {
            let writer = try CSVWriter(path: file.path, lineEnding: .lf)
            try writer.write(record: ["kept"])
        }
        #expect(try Data(contentsOf: file) == Data("kept\n".utf8))
    }

    @Test("A writer on a caller's descriptor flushes to it and leaves it open")
    func callerDescriptor() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("fd.csv")
        let fd = open(file.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        try #require(fd >= 0)
        defer { _ = Foundation.close(fd) }

        let writer = CSVWriter(fileDescriptor: fd, lineEnding: .lf)
        try writer.write(record: ["a", "b"])
        try writer.close()
        #expect(Foundation.write(fd, "tail\n", 5) == 5)  // still open
        #expect(try Data(contentsOf: file) == Data("a,b\ntail\n".utf8))
    }

    @Test("A failing write surfaces as an I/O error naming the destination")
    func writeFailure() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("readonly.csv")
        try Data().write(to: file)
        let fd = open(file.path, O_RDONLY)
        try #require(fd >= 0)
        defer { _ = Foundation.close(fd) }

        let writer = CSVWriter(fileDescriptor: fd)
        try writer.write(record: ["a"])  // buffered, not yet written
        #expect {
            try writer.flush()
        } throws: { error in
            guard case .io(let path, let message) = error as? CSVError else { return false }
            return path == "file descriptor \(fd)" && !message.isEmpty
        }
    }

    @Test("Creating a file in a missing directory is an I/O error naming the path")
    func createFailure() throws {
        let path = "/nonexistent-\(UInt64.random(in: 0...UInt64.max))/out.csv"
        #expect {
            _ = try CSVWriter(path: path)
        } throws: { error in
            guard case .io(let errorPath, _) = error as? CSVError else { return false }
            return errorPath == path
        }
    }
}
