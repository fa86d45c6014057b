import SQLite

/// The four count tables the reports read (created by `Migrations/0003_count_tables.sql`): cases by county, cases
/// by state with and without venue, victims by state. Each holds, for every combination of its key columns that
/// occurs, how many cases or victims have it; they are derived data that the importer and batch deletion keep equal
/// to the stored rows in the same transaction, and `htdb check` recomputes.
struct CountTable: Hashable, Sendable, CaseIterable {
    let unit: Report.Unit
    let byVenue: Bool
    let byCounty: Bool

    static let cases = CountTable(unit: .cases, byVenue: false, byCounty: true)
    static let stateCases = CountTable(unit: .cases, byVenue: false, byCounty: false)
    static let stateCaseVenues = CountTable(unit: .cases, byVenue: true, byCounty: false)
    static let stateVictims = CountTable(unit: .victims, byVenue: false, byCounty: false)
    static let allCases: [CountTable] = [cases, stateCases, stateCaseVenues, stateVictims]

    /// The table that has every column a report needs; nil when there is none (victims by county are counted
    /// from the stored rows).
    static func covering(unit: Report.Unit, venue: Bool, county: Bool) -> CountTable? {
        let table = CountTable(unit: unit, byVenue: venue, byCounty: county)
        return allCases.contains(table) ? table : nil
    }

    var name: String {
        (byCounty ? "" : "state_") + (unit == .cases ? "case" : "victim") + (byVenue ? "_venue" : "") + "_counts"
    }

    /// The count column: `cases` or `victims`.
    var countColumn: String { unit.rawValue }

    /// The key columns, in primary-key order.
    var keyColumns: [String] {
        var columns = ["state"]
        if byCounty { columns.append("county_fips") }
        columns += ["year", "trafficking_type"]
        if byVenue { columns.append("venue_id") }
        if unit == .victims { columns += ["gender", "age_group", "citizenship"] }
        return columns
    }

    /// The key columns computed from the stored rows (`cases c`, `victims x`, `case_venues cv`).
    private var sourceExpressions: [String] {
        keyColumns.map { column in
            switch column {
            case "county_fips": "coalesce(c.county_fips, '')"
            case "state": "coalesce(c.state, '')"
            case "venue_id": "cv.venue_id"
            case "gender", "age_group", "citizenship": "x.\(column)"
            default: "c.\(column)"
            }
        }
    }

    /// The table's rows computed from the stored cases: `SELECT keys..., count(*) FROM ... GROUP BY keys`.
    var aggregateSQL: String {
        var from = unit == .victims ? "victims x JOIN cases c ON c.id = x.case_id" : "cases c"
        if byVenue { from += " JOIN case_venues cv ON cv.case_id = c.id" }
        let keys = sourceExpressions
        return "SELECT \(keys.joined(separator: ", ")), count(*) FROM \(from) GROUP BY "
            + (1...keys.count).map(String.init).joined(separator: ", ")
    }

    /// Subtracts from a combination's count (an upsert cannot: SQLite checks the count column's CHECK on the row it
    /// would insert before it finds the conflict).
    var subtractSQL: String {
        "UPDATE \(name) SET \(countColumn) = \(countColumn) - ? WHERE "
            + keyColumns.map { "\($0) = ?" }.joined(separator: " AND ")
    }

    /// Recomputes every count table from the stored rows (after a batch is deleted).
    static func rebuild(_ db: Connection) throws {
        for table in allCases {
            try db.execute("DELETE FROM \(table.name)")
            try db.execute("INSERT INTO \(table.name) \(table.aggregateSQL)")
        }
    }

    /// The tables whose rows differ from what the stored cases give, with the number of differing rows.
    static func mismatches(_ db: Connection) throws -> [String] {
        var problems: [String] = []
        for table in allCases {
            let stored = "SELECT \((table.keyColumns + [table.countColumn]).joined(separator: ", ")) FROM \(table.name) "
                + "WHERE \(table.countColumn) > 0"
            let statement = try db.prepare(
                "SELECT (SELECT count(*) FROM (\(stored) EXCEPT \(table.aggregateSQL))) + "
                    + "(SELECT count(*) FROM (\(table.aggregateSQL) EXCEPT \(stored)))")
            let differing = try statement.step() ? statement.int(0) : 0
            if differing > 0 {
                problems.append("\(table.name): \(differing) rows differ from what the stored cases give")
            }
        }
        return problems
    }
}

/// Changes to the count tables collected while a file is imported, written once before its transaction commits.
/// Storing a case or victim adds 1 to its combinations; taking a stored case back (a case rejected after some of its
/// rows were stored, or replaced with --replace) subtracts its rows again. Keys are small integers, and there are
/// at most as many as the count tables have rows (thousands, not one per row).
struct CountDeltas {
    struct Key: Equatable {
        /// The USPS code's two ASCII letters.
        var state: UInt16
        /// The county's FIPS as a number; -1 for none.
        var county: Int32
        var year: Int16
        var type: UInt8
        /// 0 for none.
        var venue: UInt8 = 0
        var gender: UInt8 = 0
        var ageGroup: UInt8 = 0
        var citizenship: UInt8 = 0

        /// A cheap hash of the fields (the packed words through MurmurHash3's finalizer): keys are looked up for
        /// every case and victim stored, and Swift's seeded Hasher was a measurable part of an import.
        var mixed: Int {
            let (first, second) = packed
            // MurmurHash3's 64-bit finalizer: every input bit reaches the low bits the table uses.
            var hash = first ^ second &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 33
            hash &*= 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 33
            hash &*= 0xC4CE_B9FE_1A85_EC53
            hash ^= hash >> 33
            return Int(truncatingIfNeeded: hash)
        }

        /// The fields in two words, in the count tables' primary-key order (a county of -1, none, first): compared
        /// as a pair they sort keys roughly as the tables store them.
        var packed: (UInt64, UInt64) {
            (UInt64(state) << 48 | UInt64(UInt32(bitPattern: county &+ 1) & 0xFF_FFFF) << 24
                | UInt64(UInt16(bitPattern: year)) << 8 | UInt64(type),
             UInt64(venue) << 24 | UInt64(gender) << 16 | UInt64(ageGroup) << 8 | UInt64(citizenship))
        }
    }

    /// Counts by key: open addressing with linear probing over ``Key/mixed``. A key and its count sit side by side
    /// (one cache miss per lookup, not three: the tables outgrow the CPU caches on a large import).
    struct CountMap {
        private struct Entry {
            var key: Key
            var value: Int
        }

        /// An empty slot's key: no real key has this trafficking-type index.
        private static let emptyType = UInt8.max
        private var slots: [Entry] = []
        private(set) var count = 0

        mutating func add(_ delta: Int, to key: Key) {
            precondition(key.type != Self.emptyType)
            if (count + 1) * 4 > slots.count * 3 { grow() }
            let mask = slots.count - 1
            var index = key.mixed & mask
            while slots[index].key.type != Self.emptyType {
                if slots[index].key == key {
                    slots[index].value += delta
                    return
                }
                index = (index + 1) & mask
            }
            slots[index] = Entry(key: key, value: delta)
            count += 1
        }

        /// Reads the slot where `key`'s search starts (to bring it into the cache); the value means nothing.
        func lookAhead(_ key: Key) -> Int {
            slots.isEmpty ? 0 : Int(slots[key.mixed & (slots.count - 1)].key.type)
        }

        /// Every key with its count, in no particular order.
        var entries: [(key: Key, value: Int)] {
            slots.compactMap { $0.key.type == Self.emptyType ? nil : ($0.key, $0.value) }
        }

        private mutating func grow() {
            let old = entries
            let empty = Entry(key: Key(state: 0, county: 0, year: 0, type: Self.emptyType), value: 0)
            slots = Array(repeating: empty, count: max(64, slots.count * 2))
            count = 0
            for (key, value) in old { add(value, to: key) }
        }
    }

    private var deltas: [CountMap] = Array(repeating: CountMap(), count: CountTable.allCases.count)
    /// While a journal is open, the changes wait here (table index, key, sign) instead of going to the maps.
    private var journal: [(table: Int, key: Key, sign: Int)] = []
    private var journaling = false
    /// Where the look-ahead pass of `closeJournal` leaves its sum, so that its loads are not optimized away.
    private var lookAheadSink = 0

    private mutating func add(_ sign: Int, to key: Key, in table: Int) {
        if journaling {
            journal.append((table, key, sign))
        } else {
            deltas[table].add(sign, to: key)
        }
    }

    /// A case's own row and its venue links, counted `sign` times (+1 stored, -1 taken back).
    mutating func addCase(state: String, county: String?, year: Int, type: TraffickingType, venues: [Int], sign: Int) {
        var key = Key(state: Self.stateKey(state), county: county.flatMap { Int32($0) } ?? -1, year: Int16(year),
                      type: Self.index(type))
        add(sign, to: key, in: 0)
        key.county = -1
        add(sign, to: key, in: 1)
        for venue in venues {
            key.venue = UInt8(truncatingIfNeeded: venue)
            add(sign, to: key, in: 2)
        }
    }

    /// A victim of a case, counted `sign` times.
    mutating func addVictim(state: String, year: Int, type: TraffickingType, gender: Gender, ageGroup: AgeGroup,
                            citizenship: Citizenship, sign: Int) {
        let key = Key(state: Self.stateKey(state), county: -1, year: Int16(year), type: Self.index(type),
                      gender: Self.index(gender), ageGroup: Self.index(ageGroup), citizenship: Self.index(citizenship))
        add(sign, to: key, in: 3)
    }

    /// Holds back the changes that follow until `closeJournal` keeps or drops them (rows staged for a multi-row
    /// INSERT that may be rolled back). Does nothing when a journal is open. Nothing reads the counts meanwhile.
    mutating func openJournal() {
        journaling = true
    }

    /// Ends the journal: applies its changes to the maps, or drops them.
    ///
    /// Kept changes are applied in two passes. The first only reads each key's home slot: the reads are independent
    /// of one another, so the processor has many cache misses in flight at once; the second then finds those slots
    /// in the cache. Applied one by one as rows were staged, nearly every change waited for its own miss (the maps
    /// are a few MB): `CountMap.add` was 2 % of a 1M-row import's storing thread and 4 % at 4M rows (perf).
    mutating func closeJournal(keep: Bool) {
        guard journaling else { return }
        journaling = false
        if keep {
            var sum = 0
            for entry in journal { sum &+= deltas[entry.table].lookAhead(entry.key) }
            lookAheadSink &+= sum
            for entry in journal { deltas[entry.table].add(entry.sign, to: entry.key) }
        }
        journal.removeAll(keepingCapacity: true)
    }

    private static func stateKey(_ code: String) -> UInt16 {
        var key: UInt16 = 0
        for byte in code.utf8.prefix(2) { key = key << 8 | UInt16(byte) }
        return key
    }

    /// The USPS code of a key; "" for 0, a case with no state (the count tables' key for it).
    private static func stateCode(_ key: UInt16) -> String {
        key == 0 ? "" : String(decoding: [UInt8(key >> 8), UInt8(key & 0xFF)], as: UTF8.self)
    }

    private static func index<T: VocabularyTerm>(_ term: T) -> UInt8 { UInt8(term.ordinal) }

    private static func codes<T: VocabularyTerm>(_ type: T.Type) -> [String] { T.allCases.map(\.rawValue) }
    private static let typeCodes = codes(TraffickingType.self)
    private static let genderCodes = codes(Gender.self)
    private static let ageGroupCodes = codes(AgeGroup.self)
    private static let citizenshipCodes = codes(Citizenship.self)

    private static func code(_ index: UInt8, in codes: [String]) -> String {
        Int(index) < codes.count ? codes[Int(index)] : ""
    }

    /// The county key as stored: its 5-digit FIPS, or "" for none.
    private static func countyCode(_ county: Int32) -> String {
        guard county >= 0 else { return "" }
        var digits = [UInt8](repeating: UInt8(ascii: "0"), count: 5)
        var rest = Int(county)
        for index in stride(from: 4, through: 0, by: -1) {
            digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        return String(decoding: digits, as: UTF8.self)
    }

    /// Subtracts everything stored for case `id` (its row, venue links and victims), before it is deleted.
    mutating func subtractStoredCase(_ id: Int64, statements: CountStatements) throws {
        let caseRow = statements.caseRow
        defer { try? caseRow.reset() }
        try caseRow.bind(id, at: 1)
        guard try caseRow.step() else { return }
        let state = caseRow.string(0) ?? ""
        let county = caseRow.string(1)
        let year = caseRow.int(2)
        let type = TraffickingType(rawValue: caseRow.string(3) ?? "") ?? .notSpecified
        try caseRow.reset()
        var venues: [Int] = []
        defer { try? statements.venues.reset() }
        try statements.venues.bind(id, at: 1)
        while try statements.venues.step() { venues.append(statements.venues.int(0)) }
        addCase(state: state, county: county, year: year, type: type, venues: venues, sign: -1)
        let victims = statements.victims
        defer { try? victims.reset() }
        try victims.bind(id, at: 1)
        while try victims.step() {
            addVictim(state: state, year: year, type: type, gender: Gender(rawValue: victims.string(0) ?? "") ?? .unknown,
                      ageGroup: AgeGroup(rawValue: victims.string(1) ?? "") ?? .unknown,
                      citizenship: Citizenship(rawValue: victims.string(2) ?? "") ?? .unknown, sign: -1)
        }
    }

    /// Writes the collected changes and removes combinations that fell to zero. Additions go in key order through
    /// multi-row upserts (there can be a few hundred thousand); subtractions, rare, one by one.
    mutating func write(to db: Connection) throws {
        for (table, changes) in zip(CountTable.allCases, deltas) {
            let add = BulkInsert(db, "INSERT INTO \(table.name) (\((table.keyColumns + [table.countColumn]).joined(separator: ", ")))",
                                 columns: table.keyColumns.count + 1,
                                 tail: "ON CONFLICT (\(table.keyColumns.joined(separator: ", "))) DO UPDATE SET "
                                     + "\(table.countColumn) = \(table.countColumn) + excluded.\(table.countColumn)")
            let subtract = try db.prepare(table.subtractSQL)
            // In the tables' primary-key order, so the upserts walk their B-trees forward.
            for (key, delta) in changes.entries.sorted(by: { $0.key.packed < $1.key.packed }) where delta != 0 {
                if delta > 0 {
                    forEachKeyValue(key, table) { add.append($0) }
                    add.append(Int64(delta))
                } else {
                    try subtract.bind(.integer(Int64(-delta)), at: 1)
                    var parameter = 2
                    try forEachKeyValue(key, table) { value in
                        try subtract.bind(value, at: parameter)
                        parameter += 1
                    }
                    try subtract.run()
                    // Rows taken back were counted when stored: a missing combination means the tables are broken.
                    guard db.changes == 1 else { throw CountTableError.missingCombination(table: table.name) }
                }
            }
            try add.flush()
            try db.execute("DELETE FROM \(table.name) WHERE \(table.countColumn) = 0")
        }
        deltas = Array(repeating: CountMap(), count: CountTable.allCases.count)
    }

    /// A key's column values for `table`, in its key-column order, one by one (no array per key: there can be a
    /// few hundred thousand keys).
    private func forEachKeyValue(_ key: Key, _ table: CountTable, _ body: (SQLValue) throws -> Void) rethrows {
        try body(.text(Self.stateCode(key.state)))
        if table.byCounty { try body(.text(Self.countyCode(key.county))) }
        try body(.integer(Int64(key.year)))
        try body(.text(Self.code(key.type, in: Self.typeCodes)))
        if table.byVenue { try body(.integer(Int64(key.venue))) }
        if table.unit == .victims {
            try body(.text(Self.code(key.gender, in: Self.genderCodes)))
            try body(.text(Self.code(key.ageGroup, in: Self.ageGroupCodes)))
            try body(.text(Self.code(key.citizenship, in: Self.citizenshipCodes)))
        }
    }
}

/// The count tables do not hold a combination that stored rows have (they were changed by hand): the import stops
/// and its transaction rolls back.
enum CountTableError: Error, CustomStringConvertible {
    case missingCombination(table: String)

    var description: String {
        "the count table \(table) does not match the stored cases; run htdb check"
    }

    private var table: String {
        switch self { case .missingCombination(let table): table }
    }
}

/// The queries that read a stored case back for `CountDeltas.subtractStoredCase`.
final class CountStatements {
    let caseRow: Statement
    let venues: Statement
    let victims: Statement

    init(_ db: Connection) throws {
        caseRow = try db.prepare("SELECT state, county_fips, year, trafficking_type FROM cases WHERE id = ?")
        venues = try db.prepare("SELECT venue_id FROM case_venues WHERE case_id = ?")
        victims = try db.prepare("SELECT gender, age_group, citizenship FROM victims WHERE case_id = ?")
    }
}
