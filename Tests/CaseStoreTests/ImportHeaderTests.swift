import CaseStore
import Foundation
import SQLite
import Testing

/// The spec's "Encoding and syntax" rules for CSV: header matching, field counts, line breaks, quoting, syntax errors.
@Suite("Import: CSV header and syntax")
struct ImportHeaderTests {
    let harness: ImportHarness
    init() throws { harness = try ImportHarness() }

    // MARK: Header names

    @Test func headerNamesMatchCaseInsensitivelyTrimmedInAnyOrder() throws {
        let text = "  VICTIM_Age ,Trafficking_TYPE,\tState,  CASE_ID,Reported_On  ,Venues\n"
            + "30,Labor,NY,N-1,2021-05-06,Construction\n"
        let summary = try harness.importText(text)
        #expect(summary.outcome == .imported)
        #expect(harness.log.warnings.isEmpty)
        #expect(try harness.storedCase("N-1") == ["2021-05-06", 2021, "NY", nil, nil, "labor", 2])
        #expect(try harness.venues(of: "N-1") == ["construction"])
        #expect(try harness.victims(of: "N-1") == [[1, nil, "unknown", "adult", 30, "unknown", 2]])
    }

    /// Only letter case and surrounding white space may differ: any other spelling is another column.
    @Test(arguments: ["caseid", "case-id", "case id", "case_ids", "case_\u{2060}id"])
    func aHeaderNameSpelledOtherwiseDoesNotMatch(name: String) throws {
        let path = try harness.write("near.csv", "\(name),reported_on,state,trafficking_type\nN-1,2021-01-01,CA,\n")
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path).first == IssueLocation(1, "case_id"))
        #expect(try harness.count("cases") == 0)
    }

    @Test func onlyTheRequiredColumnsAreEnough() throws {
        let summary = try harness.importText("case_id,reported_on,state,trafficking_type\nR-1,2021-01-02,WA,\n")
        #expect(summary.outcome == .imported)
        #expect(try harness.storedCase("R-1") == ["2021-01-02", 2021, "WA", nil, nil, "not_specified", 2])
    }

    @Test(arguments: ["case_id", "reported_on", "state", "trafficking_type"])
    func aMissingRequiredColumnFailsTheWholeFileBeforeAnyRow(column: String) throws {
        let header = specHeader.filter { $0 != column }
        let index = specHeader.firstIndex(of: column)!
        let rows = [ExportRow(caseID: "A-1"), ExportRow(caseID: "A-2")].map { row in
            var fields = row.fields
            fields.remove(at: index)
            return csvLine(fields)
        }
        let path = try harness.write("missing.csv", ([csvLine(header)] + rows).joined(separator: "\n") + "\n")
        for onError in ImportOptions.OnError.allCases {
            let summary = try harness.importFile(path) { $0.onError = onError }
            #expect(summary.outcome == .failed)
            #expect(summary.rowsRead == 0)
            #expect(summary.casesImported == 0)
            #expect(harness.issueLocations(in: path) == [IssueLocation(1, column)])
            #expect(try harness.count("import_batches") == 0)
            #expect(try harness.count("cases") == 0)
            #expect(!FileManager.default.fileExists(atPath: path + ".rejects.csv"))
        }
    }

    @Test func aDuplicatedHeaderNameFailsTheFile() throws {
        let path = try harness.write("dup.csv", "case_id,reported_on,state,trafficking_type,CITY,city \n"
            + "D-1,2021-01-01,CA,Sex,A,B\n")
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(1, "city")])
        #expect(try harness.count("cases") == 0)
        #expect(try harness.count("import_batches") == 0)
    }

    @Test func aDuplicatedRequiredHeaderFailsTheFile() throws {
        let path = try harness.write("dup.csv", "case_id,reported_on,state,trafficking_type,Case_ID\n"
            + "D-1,2021-01-01,CA,Sex,D-2\n")
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(1, "Case_ID")])
        #expect(try harness.count("cases") == 0)
    }

    @Test func anUnknownColumnIsWarnedOnceAndIgnored() throws {
        let path = try harness.write("extra.csv", "case_id,reported_on,Notes,state,trafficking_type\n"
            + "U-1,2021-01-01,anything,CA,Sex\nU-2,2021-01-01,\"more, text\",CA,Sex\nU-3,2021-01-01,,CA,Sex\n")
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .imported)
        #expect(summary.warningCount == 1)
        #expect(summary.issueCount == 0)
        #expect(harness.warningLocations(in: path) == [IssueLocation(1, "Notes")])
        #expect(harness.log.issues.isEmpty)
        #expect(try harness.caseRefs() == ["U-1", "U-2", "U-3"])
    }

    @Test func aKnownHeaderIsNoWarning() throws {
        let summary = try harness.importRows([ExportRow()])
        #expect(summary.warningCount == 0)
        #expect(harness.log.warnings.isEmpty)
    }

    // MARK: Field counts

    /// One field more, and six fewer, than the header.
    @Test(arguments: ["C-2,2021-01-01,CA,,,Sex,,,,,,,extra", "C-2,2021-01-01,CA,,,Sex"])
    func aRecordWithMoreOrFewerFieldsIsAnError(record: String) throws {
        let text = csvText([ExportRow(caseID: "C-1")]) + record + "\n" + csvLine(ExportRow(caseID: "C-3").fields) + "\n"
        let path = try harness.write("count.csv", text)
        let aborted = try harness.importFile(path)
        #expect(aborted.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(3)])
        #expect(try harness.count("cases") == 0)

        let skipped = try harness.importFile(path) { $0.onError = .skip }
        #expect(skipped.outcome == .imported)
        #expect(skipped.counts == SummaryCounts(read: 3, imported: 2, rejected: 1, cases: 2, victims: 0))
        #expect(harness.issueLocations(in: path) == [IssueLocation(3)])
        #expect(try harness.caseRefs() == ["C-1", "C-3"])
    }

    @Test func aShortRecordRejectsEveryRowOfItsCase() throws {
        let text = csvText([ExportRow.victim("C-1", id: "a")]) + "C-1,2021-03-04\n"
            + csvLine(ExportRow.victim("C-1", id: "b").fields) + "\n" + csvLine(ExportRow(caseID: "C-2").fields) + "\n"
        let summary = try harness.importText(text) { $0.onError = .skip }
        #expect(summary.counts == SummaryCounts(read: 4, imported: 1, rejected: 3, cases: 1, victims: 0))
        #expect(try harness.caseRefs() == ["C-2"])
    }

    // MARK: Line breaks, quoting, BOM

    @Test func recordsMayEndInLFCRLFOrLoneCRMixedAndTheLastBreakIsOptional() throws {
        let lines = [csvLine(specHeader), csvLine(ExportRow(caseID: "L-1").fields),
                     csvLine(ExportRow(caseID: "L-2").fields), csvLine(ExportRow(caseID: "L-3").fields),
                     csvLine(ExportRow(caseID: "L-4").fields)]
        let text = lines[0] + "\r\n" + lines[1] + "\r" + lines[2] + "\n" + lines[3] + "\r\n" + lines[4]
        let summary = try harness.importText(text)
        #expect(summary.outcome == .imported)
        #expect(try harness.caseRefs() == ["L-1", "L-2", "L-3", "L-4"])
        #expect(try harness.field("source_line", ofCase: "L-4") == 5)
    }

    @Test func quotedFieldsHoldCommasQuotesAndLineBreaks() throws {
        let text = csvLine(specHeader) + "\n"
            + #"Q-1,2021-01-01,CA,,"Ventura ""Old Town""",Sex,"Bars, Strip Clubs & Cantinas;"# + "\r\n"
            + #" Hotel/Motel",,,,,"# + "\n"
            + csvLine(ExportRow(caseID: "Q-2", city: "Oxnard").fields) + "\n"
        let summary = try harness.importText(text)
        #expect(summary.outcome == .imported)
        #expect(try harness.field("city", ofCase: "Q-1") == "Ventura \"Old Town\"")
        #expect(try harness.venues(of: "Q-1") == ["bars_strip_clubs", "hotel_motel"])
        // Lines are physical: the quoted line break counts, so Q-2 starts on line 4.
        #expect(try harness.field("source_line", ofCase: "Q-2") == 4)
    }

    @Test func aLeadingByteOrderMarkIsSkipped() throws {
        let summary = try harness.importText("\u{FEFF}" + csvText([ExportRow(caseID: "B-1")]))
        #expect(summary.outcome == .imported)
        #expect(harness.log.warnings.isEmpty)
        #expect(try harness.caseRefs() == ["B-1"])
    }

    @Test func aByteOrderMarkElsewhereIsData() throws {
        // Only a *leading* BOM is skipped: one before the second header name leaves it unknown.
        let path = try harness.write("bom.csv", "case_id,\u{FEFF}reported_on,state,trafficking_type\nB-1,2021-01-01,CA,\n")
        let summary = try harness.importFile(path)
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(1, "reported_on")])
    }

    // MARK: Syntax errors

    @Test func anUnterminatedQuoteFailsTheWholeFileEvenUnderSkip() throws {
        let text = csvText([ExportRow(caseID: "S-1"), ExportRow(caseID: "S-2")])
            + "S-3,2021-01-01,CA,,\"Pasadena,Sex,,,,,,\n" + csvLine(ExportRow(caseID: "S-4").fields) + "\n"
        let path = try harness.write("syntax.csv", text)
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.outcome == .failed)
        #expect(summary.casesImported == 0)
        #expect(harness.issueLocations(in: path) == [IssueLocation(4, "field 5")])
        #expect(try harness.count("cases") == 0)
        #expect(try harness.count("import_batches") == 0)
        #expect(!FileManager.default.fileExists(atPath: path + ".rejects.csv"))
    }

    @Test func aQuoteInsideAnUnquotedFieldFailsTheWholeFile() throws {
        let text = csvText([ExportRow(caseID: "S-1")]) + "S-2,2021-01-01,CA,,Pas\"adena,Sex,,,,,,\n"
        let path = try harness.write("bare.csv", text)
        let summary = try harness.importFile(path) { $0.onError = .skip }
        #expect(summary.outcome == .failed)
        #expect(harness.issueLocations(in: path) == [IssueLocation(3, "field 5")])
        #expect(try harness.count("cases") == 0)
    }
}
