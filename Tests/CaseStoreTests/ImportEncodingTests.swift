import CaseStore
import Foundation
import SQLite
import Testing

/// UTF-8 by default; `encoding` names a file's real encoding (latin1, windows-1252); invalid UTF-8 names the line.
@Suite("Import: text encodings")
struct ImportEncodingTests {
    let harness: ImportHarness
    init() throws { harness = try ImportHarness() }

    /// Header, a plain ASCII row (line 2), and a row (line 3) whose county and city are single-byte text:
    /// "Doña Ana" (0xF1) and "São Paulo" (0xE3) in New Mexico... and an apostrophe that only windows-1252 has (0x92).
    private func singleByteFile(city: [UInt8] = Array("S".utf8) + [0xE3] + Array("o Paulo".utf8)) throws -> String {
        var bytes = Array((csvLine(specHeader) + "\n" + csvLine(ExportRow(caseID: "E-1").fields) + "\n").utf8)
        bytes += Array("E-2,2021-01-01,NM,Do".utf8) + [0xF1] + Array("a Ana,".utf8) + city
        bytes += Array(",Sex,,,,,,\n".utf8)
        bytes += Array((csvLine(ExportRow(caseID: "E-3").fields) + "\n").utf8)
        return try harness.write("latin.csv", bytes: bytes)
    }

    @Test(arguments: ["latin1", "windows-1252"])
    func singleByteTextIsDecodedWithTheEncodingOption(encoding: String) throws {
        let path = try singleByteFile()
        let summary = try harness.importFile(path) { $0.encoding = encoding == "latin1" ? .latin1 : .windows1252 }
        #expect(summary.rowsRead == 3)
        #expect(summary.outcome == .imported)
        #expect(harness.log.issues.isEmpty)
        #expect(try harness.field("county_fips", ofCase: "E-2") == "35013")
        #expect(try harness.field("city", ofCase: "E-2") == "São Paulo")
    }

    @Test func windows1252DecodesItsOwnPunctuation() throws {
        let path = try singleByteFile(city: Array("O".utf8) + [0x92] + Array("Brien ".utf8) + [0x80])
        let summary = try harness.importFile(path) { $0.encoding = .windows1252 }
        #expect(summary.outcome == .imported)
        #expect(try harness.field("city", ofCase: "E-2") == "O\u{2019}Brien €")
    }

    @Test func latin1DecodesTheSameByteAsAControlCharacter() throws {
        // 0x92 is U+0092 in latin1: a C1 control character, which a city may not hold.
        let path = try singleByteFile(city: Array("O".utf8) + [0x92] + Array("Brien".utf8))
        let summary = try harness.importFile(path) { $0.encoding = .latin1 }
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(3, "city")])
    }

    @Test func theSameBytesAsUTF8AreInvalidNamingTheLineAndColumn() throws {
        let path = try singleByteFile()
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(3, "county"), IssueLocation(3, "city")])
        #expect(try harness.count("cases") == 0)

        let skipped = try harness.importFile(path) { $0.onError = .skip }
        #expect(skipped.counts == SummaryCounts(read: 3, imported: 2, rejected: 1, cases: 2, victims: 0))
        #expect(try harness.caseRefs() == ["E-1", "E-3"])
    }

    @Test func theRejectsFileKeepsTheOriginalBytes() throws {
        let path = try singleByteFile()
        let summary = try harness.importFile(path) { $0.onError = .skip }
        let rejectsPath = try #require(summary.rejectsPath)
        let rejects = try #require(FileManager.default.contents(atPath: rejectsPath))
        #expect(rejects.contains(0xF1))
        #expect(rejects.contains(0xE3))
    }

    @Test func utf8IsTheDefaultAndNeedsNoOption() throws {
        let summary = try harness.importRows([ExportRow(caseID: "U-1", state: "NM", county: "Doña Ana",
                                                        city: "São Paulo")])
        #expect(summary.outcome == .imported)
        #expect(try harness.field("county_fips", ofCase: "U-1") == "35013")
        #expect(try harness.field("city", ofCase: "U-1") == "São Paulo")
    }

    @Test func utf8TextReadAsLatin1IsMojibakeAndDoesNotMatch() throws {
        let path = try harness.write("utf8.csv", csvText([ExportRow(caseID: "U-1", state: "NM", county: "Doña Ana")]))
        let summary = try harness.importFile(path) { $0.encoding = .latin1 }
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(2, "county")])
    }

    @Test func anInvalidUTF8HeaderFailsTheFileAtLineOne() throws {
        let bytes = Array("case_id,reported_on,state,trafficking_type,Bemerkung".utf8) + [0xE4]
            + Array("\nH-1,2021-01-01,CA,Sex,x\n".utf8)
        let path = try harness.write("header.csv", bytes: bytes)
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path).map(\.line) == [1])
        #expect(try harness.count("cases") == 0)

        let decoded = try harness.importFile(path) { $0.encoding = .latin1 }
        #expect(decoded.outcome == .imported)
        #expect(harness.log.warnings.count == 1)
    }
}
