import CaseStore
import Foundation
import SQLite
import Testing

@Suite("Schema")
struct SchemaTests {
    let folder: TemporaryDirectory
    let db: Connection

    init() throws {
        folder = try TemporaryDirectory()
        db = try CaseDatabase.openForWriting(at: folder.path("schema.db")).connection
        try db.execute(
            """
            INSERT INTO import_batches (id, file_name, sha256, profile, imported_at, rows_read, rows_imported,
                rows_rejected, cases_imported, victims_imported)
            VALUES (1, 'a.csv', '\(String(repeating: "a", count: 64))', 'hotline', '2026-01-01T00:00:00Z', 3, 3, 0, 1, 2);
            INSERT INTO cases (id, case_ref, batch_id, reported_on, year, state, county_fips, city, trafficking_type, source_line)
            VALUES (1, 'C-1', 1, '2021-03-04', 2021, 'CA', '06037', 'Los Angeles', 'sex', 2);
            INSERT INTO victims (case_id, position, victim_ref, gender, age_group, age, citizenship, source_line)
            VALUES (1, 1, 'V1', 'female', 'minor', 16, 'us_citizen_lpr', 2), (1, 2, NULL, 'male', 'adult', NULL, 'unknown', 3);
            INSERT INTO case_venues (case_id, venue_id) VALUES (1, 1), (1, 7);
            """)
    }

    @Test func aNewDatabaseHasSixteenKiBPagesAndAnOlderFileKeepsItsOwn() throws {
        #expect(try db.scalarInt("PRAGMA page_size") == Int64(CaseDatabase.pageSize))
        #expect(CaseDatabase.pageSize == 16384)
        // A file made with SQLite's default page size (as htdb made them before) is migrated and written as it is.
        let older = folder.path("older.db")
        let made = try Connection(path: older)
        try made.execute("CREATE TABLE placeholder (a INTEGER); DROP TABLE placeholder")
        try made.close()
        let opened = try CaseDatabase.openForWriting(at: older)
        #expect(try opened.connection.scalarInt("PRAGMA page_size") == 4096)
        #expect((try opened.connection.scalarInt("SELECT count(*) FROM states") ?? 0) > 50)
        try opened.close()
    }

    /// Runs an insert that must violate a constraint; returns the extended code.
    private func violation(_ sql: String) -> Int32? {
        do {
            try db.execute(sql)
            return nil
        } catch let error as SQLiteError {
            return error.extendedCode
        } catch {
            return -1
        }
    }

    private func insertCase(_ values: String) -> Int32? {
        violation("INSERT INTO cases (case_ref, batch_id, reported_on, year, state, county_fips, city, trafficking_type, source_line) VALUES \(values.dropLast()), 1)")
    }

    @Test func theTablesAndViewsExist() throws {
        for name in ["trafficking_types", "genders", "age_groups", "citizenships", "venues", "venue_aliases", "states",
                     "counties", "import_batches", "cases", "victims", "case_venues", "case_facts", "victim_facts",
                     "htdb_migrations"] {
            #expect(try db.tableExists(name), "missing \(name)")
        }
        let strict = try db.prepare("SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND strict = 0 AND name NOT LIKE 'sqlite_%'").allRows()
        #expect(strict.isEmpty, "tables that are not STRICT: \(strict)")
    }

    @Test func geographyIsSeeded() throws {
        #expect(try db.scalarInt("SELECT count(*) FROM states") == 56)
        #expect(try db.scalarInt("SELECT count(*) FROM counties") ?? 0 > 3100)
        #expect(try db.scalarInt("SELECT count(*) FROM counties WHERE state NOT IN ('PR','GU','VI','AS','MP')") == 3143 + 9)
        #expect(try db.scalarText("SELECT fips FROM counties WHERE state = 'CA' AND name = 'Los Angeles'") == "06037")
        #expect(try db.scalarInt("SELECT count(*) FROM counties WHERE state = 'CT'") == 17)
        #expect(try db.scalarText("SELECT suffix FROM counties WHERE fips = '09110'") == "Planning Region")
        #expect(try db.scalarText("SELECT suffix FROM counties WHERE fips = '51600'") == "city")
        #expect(try db.scalarInt("SELECT count(*) FROM counties c JOIN states s ON s.code = c.state WHERE substr(c.fips, 1, 2) <> s.fips") == 0)
    }

    @Test func checkConstraintsRejectBadValues() {
        // Not a calendar date, and a year that does not match the date.
        #expect(insertCase("('C-2', 1, '2021-02-30', 2021, 'CA', NULL, NULL, 'sex')") == SQLiteError.constraintCheck)
        #expect(insertCase("('C-2', 1, '2021/02/03', 2021, 'CA', NULL, NULL, 'sex')") == SQLiteError.constraintCheck)
        #expect(insertCase("('C-2', 1, '2021-02-03', 2020, 'CA', NULL, NULL, 'sex')") == SQLiteError.constraintCheck)
        #expect(insertCase("('', 1, '2021-02-03', 2021, 'CA', NULL, NULL, 'sex')") == SQLiteError.constraintCheck)
        #expect(insertCase("('C-2', 1, '2021-02-03', 2021, 'CA', NULL, '\(String(repeating: "x", count: 129))', 'sex')") == SQLiteError.constraintCheck)
        #expect(insertCase("('C-1', 1, '2021-02-03', 2021, 'CA', NULL, NULL, 'sex')") == SQLiteError.constraintUnique)
        #expect(insertCase("('C-2', 1, '2021-02-03', '2021x', 'CA', NULL, NULL, 'sex')") == SQLiteError.constraintDataType)
        // Age outside 0...120, and an age that disagrees with its group.
        #expect(violation("INSERT INTO victims (case_id, position, age_group, age, source_line) VALUES (1, 3, 'adult', 121, 1)") == SQLiteError.constraintCheck)
        #expect(violation("INSERT INTO victims (case_id, position, age_group, age, source_line) VALUES (1, 3, 'adult', 17, 1)") == SQLiteError.constraintCheck)
        #expect(violation("INSERT INTO victims (case_id, position, victim_ref, source_line) VALUES (1, 3, 'V1', 1)") == SQLiteError.constraintTrigger)
        #expect(violation("INSERT INTO venues (id, code, label, kind) VALUES (99, 'x', 'X', 'other')") == SQLiteError.constraintCheck)
    }

    /// Since migration 0006 a victim is its case and position: the primary key, with no rowid of its own.
    @Test func aVictimIsKeyedByItsCaseAndPosition() throws {
        let key = try db.prepare("SELECT name FROM pragma_table_info('victims') WHERE pk > 0 ORDER BY pk").allRows()
        #expect(key == [[.text("case_id")], [.text("position")]])
        #expect(try db.scalarInt("SELECT wr FROM pragma_table_list WHERE name = 'victims'") == 1)
        #expect(violation("INSERT INTO victims (case_id, position, source_line) VALUES (1, 2, 1)") == SQLiteError.constraintPrimaryKey)
        #expect(violation("INSERT INTO victims (case_id, position, source_line) VALUES (1, 0, 1)") == SQLiteError.constraintCheck)
    }

    /// Since migration 0008 a victim_ref is unique in its case by triggers (no index): inserting or updating a
    /// victim so that its case has the reference twice fails, for any writer of the file.
    @Test func aVictimRefIsUniqueInItsCaseByTrigger() throws {
        let indexes = try db.prepare("SELECT name FROM pragma_index_list('victims') WHERE origin = 'u'").allRows()
        #expect(indexes.isEmpty, "\(indexes)")
        do {
            try db.execute("INSERT INTO victims (case_id, position, victim_ref, source_line) VALUES (1, 3, 'V1', 1)")
            Issue.record("a repeated victim_ref was inserted")
        } catch let error as SQLiteError {
            #expect(error.extendedCode == SQLiteError.constraintTrigger)
            #expect(error.message.contains("UNIQUE constraint failed: victims.case_id, victims.victim_ref"), "\(error)")
        }
        // Another reference, no reference, or the same reference in another case: allowed.
        try db.execute("INSERT INTO victims (case_id, position, victim_ref, source_line) VALUES (1, 3, 'V3', 4), (1, 4, NULL, 5)")
        try db.execute(
            """
            INSERT INTO cases (id, case_ref, batch_id, reported_on, year, state, trafficking_type, source_line)
            VALUES (2, 'C-2', 1, '2021-03-04', 2021, 'CA', 'sex', 6);
            INSERT INTO victims (case_id, position, victim_ref, source_line) VALUES (2, 1, 'V1', 6);
            """)
        // Updates: to a reference the case has on another victim, fails; moving a victim into a case that has its
        // reference, fails; a victim keeping its own reference, or taking a free one, is fine.
        #expect(violation("UPDATE victims SET victim_ref = 'V1' WHERE case_id = 1 AND position = 3") == SQLiteError.constraintTrigger)
        #expect(violation("UPDATE victims SET victim_ref = 'V1' WHERE case_id = 1 AND position = 4") == SQLiteError.constraintTrigger)
        #expect(violation("UPDATE victims SET case_id = 1, position = 9 WHERE case_id = 2 AND position = 1") == SQLiteError.constraintTrigger)
        try db.execute("UPDATE victims SET victim_ref = 'V1', gender = 'male' WHERE case_id = 1 AND position = 1")
        try db.execute("UPDATE victims SET victim_ref = 'V5' WHERE case_id = 1 AND position = 4")
        try db.execute("UPDATE victims SET position = 7 WHERE case_id = 2 AND position = 1")
        #expect(try db.scalarInt("SELECT count(*) FROM victims WHERE victim_ref = 'V1'") == 2)
    }

    /// Since migration 0013 the schema makes no index on cases but the case_ref key's: the count tables serve the
    /// reports, and building an index was a sixth of a large import.
    @Test func casesHaveOnlyTheCaseRefIndex() throws {
        let indexes = try db.prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'cases'")
            .allRows()
        #expect(indexes == [[.text("sqlite_autoindex_cases_1"), .null]])
    }

    @Test func foreignKeysRejectUnknownCodes() {
        #expect(insertCase("('C-2', 1, '2021-02-03', 2021, 'XX', NULL, NULL, 'sex')") == SQLiteError.constraintForeignKey)
        #expect(insertCase("('C-2', 1, '2021-02-03', 2021, 'CA', NULL, NULL, 'nope')") == SQLiteError.constraintForeignKey)
        #expect(insertCase("('C-2', 9, '2021-02-03', 2021, 'CA', NULL, NULL, 'sex')") == SQLiteError.constraintForeignKey)
        // A real county of another state.
        #expect(insertCase("('C-2', 1, '2021-02-03', 2021, 'CA', '12095', NULL, 'sex')") == SQLiteError.constraintForeignKey)
        #expect(violation("INSERT INTO victims (case_id, position, gender, source_line) VALUES (1, 3, 'other', 1)") == SQLiteError.constraintForeignKey)
        #expect(violation("INSERT INTO victims (case_id, position, source_line) VALUES (42, 1, 1)") == SQLiteError.constraintForeignKey)
        #expect(violation("INSERT INTO case_venues (case_id, venue_id) VALUES (1, 999)") == SQLiteError.constraintForeignKey)
    }

    @Test func deletingACaseDeletesItsVictimsAndVenueLinks() throws {
        try db.execute("DELETE FROM cases WHERE case_ref = 'C-1'")
        #expect(try db.scalarInt("SELECT count(*) FROM victims") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM case_venues") == 0)
    }

    @Test func deletingABatchDeletesItsCases() throws {
        try db.execute("DELETE FROM import_batches WHERE id = 1")
        #expect(try db.scalarInt("SELECT count(*) FROM cases") == 0)
        #expect(try db.scalarInt("SELECT count(*) FROM victims") == 0)
    }

    @Test func viewsGiveReadableLabels() throws {
        let facts = try db.prepare("SELECT state_name, county_name, trafficking_type_label, venues, victim_count FROM case_facts").allRows()
        #expect(facts == [[.text("California"), .text("Los Angeles"), .text("Sex"), .text("Escort Services; Hotel/Motel-Based"), .integer(2)]])
        let victims = try db.prepare("SELECT gender_label, age_group_label, citizenship_label FROM victim_facts ORDER BY position").allRows()
        #expect(victims == [[.text("Female"), .text("Minor"), .text("U.S. Citizen/LPR")], [.text("Male"), .text("Adult"), .text("Unknown")]])
    }
}
