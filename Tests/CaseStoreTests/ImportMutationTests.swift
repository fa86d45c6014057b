@testable import CaseStore
import Foundation
import SQLite
import Testing
import TestSupport

/// Seeded mutations of the bundled samples (bytes changed, CSV and JSON punctuation inserted, spans cut, copied or
/// cut off), each imported into a database that already holds the sample itself, so that cases of an earlier batch,
/// staged writes that fail and are replayed row by row, `--replace` and rejected cases all come up. Whatever the
/// bytes, an import returns a summary (it never crashes or throws), the batch holds the cases and victims the
/// summary counts, and the database stays consistent: SQLite's checks and the count tables against the stored rows
/// (`verifyConstraints`, run after every import), and nothing of a failed or aborted file kept.
fileprivate extension SeededGenerator {
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func chance(_ probability: Double) -> Bool { Double(next() >> 11) / Double(UInt64(1) << 53) < probability }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0...items.count - 1)] }
}

@Suite("Import: mutated exports never crash and keep the database consistent")
struct ImportMutationTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Samples")

    /// The first lines of a sample, about `bytes` of it (cut at a line end).
    static func head(of name: String, bytes: Int) throws -> [UInt8] {
        let data = Array(try Data(contentsOf: samples.appendingPathComponent(name)))
        guard data.count > bytes, let end = data[bytes...].firstIndex(of: UInt8(ascii: "\n")) else { return data }
        return Array(data[...end])
    }

    static let punctuation: [[UInt8]] = ["\"", ",", "\n", "\r", "\0", "\u{FF}", "{", "}", "[", "]", ":", "\\", "\"\"",
                                         "\t", "\u{E9}", "null", "9999"].map { Array($0.utf8) }

    /// `bytes` with one to eight random changes.
    static func mutated(_ bytes: [UInt8], _ random: inout SeededGenerator) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<random.int(1...8) where !bytes.isEmpty {
            let at = random.int(0...bytes.count - 1)
            switch random.int(0...9) {
            case 0...2: bytes[at] = UInt8(truncatingIfNeeded: random.int(0...255))
            case 3...4: bytes.insert(contentsOf: random.pick(punctuation), at: at)
            case 5...6: bytes.removeSubrange(at..<min(bytes.count, at + random.int(1...40)))
            case 7...8:
                let from = random.int(0...bytes.count - 1)
                bytes.insert(contentsOf: bytes[from..<min(bytes.count, from + random.int(1...200))], at: at)
            default: bytes.removeSubrange(at...)
            }
        }
        return bytes
    }

    @Test(arguments: [("hotline-2021.csv", "csv"), ("hotline-2020.ndjson", "ndjson")])
    func seededMutationsOfASample(sample: String, format: String) throws {
        let harness = try ImportHarness()
        let original = try Self.head(of: sample, bytes: 24_000)
        let base = try harness.importFile(try harness.write("base.\(format)", bytes: original))
        #expect(base.outcome == .imported && base.rowsRejected == 0)
        var random = SeededGenerator(seed: format == "csv" ? 21 : 22)
        var (failed, imported) = (0, 0)
        for round in 0..<60 {
            let bytes = Self.mutated(original, &random)
            let path = try harness.write("mutated-\(round).\(format)", bytes: bytes)
            let skip = random.chance(0.5)
            let replace = random.chance(0.3)
            let before = try CountCheck.snapshot(harness.connection)
            let summary = try harness.importFile(path) { options in
                options.onError = skip ? .skip : .abort
                options.replace = replace
                if skip { options.rejectsPath = harness.folder.path("rejects-\(round).csv") }
            }
            if summary.outcome == .failed { failed += 1 }
            if summary.outcome == .imported { imported += 1 }
            if summary.outcome == .imported, let batch = summary.batchID {
                // What the summary says was stored is what the batch holds.
                let db = try harness.connection
                #expect(try db.scalarInt("SELECT count(*) FROM cases WHERE batch_id = ?", batch)
                    == Int64(summary.casesImported), "round \(round)")
                #expect(try db.scalarInt("SELECT count(*) FROM victims JOIN cases ON cases.id = victims.case_id "
                    + "WHERE batch_id = ?", batch) == Int64(summary.victimsImported), "round \(round)")
            }
            if summary.outcome == .failed {
                // Nothing of the file is kept: the rows, count tables and batches as they were.
                #expect(try CountCheck.snapshot(harness.connection) == before, "round \(round)")
            }
        }
        // The mutations reach both ends: some files are refused, others stored in part or whole.
        #expect(failed > 0 && imported > 0, "\(failed) failed, \(imported) imported")
    }
}
