import CaseStore
import Foundation
import SQLite
import Testing

/// Databases made by earlier htdb versions upgrade in place and keep every row. The fixtures are kept as made:
/// `Fixtures/upgrade/htdb-0.1.0.db` was made by htdb 0.1.0 (migrations 0001–0002) from the bundled samples.
@Suite("Upgrades")
struct UpgradeTests {
    static let fixtures = packageRoot.appendingPathComponent("Tests/htdbTests/Fixtures/upgrade")

    /// Every row of the data tables, as one digest, so "keeps every row" means every value too.
    private func digest(_ path: String) throws -> [String: String] {
        let db = try Connection(path: path, mode: .readOnly)
        var result: [String: String] = [:]
        // The columns of htdb 0.1.0's schema (later migrations add columns: they are checked on their own), less
        // the victims' own `id`, which migration 0006 drops (a victim is its case and position).
        let columns = [
            "import_batches": "id, file_name, sha256, profile, imported_at, rows_read, rows_imported, rows_rejected, "
                + "cases_imported, victims_imported",
            "cases": "id, case_ref, batch_id, reported_on, year, state, county_fips, city, trafficking_type, source_line",
            "victims": "case_id, position, victim_ref, gender, age_group, age, citizenship, source_line",
        ]
        for (table, order) in [("import_batches", "id"), ("cases", "id"), ("victims", "case_id, position"),
                               ("case_venues", "case_id, venue_id")] {
            let rows = try db.prepare("SELECT \(columns[table] ?? "*") FROM \(table) ORDER BY \(order)").allRows()
            result[table] = "\(rows.count):" + SHA256.hash(Array("\(rows)".utf8)).hex
        }
        return result
    }

    @Test(arguments: ["htdb-0.1.0.db"])
    func anOlderDatabaseUpgradesInPlaceAndKeepsEveryRow(_ name: String) throws {
        let folder = try TemporaryDirectory()
        let copy = folder.path(name)
        try FileManager.default.copyItem(atPath: Self.fixtures.appendingPathComponent(name).path, toPath: copy)
        let before = try digest(copy)
        #expect(before["cases"]?.hasPrefix("500:") == true)

        let migrate = try CLI.run(["migrate", "--db", copy])
        #expect(migrate.status == 0, "\(migrate.stderr)")
        #expect(try digest(copy) == before)
        // Migration 0004 (CTDC): every case stored before is in the US, no victim has a nationality yet.
        let upgraded = try Connection(path: copy, mode: .readOnly)
        #expect(try upgraded.scalarInt("SELECT count(*) FROM cases WHERE country = 'US'") == 500)
        #expect(try upgraded.scalarInt("SELECT count(*) FROM victims WHERE nationality IS NOT NULL") == 0)
        #expect(try upgraded.scalarInt("SELECT count(*) FROM case_facts") == 500)
        // Migration 0014: the size of a file imported before it is not known.
        #expect(try upgraded.scalarInt("SELECT count(*) FROM import_batches WHERE bytes IS NULL") ==
                    upgraded.scalarInt("SELECT count(*) FROM import_batches"))
        let status = try CLI.run(["migrate", "--status", "--db", copy])
        #expect(!status.stdout.contains("pending"))
        #expect(try CLI.run(["check", "--db", copy]).status == 0)
        // And it is usable: reports read it, a new file imports into it.
        #expect(try CLI.run(["report", "--by", "year", "--db", copy]).status == 0)
        let imported = try CLI.run(["import", sample("hotline-2021-california.csv"), "--db", copy])
        #expect(imported.status == 0, "\(imported.stderr)")
    }
}
