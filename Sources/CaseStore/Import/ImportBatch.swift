import Foundation
import SQLite

/// One imported file, as recorded in `import_batches`.
public struct ImportBatch: Codable, Equatable, Sendable {
    public let id: Int64
    public let fileName: String
    public let sha256: String
    public let profile: String
    public let importedAt: String
    public let rowsRead: Int
    public let rowsImported: Int
    public let rowsRejected: Int
    public let casesImported: Int
    public let victimsImported: Int
    /// Cases of this batch still in the database (fewer than imported when a later --replace took some).
    public let casesNow: Int

    enum CodingKeys: String, CodingKey {
        case id, sha256, profile
        case fileName = "file_name"
        case importedAt = "imported_at"
        case rowsRead = "rows_read"
        case rowsImported = "rows_imported"
        case rowsRejected = "rows_rejected"
        case casesImported = "cases_imported"
        case victimsImported = "victims_imported"
        case casesNow = "cases_now"
    }

    /// Every batch, oldest first.
    public static func all(_ db: Connection) throws -> [ImportBatch] {
        let statement = try db.prepare(
            """
            SELECT b.id, b.file_name, b.sha256, b.profile, b.imported_at, b.rows_read, b.rows_imported,
                b.rows_rejected, b.cases_imported, b.victims_imported,
                (SELECT count(*) FROM cases c WHERE c.batch_id = b.id)
            FROM import_batches b ORDER BY b.id
            """)
        var batches: [ImportBatch] = []
        while try statement.step() {
            batches.append(ImportBatch(
                id: statement.int64(0), fileName: statement.string(1) ?? "", sha256: statement.string(2) ?? "",
                profile: statement.string(3) ?? "", importedAt: statement.string(4) ?? "",
                rowsRead: statement.int(5), rowsImported: statement.int(6), rowsRejected: statement.int(7),
                casesImported: statement.int(8), victimsImported: statement.int(9), casesNow: statement.int(10)))
        }
        return batches
    }

    /// Deletes batch `id` with its cases (and their victims and venue links) in one transaction, and recomputes the
    /// count tables the reports read.
    /// - Returns: the batch as it was, or nil when there is no such batch.
    ///
    /// The victims and venue links go first, each in one set-based DELETE, with foreign-key enforcement off around
    /// the transaction: with it on, `ON DELETE CASCADE` ran a DELETE on each child table for every case (11 s
    /// against 4.5 s for a batch of 600,000 cases). Nothing else refers to a case or a batch, so the three DELETEs
    /// leave no orphan.
    @discardableResult
    public static func delete(id: Int64, from db: Connection) throws -> ImportBatch? {
        try db.withoutForeignKeyEnforcement { try db.transaction(.immediate) {
            guard let batch = try all(db).first(where: { $0.id == id }) else { return nil }
            try db.run("DELETE FROM victims WHERE case_id IN (SELECT id FROM cases WHERE batch_id = ?)", id)
            try db.run("DELETE FROM case_venues WHERE case_id IN (SELECT id FROM cases WHERE batch_id = ?)", id)
            try db.run("DELETE FROM cases WHERE batch_id = ?", id)
            try db.run("DELETE FROM import_batches WHERE id = ?", id)
            try CountTable.rebuild(db)
            return batch
        } }
    }

    /// The batches as an aligned table.
    public static func table(_ batches: [ImportBatch]) -> String {
        var table = TextTable(
            headers: ["id", "file", "profile", "imported_at", "rows_read", "imported", "rejected", "cases",
                      "victims", "sha256"],
            rightAligned: [0, 4, 5, 6, 7, 8])
        for batch in batches {
            let cases = batch.casesNow == batch.casesImported ? "\(batch.casesImported)"
                : "\(batch.casesNow) of \(batch.casesImported)"
            table.append(["\(batch.id)", batch.fileName, batch.profile, batch.importedAt, "\(batch.rowsRead)",
                          "\(batch.rowsImported)", "\(batch.rowsRejected)", cases, "\(batch.victimsImported)",
                          String(batch.sha256.prefix(12))])
        }
        return table.render()
    }

    /// The batches as pretty-printed JSON (an array, keys sorted).
    public static func json(_ batches: [ImportBatch]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(batches), as: UTF8.self)
    }
}
