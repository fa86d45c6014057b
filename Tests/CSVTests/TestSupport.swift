@_exported import TestSupport
import Foundation
import Testing

import CSV

/// Chunk sizes that put chunk boundaries everywhere (1, 2, 3, 7) and nowhere (65536) in small inputs.
let chunkSizes = [1, 2, 3, 7, 65536]

/// A record as the tests compare it: start line and field bytes.
struct ParsedRecord: Equatable, Sendable, CustomStringConvertible {
    var line: Int
    var fields: [[UInt8]]

    init(_ line: Int, _ fields: [String]) {
        self.line = line
        self.fields = fields.map { Array($0.utf8) }
    }

    init(line: Int, fields: [[UInt8]]) {
        self.line = line
        self.fields = fields
    }

    var description: String { "line \(line): \(fields)" }
}

/// Everything a reader produced: the records before the end, and the error that ended it, if any.
struct ParseOutcome: Equatable {
    var records: [ParsedRecord]
    var error: CSVError?
}

/// Reads `reader` to the end and checks that it stays finished afterwards.
func readAll(_ reader: inout CSVReader) -> ParseOutcome {
    var records: [ParsedRecord] = []
    var failure: CSVError?
    // Bounded so that a reader that never finishes fails the test instead of hanging it.
    for _ in 0..<10_000_000 {
        do {
            guard let record = try reader.next() else { break }
            records.append(ParsedRecord(line: record.line, fields: (0..<record.count).map { record.bytes($0) }))
        } catch {
            failure = error
            break
        }
    }
    // After the end or an error, the reader returns nil, and keeps doing so.
    let after1 = try? reader.next()
    let after2 = try? reader.next()
    #expect(after1 == nil && after2 == nil, "reader produced a record after finishing")
    return ParseOutcome(records: records, error: failure)
}

func parse(
    _ bytes: [UInt8], chunkSize: Int = 65536, maxFieldBytes: Int = 16 << 20, maxFields: Int = 1 << 20
) -> ParseOutcome {
    var reader = CSVReader(bytes: bytes, chunkSize: chunkSize, maxFieldBytes: maxFieldBytes, maxFields: maxFields)
    return readAll(&reader)
}

func parse(_ text: String, chunkSize: Int = 65536) -> ParseOutcome {
    parse(Array(text.utf8), chunkSize: chunkSize)
}

/// A fresh temporary directory, removed by the caller with `removeTemporaryDirectory`.
func makeTemporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("csvtests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

