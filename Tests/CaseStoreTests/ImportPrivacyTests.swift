import CaseStore
import Foundation
import SQLite
import Testing

/// No message holds a victim value other than the offending field's own (spec, STYLE: the privacy rule).
@Suite("Import: privacy of messages")
struct ImportPrivacyTests {
    let harness: ImportHarness
    init() throws { harness = try ImportHarness() }

    /// A valid row whose every free-text or coded value is distinctive enough to find in a message.
    static let secretRow = ExportRow(caseID: "CASE-QX7731", reportedOn: "2021-03-04", state: "CA", county: "Kern",
                                     city: "Zyxtonville", type: "Sex and Labor", venues: "Pornography",
                                     victimID: "VICTIM-ZQ5520", gender: "Gender Non-Conforming", ageGroup: "Adults",
                                     age: "57", citizenship: "Lawful Permanent Resident")

    /// The distinctive values of `secretRow`, by column.
    static let secrets: [String: String] = [
        "case_id": "CASE-QX7731", "county": "Kern", "city": "Zyxtonville", "trafficking_type": "Sex and Labor",
        "venues": "Pornography", "victim_id": "VICTIM-ZQ5520", "victim_gender": "Gender Non-Conforming",
        "victim_age": "57", "victim_citizenship": "Lawful Permanent Resident",
    ]

    /// Messages must not hold any secret except the one of `allowed` (the offending field).
    private func expectNoLeak(_ messages: [String], allowed: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!messages.isEmpty, sourceLocation: sourceLocation)
        // The file's path is no value (and its random folder name could hold any digits).
        for message in messages.map({ $0.replacingOccurrences(of: harness.folder.url.path, with: "") }) {
            for (column, secret) in Self.secrets where column != allowed {
                #expect(!message.localizedCaseInsensitiveContains(secret), "leaks \(column)",
                        sourceLocation: sourceLocation)
            }
        }
    }

    @Test func aBadAgeMessageHoldsNoOtherVictimValue() throws {
        var row = Self.secretRow
        row.age = "5x7"
        _ = try harness.importRows([row])
        expectNoLeak(harness.log.issues, allowed: "victim_age")
        #expect(harness.log.issues.count == 1)
    }

    /// Breaks one field of a row; its message may quote that field only.
    static func breakField(_ column: String, of row: inout ExportRow) {
        switch column {
        case "reported_on": row.reportedOn = "2021-02-30"
        case "state": row.state = "Atlantis"
        case "county": row.county = "Gotham"
        case "city": row.city = String(repeating: "Zyxtonville", count: 12)
        case "trafficking_type": row.type = "Piracy"
        case "venues": row.venues = "Pornography;Lighthouse"
        case "victim_id": row.victimID = String(repeating: "VICTIM-ZQ5520", count: 6)
        case "victim_gender": row.gender = "Robot"
        case "victim_age_group": row.ageGroup = "Minor"
        case "victim_age": row.age = "157"
        case "victim_citizenship": row.citizenship = "Martian"
        case "case_id": row.caseID = String(repeating: "CASE-QX7731", count: 7)
        default: Issue.record("no way to break \(column)")
        }
    }

    @Test(arguments: specHeader)
    func aFieldsMessageHoldsNoOtherFieldsValue(column: String) throws {
        var row = Self.secretRow
        Self.breakField(column, of: &row)
        let path = try harness.write("one.csv", csvText([row]))
        _ = try harness.importFile(path)
        let issues = harness.issues(in: path)
        #expect(issues.count == 1)
        // The age-group disagreement is reported on either of its two columns.
        #expect(issues.first?.location.column == column
            || (column == "victim_age_group" && issues.first?.location.column == "victim_age"))
        expectNoLeak(harness.log.issues, allowed: column)
    }

    @Test func conflictMessagesHoldNoValues() throws {
        var other = Self.secretRow
        other.city = "Quorvale"
        other.victimID = "VICTIM-ZQ5520"
        _ = try harness.importRows([Self.secretRow, ExportRow(caseID: "K"), other])
        expectNoLeak(harness.log.issues)
        #expect(harness.log.issues.allSatisfy { !$0.contains("Quorvale") })

        _ = try harness.importRows([Self.secretRow], name: "first.csv")
        _ = try harness.importRows([Self.secretRow, ExportRow(caseID: "K")], name: "second.csv")
        expectNoLeak(harness.log.issues)
    }

    @Test func recordAndSyntaxMessagesHoldNoValues() throws {
        let text = csvText([Self.secretRow]) + csvLine(Array(Self.secretRow.fields.dropLast())) + "\n"
            + "X,2021-01-01,CA,Kern,\"Zyxtonville,Sex,,VICTIM-ZQ5520\n"
        _ = try harness.importText(text) { $0.onError = .skip }
        #expect(harness.log.issues.count == 2)
        expectNoLeak(harness.log.issues)
    }

    @Test func unknownColumnWarningsHoldNoValues() throws {
        let text = csvLine(specHeader + ["notes"]) + "\n" + csvLine(Self.secretRow.fields + ["Zyxtonville"]) + "\n"
        _ = try harness.importText(text)
        #expect(harness.log.warnings.count == 1)
        expectNoLeak(harness.log.warnings)
    }

    @Test func ndjsonMessagesHoldNoOtherValues() throws {
        let lines = [
            #"{"case_id": "CASE-QX7731", "reported_on": "2021-03-04", "state": "CA", "county": "Kern", "city": "Zyxtonville", "victims": [{"victim_id": "VICTIM-ZQ5520", "gender": "Gender Non-Conforming", "age": "abc", "citizenship": "Lawful Permanent Resident"}], "notes": "Quorvale"}"#,
            #"{"case_id": "CASE-QX7731", "city": "Zyxtonville", "victims": [{"victim_id": "VICTIM-ZQ5520"}]"#,
            #"{"case_id": "CASE-QX7731", "reported_on": "2021-03-04", "state": "CA", "city": "Zyxtonville", "victims": [{"victim_id": "VICTIM-ZQ5520", "age": true}]}"#,
        ]
        _ = try harness.importText(lines.joined(separator: "\n"), name: "secret.ndjson") { $0.onError = .skip }
        #expect(harness.log.issues.count == 3)
        expectNoLeak(harness.log.issues + harness.log.warnings)
        #expect((harness.log.issues + harness.log.warnings).allSatisfy { !$0.contains("Quorvale") })
    }
}
