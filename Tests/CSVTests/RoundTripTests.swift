import Foundation
import Testing

import CSV

/// Random fields built from the characters CSV has to get right.
private func randomRecords(count: Int, using generator: inout SeededGenerator) -> [[String]] {
    let pieces = [
        "a", "Z", "0", " ", ",", "\"", "\"\"", "\r", "\n", "\r\n", "\u{0}", "é", "€", "日本", "😀", "\t", ";",
        "\u{85}",
    ]
    return (0..<count).map { _ in
        (0..<Int.random(in: 1...8, using: &generator)).map { _ in
            (0..<Int.random(in: 0...12, using: &generator)).map { _ in
                pieces.randomElement(using: &generator) ?? "a"
            }.joined()
        }
    }
}

/// What reading back gives: the writer cannot tell a record of no fields from one empty field, and never needs to.
private func readBack(_ bytes: [UInt8], chunkSize: Int) throws -> [[String]] {
    var reader = CSVReader(bytes: bytes, chunkSize: chunkSize)
    var records: [[String]] = []
    while let record = try reader.next() {
        records.append((0..<record.count).map { record.string($0) ?? "<invalid UTF-8>" })
    }
    return records
}

@Suite("Writer and reader round trip")
struct RoundTripTests {
    @Test(
        "Random records read back exactly as written",
        arguments: [
            (CSVWriter.LineEnding.crlf, false), (CSVWriter.LineEnding.lf, false), (CSVWriter.LineEnding.crlf, true),
        ])
    func randomRoundTrip(lineEnding: CSVWriter.LineEnding, byteOrderMark: Bool) throws {
        var generator = SeededGenerator(seed: byteOrderMark ? 99 : (lineEnding == .lf ? 2 : 1))
        let records = randomRecords(count: 400, using: &generator)
        let writer = CSVWriter(lineEnding: lineEnding, byteOrderMark: byteOrderMark)
        for record in records { try writer.write(record: record) }
        #expect(writer.output.starts(with: [0xEF, 0xBB, 0xBF]) == byteOrderMark)
        for chunkSize in chunkSizes {
            #expect(try readBack(writer.output, chunkSize: chunkSize) == records, "chunk size \(chunkSize)")
        }
    }

    @Test("Random records round-trip through a real file")
    func fileRoundTrip() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("round.csv").path
        var generator = SeededGenerator(seed: 3)
        let records = randomRecords(count: 300, using: &generator)

        let writer = try CSVWriter(path: path)
        for record in records { try writer.write(record: record) }
        try writer.close()

        var reader = try CSVReader(path: path, chunkSize: 5)
        var back: [[String]] = []
        while let record = try reader.next() {
            back.append((0..<record.count).map { record.string($0) ?? "<invalid UTF-8>" })
        }
        #expect(back == records)
    }
}
