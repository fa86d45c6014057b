import Foundation
import SQLite

/// Changes to the count tables collected while a file is imported, written before its transaction commits.
/// Storing a case or victim adds 1 to its combinations; taking a stored case back (a case rejected after some of its
/// rows were stored, or replaced with --replace) subtracts its rows again. Keys are small integers, and there are
/// at most as many as the count tables have rows (thousands, not one per row).
///
/// Each table's combinations have as many counters as the table has count columns (`CountTable.countColumns`): one
/// for `state_case_counts`, `state_victim_counts`, `venue_victim_counts` and `county_case_venue_counts`; `cases`,
/// `victims` and one per victim term for `case_counts`, `state_case_venue_counts` and `case_venue_pair_counts`.
struct CountDeltas {
    struct Key: Equatable, Sendable {
        /// Equal when every field is: compared as the two packed words (nine field comparisons were a measurable
        /// part of every map lookup).
        static func == (a: Key, b: Key) -> Bool { a.packed == b.packed }

        /// The USPS code's two ASCII letters.
        var state: UInt16
        /// The county's FIPS as a number (five digits); -1 for none.
        var county: Int32
        var year: Int16
        /// The trafficking type's ordinal (below 8).
        var type: UInt8
        /// 0 for none.
        var venue: UInt8 = 0
        var gender: UInt8 = 0
        var ageGroup: UInt8 = 0
        var citizenship: UInt8 = 0
        /// A case's second venue in `case_venue_pair_counts`; 0 for none.
        var withVenue: UInt8 = 0

        /// The fields in county_case_venue_counts' primary-key order (county + 1, venue, state, year, type) in 64
        /// bits: that table's keys have no victim terms and no second venue.
        var countyFirstOrder: UInt64 {
            UInt64(UInt32(bitPattern: county &+ 1) & 0x1F_FFFF) << 43 | UInt64(venue) << 35 | UInt64(state) << 19
                | UInt64(UInt16(bitPattern: year)) << 3 | UInt64(type & 0x7)
        }

        /// A cheap hash of the fields (the packed words through MurmurHash3's finalizer): keys are looked up for
        /// every case and victim stored, and Swift's seeded Hasher was a measurable part of an import.
        var mixed: Int { Self.mix(packed) }

        static func mix(_ words: (UInt64, UInt32)) -> Int {
            let (first, second) = (words.0, UInt64(words.1))
            // MurmurHash3's 64-bit finalizer: every input bit reaches the low bits the table uses.
            var hash = first ^ second &* 0x9E37_79B9_7F4A_7C15
            hash ^= hash >> 33
            hash &*= 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 33
            hash &*= 0xC4CE_B9FE_1A85_EC53
            hash ^= hash >> 33
            return Int(truncatingIfNeeded: hash)
        }

        /// The fields in 96 bits, in the count tables' primary-key order (a county of -1, none, first): compared
        /// as a pair they sort keys roughly as the tables store them (types by ordinal, not code; states by USPS
        /// code, which `county_case_venue_counts`' county-first key follows nearly, a county's FIPS starting with
        /// its state's). State 16 bits, county + 1 21 bits, year 16, type 3, venue 8; then the second venue and the
        /// three victim terms, 8 bits each. A map stores the 12 bytes beside the key's counters (see `CountMap`).
        var packed: (UInt64, UInt32) {
            (UInt64(state) << 48 | UInt64(UInt32(bitPattern: county &+ 1) & 0x1F_FFFF) << 27
                | UInt64(UInt16(bitPattern: year)) << 11 | UInt64(type & 0x7) << 8 | UInt64(venue),
             UInt32(withVenue) << 24 | UInt32(gender) << 16 | UInt32(ageGroup) << 8 | UInt32(citizenship))
        }
    }

    /// Where each victim vocabulary's counters start in a `.termColumns` table: its first term column among the
    /// table's count columns (a term's counter is that plus the term's ordinal).
    private static let termOffsets = (gender: termOffset(.gender), ageGroup: termOffset(.ageGroup),
                                      citizenship: termOffset(.citizenship))

    private static func termOffset(_ dimension: Dimension) -> Int {
        CountTable.cases.countColumns.firstIndex(of: CountTable.termColumns(of: dimension)[0].column)!
    }

    /// Counters by key: open addressing with linear probing over ``Key/mixed``. Each slot is 32 bits, the number
    /// of an entry (+ 1; 0 for an empty slot) and 8 bits of the key's hash. The entries are stored densely in the
    /// order keys first came, each its packed key (three 32-bit words) followed by its counters, in chunks of
    /// 4,096 entries. A lookup reads one slot per probe and then, when the hash bits agree, the entry, whose key and
    /// counters are side by side.
    ///
    /// For county_case_venue_counts by year and type (206,951 combinations at 1M rows, 436,399 at 4M) slots of the
    /// key itself and the entry number (16 bytes) took the import's peak memory over 64 MiB; so did one array of
    /// entries, which doubled its room when full, copying itself (6.5 MiB more at once at 4M rows). Growing
    /// rebuilds the slots from the entries, so the old slots are let go first; entries are never moved.
    ///
    /// The chunks are plain memory, written through pointers: arrays of arrays checked uniqueness and bounds at every
    /// counter changed. So a map is moved or read, never copied and then changed (the copies would share entries).
    struct CountMap {
        /// The bytes of a slot.
        static var slotBytes: Int { MemoryLayout<UInt32>.stride }
        /// Entries per map at most: the entry number (+ 1) has the slot's low 24 bits. `CountDeltas.needsWrite`
        /// asks for the maps to be written (and emptied) long before.
        static let maxEntries = (1 << 24) - 2
        private static let entryMask: UInt32 = (1 << 24) - 1
        /// Entries per chunk: 2^chunkShift.
        private static let chunkShift = 12
        private static let chunkEntries = 1 << chunkShift

        /// Counters per key.
        let width: Int
        /// 32-bit words per entry: the key's three and the counters.
        private let stride: Int
        private var slots: [UInt32] = []
        /// Entry `e` is at `chunks[e >> chunkShift]`, from word `(e & (chunkEntries - 1)) * stride`; each chunk has
        /// room for `chunkEntries` entries, initialized as they come.
        private var chunks: [UnsafeMutablePointer<Int32>] = []
        /// Frees the chunks with the last copy of the map.
        private var owner = ChunkOwner()
        private(set) var count = 0

        private final class ChunkOwner {
            var chunks: [UnsafeMutablePointer<Int32>] = []
            deinit { for chunk in chunks { chunk.deallocate() } }
        }

        init(width: Int) {
            self.width = width
            stride = 3 + width
        }

        /// Where entry `entry` starts: its three key words, then its counters.
        private func start(_ entry: Int) -> UnsafeMutablePointer<Int32> {
            chunks[entry >> Self.chunkShift] + (entry & (Self.chunkEntries - 1)) * stride
        }

        /// The 8 bits of a key's hash that its slot keeps, in the slot's high bits.
        private static func tag(_ hash: Int) -> UInt32 {
            UInt32(truncatingIfNeeded: UInt(bitPattern: hash) >> 56) << 24
        }

        /// Adds `delta` to the first counter of `key`'s combination.
        mutating func add(_ delta: Int32, to key: Key) {
            // The entry first, on its own: `start(entry(key))` would read `chunks` before `entry` added a chunk.
            let entry = self.entry(key)
            start(entry)[3] += delta
        }

        /// Adds `deltas` (`width` of them) to the counters of `key`'s combination.
        mutating func add(_ deltas: UnsafeBufferPointer<Int32>, to key: Key) {
            let entry = self.entry(key)
            let counters = start(entry) + 3
            for (offset, delta) in deltas.enumerated() { counters[offset] += delta }
        }

        private mutating func entry(_ key: Key) -> Int {
            if (count + 1) * 4 > slots.count * 3 { grow() }
            let words = key.packed
            let hash = Key.mix(words)
            let tag = Self.tag(hash)
            let (low, high, second) = (Int32(truncatingIfNeeded: words.0), Int32(truncatingIfNeeded: words.0 >> 32),
                                       Int32(bitPattern: words.1))
            let stride = stride
            let found = slots.withUnsafeBufferPointer { slots -> (slot: Int, entry: Int) in
                let mask = slots.count - 1
                var slot = hash & mask
                while slots[slot] != 0 {
                    let word = slots[slot]
                    if word & ~Self.entryMask == tag {
                        let entry = Int(word & Self.entryMask) - 1
                        let at = start(entry)
                        if at[0] == low && at[1] == high && at[2] == second { return (slot, entry) }
                    }
                    slot = (slot + 1) & mask
                }
                return (slot, -1)
            }
            if found.entry >= 0 { return found.entry }
            precondition(count < Self.maxEntries, "count map full")
            if count & (Self.chunkEntries - 1) == 0 {
                // Not initialized here: a chunk's pages are touched as its entries come (peak memory).
                let chunk = UnsafeMutablePointer<Int32>.allocate(capacity: Self.chunkEntries * stride)
                owner.chunks.append(chunk)
                chunks.append(chunk)
            }
            let at = start(count)
            at.initialize(to: low)
            (at + 1).initialize(to: high)
            (at + 2).initialize(to: second)
            (at + 3).initialize(repeating: 0, count: width)
            slots[found.slot] = tag | UInt32(count + 1)
            count += 1
            return count - 1
        }

        /// Reads the slot where `key`'s search starts and, when it holds an entry, that entry's first counter (to
        /// bring both into the cache: a key is nearly always in its home slot); the value means nothing.
        func lookAhead(_ key: Key) -> Int {
            guard !slots.isEmpty else { return 0 }
            let word = slots[key.mixed & (slots.count - 1)]
            guard word != 0 else { return 0 }
            return Int(start(Int(word & Self.entryMask) - 1)[3])
        }

        /// The three words of entry `entry`'s packed key: the first word's high and low halves, and the second.
        private func keyWords(_ entry: Int) -> (UInt32, UInt32, UInt32) {
            let at = start(entry)
            return (UInt32(bitPattern: at[1]), UInt32(bitPattern: at[0]), UInt32(bitPattern: at[2]))
        }

        /// The key of entry `entry`.
        func key(_ entry: Int) -> Key {
            let (high, low, second) = keyWords(entry)
            return Key(packed: (UInt64(high) << 32 | UInt64(low), second))
        }

        /// The entry numbers in the order of their packed keys, or for `countyFirst` of the county, the venue, the
        /// state, the year and the type (county_case_venue_counts' primary key: its upserts then walk the table
        /// forward, 0.44 -> 0.39 s at 1M rows). Each entry's key is read from its chunk once, into arrays the sort
        /// compares (a comparator that read both keys from their chunks was 40 % of writing the counts); 16 bytes
        /// an entry while sorting, 4 after.
        func entriesInKeyOrder(countyFirst: Bool = false) -> [Int32] {
            var firsts = [UInt64](repeating: 0, count: count)
            var seconds = [UInt32](repeating: 0, count: countyFirst ? 0 : count)
            for entry in 0..<count {
                if countyFirst {
                    firsts[entry] = key(entry).countyFirstOrder
                } else {
                    let (high, low, second) = keyWords(entry)
                    firsts[entry] = UInt64(high) << 32 | UInt64(low)
                    seconds[entry] = second
                }
            }
            var order = (0..<Int32(count)).map { $0 }
            firsts.withUnsafeBufferPointer { firsts in
                seconds.withUnsafeBufferPointer { seconds in
                    if countyFirst {
                        order.sort { firsts[Int($0)] < firsts[Int($1)] }
                    } else {
                        order.sort { a, b in
                            let (a, b) = (Int(a), Int(b))
                            return firsts[a] != firsts[b] ? firsts[a] < firsts[b] : seconds[a] < seconds[b]
                        }
                    }
                }
            }
            return order
        }

        /// Lets the slots go: the map can no longer look keys up, only give its entries (for writing them).
        mutating func dropSlots() {
            slots = []
        }

        /// The counters of entry `entry`, where they are: valid while the map is.
        func counters(_ entry: Int) -> UnsafeBufferPointer<Int32> {
            UnsafeBufferPointer(start: start(entry) + 3, count: width)
        }

        private mutating func grow() {
            let size = max(64, slots.count * 2)
            slots = []
            slots = Array(repeating: 0, count: size)
            let mask = size - 1
            for entry in 0..<count {
                let hash = key(entry).mixed
                var slot = hash & mask
                while slots[slot] != 0 { slot = (slot + 1) & mask }
                slots[slot] = Self.tag(hash) | UInt32(entry + 1)
            }
        }
    }

    /// A journaled change of a first counter (by the open case's count, or a victim's sign): 24 bytes. The journals
    /// go from the storing thread to whichever thread applies them and back, so every byte of them is moved between
    /// the cores' caches twice; with an Int for the table they were 32.
    typealias NarrowChange = (key: Key, table: UInt8, sign: Int32)
    /// A journaled change of a wide combination by the counters at `deltasAt` in the journal's deltas: 24 bytes.
    typealias WideChange = (key: Key, table: UInt8, deltasAt: Int32)

    /// The maps, and the journals handed over to them (see `SharedCountMaps`).
    let shared = SharedCountMaps()
    /// Every change is journaled here, then handed to `shared`: changes of a first counter, and changes of a wide
    /// combination's counters (`width` values from `deltasAt` in `journalDeltas`).
    private var journal: [NarrowChange] = []
    private var wideJournal: [WideChange] = []
    private var journalDeltas: [Int32] = []
    /// Whether the journal holds the changes of rows staged for a multi-row INSERT that may be rolled back
    /// (`openJournal`), which `closeJournal(keep: false)` drops; otherwise every change in it is kept.
    private var staging = false
    /// Changes counted since the last write. Counters are 32-bit and no change moves one by more than 1, so the
    /// maps are written before any could overflow (after half a billion changes; see `needsWrite`).
    private var changes = 0

    /// The case counted last: its key in `case_counts`, its venues, and what its row and victims change in its
    /// wide combinations (`case_counts`, each venue's in `state_case_venue_counts` and `county_case_venue_counts`,
    /// and each pair of its venues' in `case_venue_pair_counts`) so far. A case's victims share its keys, so these changes go to the maps (or the
    /// journal) once per case, not once per victim and key.
    private var openKey: Key?
    private var openVenues = VenueSet()
    private var openDeltas = [Int32](repeating: 0, count: CountTable.cases.countColumns.count)

    /// Whether the maps should be written now, before more changes could overflow a counter or fill a map (the
    /// journals not yet in the maps hold a few thousand changes).
    var needsWrite: Bool { changes >= 1 << 29 || shared.largestMap >= CountMap.maxEntries / 2 }

    private static let casesTable = CountTable.allCases.firstIndex(of: .cases)!
    private static let stateCasesTable = CountTable.allCases.firstIndex(of: .stateCases)!
    private static let venuesTable = CountTable.allCases.firstIndex(of: .stateCaseVenues)!
    private static let victimsTable = CountTable.allCases.firstIndex(of: .stateVictims)!
    private static let countyVenuesTable = CountTable.allCases.firstIndex(of: .countyCaseVenues)!
    private static let venuePairsTable = CountTable.allCases.firstIndex(of: .caseVenuePairs)!
    private static let venueVictimsTable = CountTable.allCases.firstIndex(of: .venueVictims)!

    private mutating func add(_ sign: Int32, to key: Key, in table: Int) {
        journal.append((key, UInt8(truncatingIfNeeded: table), sign))
    }

    /// Notes a change of a wide combination by the open case's counters, which are in `journalDeltas` from
    /// `deltasAt`.
    private mutating func addOpenDeltas(to key: Key, in table: Int, deltasAt: Int) {
        wideJournal.append((key, UInt8(truncatingIfNeeded: table), Int32(truncatingIfNeeded: deltasAt)))
    }

    /// Hands the journal over to the maps (it is kept), and goes on with empty arrays.
    private mutating func submitJournal() {
        guard !journal.isEmpty || !wideJournal.isEmpty else { return }
        (journal, wideJournal, journalDeltas) = shared.submit((journal, wideJournal, journalDeltas))
    }

    /// Outside a staged batch (rows stored one by one), hands the journal over once it is long.
    private mutating func submitWhenLong() {
        if !staging && journal.count + wideJournal.count >= 2048 { submitJournal() }
    }

    /// The last county text read as a number, and the number (every victim of a case repeats its county).
    private var lastCounty: (text: String, number: Int32) = ("", -1)

    /// The `case_counts` key of a case (no venue, no victim terms).
    private mutating func countyKey(state: String, county: String?, year: Int, type: TraffickingType) -> Key {
        var number: Int32 = -1
        if let county {
            if county != lastCounty.text { lastCounty = (county, Int32(county) ?? -1) }
            number = lastCounty.number
        }
        return Key(state: Self.stateKey(state), county: number, year: Int16(year), type: Self.index(type))
    }

    /// Makes the case with these keys the open one, settling the one before when it differs.
    private mutating func open(_ key: Key, venues: VenueSet) {
        guard openKey != key || openVenues != venues else { return }
        settleOpenCase()
        openKey = key
        openVenues = venues
    }

    /// Adds what the open case changed to its wide combinations (to the journal while one is open).
    private mutating func settleOpenCase() {
        guard let countyKey = openKey else { return }
        openKey = nil
        guard openDeltas.contains(where: { $0 != 0 }) else { return }
        // state_case_venue_counts has no county; county_case_venue_counts all of the key but the victim terms;
        // case_venue_pair_counts no state and no county, and a second venue.
        var venueKey = countyKey
        venueKey.county = -1
        var countyVenueKey = countyKey
        var pairKey = venueKey
        pairKey.state = 0
        // The open case's counters go to the journal once, and each wide change points at them.
        let deltasAt = journalDeltas.count
        journalDeltas.append(contentsOf: openDeltas)
        addOpenDeltas(to: countyKey, in: Self.casesTable, deltasAt: deltasAt)
        for venue in openVenues {
            venueKey.venue = UInt8(truncatingIfNeeded: venue)
            countyVenueKey.venue = venueKey.venue
            pairKey.venue = venueKey.venue
            addOpenDeltas(to: venueKey, in: Self.venuesTable, deltasAt: deltasAt)
            if openDeltas[0] != 0 { add(openDeltas[0], to: countyVenueKey, in: Self.countyVenuesTable) }
            for other in openVenues where other != venue {
                pairKey.withVenue = UInt8(truncatingIfNeeded: other)
                addOpenDeltas(to: pairKey, in: Self.venuePairsTable, deltasAt: deltasAt)
            }
        }
        for index in openDeltas.indices { openDeltas[index] = 0 }
    }

    /// A case's own row and its venue links, counted `sign` times (+1 stored, -1 taken back).
    mutating func addCase(state: String, county: String?, year: Int, type: TraffickingType, venues: VenueSet,
                          sign: Int32) {
        addCase(countyKey: countyKey(state: state, county: county, year: year, type: type), venues: venues,
                sign: sign)
    }

    /// `addCase` with the case's `case_counts` key made already.
    private mutating func addCase(countyKey: Key, venues: VenueSet, sign: Int32) {
        open(countyKey, venues: venues)
        openDeltas[0] += sign
        changes += 1
        submitWhenLong()
    }

    /// A victim of a case, counted `sign` times: by county and under each of the case's venues (and pairs of them)
    /// with its terms, and by state, and by each venue with no state, with its terms in the key.
    mutating func addVictim(state: String, county: String?, year: Int, type: TraffickingType, venues: VenueSet,
                            gender: Gender, ageGroup: AgeGroup, citizenship: Citizenship, sign: Int32) {
        addVictim(countyKey: countyKey(state: state, county: county, year: year, type: type), venues: venues,
                  gender: gender, ageGroup: ageGroup, citizenship: citizenship, sign: sign)
    }

    /// `addVictim` with its case's `case_counts` key made already.
    private mutating func addVictim(countyKey: Key, venues: VenueSet, gender: Gender, ageGroup: AgeGroup,
                                    citizenship: Citizenship, sign: Int32) {
        var key = countyKey
        open(key, venues: venues)
        let (genderIndex, ageIndex, citizenshipIndex) = (gender.ordinal, ageGroup.ordinal, citizenship.ordinal)
        let terms = Self.termOffsets
        openDeltas[1] += sign
        openDeltas[terms.gender + genderIndex] += sign
        openDeltas[terms.ageGroup + ageIndex] += sign
        openDeltas[terms.citizenship + citizenshipIndex] += sign
        key.county = -1
        key.gender = UInt8(genderIndex)
        key.ageGroup = UInt8(ageIndex)
        key.citizenship = UInt8(citizenshipIndex)
        add(sign, to: key, in: Self.victimsTable)
        key.state = 0
        for venue in venues {
            key.venue = UInt8(truncatingIfNeeded: venue)
            add(sign, to: key, in: Self.venueVictimsTable)
        }
        changes += 1
        submitWhenLong()
    }

    /// A stored case's own row and venue links, counted `sign` times.
    mutating func addCase(_ record: CaseRecord, sign: Int32) {
        addCase(state: record.state, county: record.countyFIPS, year: record.year, type: record.traffickingType,
                venues: record.venueIDs, sign: sign)
    }

    /// A stored victim of `record`'s case, counted `sign` times.
    mutating func addVictim(_ victim: VictimRecord, of record: CaseRecord, sign: Int32) {
        addVictim(state: record.state, county: record.countyFIPS, year: record.year, type: record.traffickingType,
                  venues: record.venueIDs, gender: victim.gender, ageGroup: victim.ageGroup,
                  citizenship: victim.citizenship, sign: sign)
    }

    /// Holds back the changes that follow until `closeJournal` keeps or drops them (rows staged for a multi-row
    /// INSERT that may be rolled back); the changes before are handed over. Does nothing when a journal is open.
    mutating func openJournal() {
        guard !staging else { return }
        settleOpenCase()
        submitJournal()
        staging = true
    }

    /// Ends the staged journal: hands its changes over to the maps, or drops them.
    mutating func closeJournal(keep: Bool) {
        guard staging else { return }
        settleOpenCase()
        staging = false
        if keep {
            submitJournal()
        } else {
            journal.removeAll(keepingCapacity: true)
            wideJournal.removeAll(keepingCapacity: true)
            journalDeltas.removeAll(keepingCapacity: true)
        }
    }

    /// Applies journaled changes to the maps, in two passes. The first only reads each key's home slot: the reads
    /// are independent of one another, so the processor has many cache misses in flight at once; the second then
    /// finds those slots in the cache. Applied one by one as rows were staged, nearly every change waited for its
    /// own miss (the maps are a few MB): `CountMap.add` was 2 % of a 1M-row import's storing thread and 4 % at 4M
    /// rows (perf).
    ///
    /// Returns a sum of what the look-ahead read, for the caller to keep, so that those loads are not optimized away.
    fileprivate static func apply(_ journal: [NarrowChange], _ wideJournal: [WideChange],
                                  _ journalDeltas: [Int32], to maps: inout [CountMap]) -> Int {
        let width = CountTable.cases.countColumns.count
        var sum = 0
        maps.withUnsafeMutableBufferPointer { maps in
            journal.withUnsafeBufferPointer { journal in
                wideJournal.withUnsafeBufferPointer { wideJournal in
                    for entry in journal { sum &+= maps[Int(entry.table)].lookAhead(entry.key) }
                    for entry in wideJournal { sum &+= maps[Int(entry.table)].lookAhead(entry.key) }
                    for entry in journal { maps[Int(entry.table)].add(entry.sign, to: entry.key) }
                    journalDeltas.withUnsafeBufferPointer { deltas in
                        for entry in wideJournal {
                            let at = Int(entry.deltasAt)
                            maps[Int(entry.table)].add(UnsafeBufferPointer(rebasing: deltas[at..<(at + width)]),
                                                  to: entry.key)
                        }
                    }
                }
            }
        }
        return sum
    }

    private static func stateKey(_ code: String) -> UInt16 {
        var code = code
        return code.withUTF8 { bytes in
            var key: UInt16 = 0
            for byte in bytes.prefix(2) { key = key << 8 | UInt16(byte) }
            return key
        }
    }

    /// The USPS code of a key; "" for 0, a case with no state (the count tables' key for it).
    /// (Written in place: these run for every combination written, and an array of the bytes was an allocation
    /// each.)
    private static func stateCode(_ key: UInt16) -> String {
        guard key != 0 else { return "" }
        return String(unsafeUninitializedCapacity: 2) { bytes in
            bytes[0] = UInt8(key >> 8)
            bytes[1] = UInt8(key & 0xFF)
            return 2
        }
    }

    private static func index<T: VocabularyTerm>(_ term: T) -> UInt8 { UInt8(term.ordinal) }

    /// The county key as stored: its 5-digit FIPS, or "" for none.
    private static func countyCode(_ county: Int32) -> String {
        guard county >= 0 else { return "" }
        return String(unsafeUninitializedCapacity: 5) { writeFIPS(county, into: $0) }
    }

    /// Writes a county number (0 or more) as its five FIPS digits; returns 5.
    private static func writeFIPS(_ county: Int32, into digits: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var rest = Int(county)
        for index in stride(from: 4, through: 0, by: -1) {
            digits[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        return 5
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
        var venues = VenueSet()
        defer { try? statements.venues.reset() }
        try statements.venues.bind(id, at: 1)
        while try statements.venues.step() {
            guard venues.insert(statements.venues.int(0)) != .outOfRange else {
                throw VocabularyCheck.Mismatch(table: "case_venues")
            }
        }
        addCase(state: state, county: county, year: year, type: type, venues: venues, sign: -1)
        let victims = statements.victims
        defer { try? victims.reset() }
        try victims.bind(id, at: 1)
        while try victims.step() {
            addVictim(state: state, county: county, year: year, type: type, venues: venues,
                      gender: Gender(rawValue: victims.string(0) ?? "") ?? .unknown,
                      ageGroup: AgeGroup(rawValue: victims.string(1) ?? "") ?? .unknown,
                      citizenship: Citizenship(rawValue: victims.string(2) ?? "") ?? .unknown, sign: -1)
        }
    }

    /// Fills the combinations that are sums of another table's: `state_case_counts` is `case_counts` summed over
    /// counties, and the rows of `case_venue_pair_counts` that pair a venue with itself are
    /// `state_case_venue_counts` summed over states. They are not counted case by case (that was one narrow and
    /// one wide change per case and venue of 7 per row), but added here from the other maps' totals, once per
    /// combination.
    private static func deriveSums(_ maps: inout [CountMap]) {
        let cases = maps[Self.casesTable]
        for entry in 0..<cases.count {
            let delta = cases.counters(entry).first ?? 0
            guard delta != 0 else { continue }
            var key = cases.key(entry)
            key.county = -1
            maps[Self.stateCasesTable].add(delta, to: key)
        }
        let venues = maps[Self.venuesTable]
        for entry in 0..<venues.count {
            let deltas = venues.counters(entry)
            guard deltas.contains(where: { $0 != 0 }) else { continue }
            var key = venues.key(entry)
            key.state = 0
            key.withVenue = key.venue
            maps[Self.venuePairsTable].add(deltas, to: key)
        }
    }

    /// Writes the collected changes and removes combinations that fell to zero. Combinations with no negative
    /// change go in key order through multi-row upserts (there can be tens of thousands); the others, rare (a case
    /// taken back), are updated one by one.
    mutating func write(to db: Connection) throws {
        settleOpenCase()
        submitJournal()
        try shared.withMaps { maps in try Self.write(&maps, to: db) }
        changes = 0
    }

    private static func write(_ maps: inout [CountMap], to db: Connection) throws {
        deriveSums(&maps)
        for (index, table) in CountTable.allCases.enumerated() {
            // Each map is let go as soon as it is written, its slots before its entries are sorted (at 4M rows the
            // sort of county_case_venue_counts beside the whole map took the peak RSS from 62 to 71 MB).
            var map = maps[index]
            maps[index] = CountMap(width: map.width)
            map.dropSlots()
            // Roughly in the tables' primary-key order, so the upserts walk their B-trees forward (see `Key.packed`).
            let entries = map.entriesInKeyOrder(countyFirst: table == .countyCaseVenues)
            let counts = table.countColumns
            let columns = (table.keyColumns + counts).joined(separator: ", ")
            // Into an empty table (a new database's first import) plain INSERTs: an upsert makes SQLite keep a
            // statement journal, a copy of every page each statement changes (26,890 writes of 220 MB to a
            // temporary file for a 1M-row import; writing the counts 0.20-0.22 -> 0.185-0.20 s).
            let width = table.keyColumns.count + counts.count
            let add = try db.scalarInt("SELECT EXISTS (SELECT 1 FROM \(table.name))") == 0
                ? BulkInsert(db, "INSERT OR FAIL INTO \(table.name) (\(columns))", columns: width)
                : BulkInsert(db, "INSERT INTO \(table.name) (\(columns))", columns: width,
                             tail: "ON CONFLICT (\(table.keyColumns.joined(separator: ", "))) DO UPDATE SET "
                                 + counts.map { "\($0) = \($0) + excluded.\($0)" }.joined(separator: ", "))
            let update = try db.prepare(table.updateSQL)
            var fellToZero = false
            for entry in entries {
                let key = map.key(Int(entry))
                let deltas = map.counters(Int(entry))
                if deltas.allSatisfy({ $0 == 0 }) { continue }
                if deltas.allSatisfy({ $0 >= 0 }) {
                    Self.forEachKeyValue(key, table) { Self.append($0, to: add) }
                    for delta in deltas { add.append(Int64(delta)) }
                    // BulkInsert holds every pending value until flushed: tens of thousands of wide rows held at
                    // once were 19 MB at the end of a 1M-row import.
                    if add.pendingRows >= 1024 { try add.flush() }
                } else {
                    var parameter = 1
                    for delta in deltas {
                        try update.bind(.integer(Int64(delta)), at: parameter)
                        parameter += 1
                    }
                    try Self.forEachKeyValue(key, table) { value in
                        try update.bind(Self.sqlValue(value), at: parameter)
                        parameter += 1
                    }
                    try update.run()
                    // Rows taken back were counted when stored: a missing combination means the tables are broken.
                    guard db.changes == 1 else { throw CountTableError.missingCombination(table: table.name) }
                    fellToZero = true
                }
            }
            try add.flush()
            // Only a negative change can leave a combination at zero (otherwise a scan of the table for nothing).
            if fellToZero { try db.execute("DELETE FROM \(table.name) WHERE \(counts[0]) = 0") }
        }
    }

    /// One key column's value as a count table stores it, made without a String (one is needed for every column
    /// of every combination written): a number, a code or a state's two letters (`CodeStrings`' immortal copies),
    /// or a county's FIPS as a number.
    private enum KeyValue {
        case integer(Int64)
        case code(CodeStrings.Text)
        /// Written as five digits; -1 (no county) as ''.
        case county(Int32)
        /// Anything else (a case with no state: '').
        case text(String)
    }

    /// A key's column values for `table`, in its key-column order, one by one (no array per key: there can be
    /// tens of thousands of keys).
    private static func forEachKeyValue(_ key: Key, _ table: CountTable, _ body: (KeyValue) throws -> Void) rethrows {
        if table.byState {
            try body(CodeStrings.letterPair(packed: key.state).map(KeyValue.code) ?? .text(stateCode(key.state)))
        }
        if table.byCounty { try body(.county(key.county)) }
        try body(.integer(Int64(key.year)))
        try body(term(key.type, CodeStrings.types))
        if table.byVenue { try body(.integer(Int64(key.venue))) }
        if table.byVenuePair { try body(.integer(Int64(key.withVenue))) }
        if table.victims == .keyColumns {
            try body(term(key.gender, CodeStrings.genders))
            try body(term(key.ageGroup, CodeStrings.ageGroups))
            try body(term(key.citizenship, CodeStrings.citizenships))
        }
    }

    /// A vocabulary term's code by its ordinal ('' past the vocabulary).
    private static func term(_ ordinal: UInt8, _ codes: [CodeStrings.Text]) -> KeyValue {
        CodeStrings.code(ordinal: ordinal, in: codes).map(KeyValue.code) ?? .text("")
    }

    /// Appends a key column's value to a bulk INSERT: a code bound where it is, a county's digits copied.
    private static func append(_ value: KeyValue, to add: BulkInsert) {
        switch value {
        case .integer(let number): add.append(number)
        case .code(let text): add.append(text)
        case .text(let text): add.append(text: text)
        case .county(let county):
            guard county >= 0 else { return add.append(text: "") }
            var digits: (UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0)
            withUnsafeMutableBytes(of: &digits) { bytes in
                let buffer = bytes.bindMemory(to: UInt8.self)
                _ = writeFIPS(county, into: buffer)
                add.append(utf8: UnsafeBufferPointer(buffer))
            }
        }
    }

    /// A key column's value for a statement's parameter.
    private static func sqlValue(_ value: KeyValue) -> SQLValue {
        switch value {
        case .integer(let number): .integer(number)
        case .code(let text): .text(String(decoding: UnsafeBufferPointer(start: text.bytes, count: text.count),
                                           as: UTF8.self))
        case .text(let text): .text(text)
        case .county(let county): .text(countyCode(county))
        }
    }
}

extension CountDeltas.Key {
    /// The key `packed` gave (a county is a FIPS number below 2^21 - 1, or -1; a type below 8).
    init(packed words: (UInt64, UInt32)) {
        let (first, second) = words
        self.init(state: UInt16(truncatingIfNeeded: first >> 48),
                  county: Int32(truncatingIfNeeded: (first >> 27) & 0x1F_FFFF) - 1,
                  year: Int16(bitPattern: UInt16(truncatingIfNeeded: first >> 11)),
                  type: UInt8(truncatingIfNeeded: (first >> 8) & 0x7), venue: UInt8(truncatingIfNeeded: first),
                  gender: UInt8(truncatingIfNeeded: second >> 16), ageGroup: UInt8(truncatingIfNeeded: second >> 8),
                  citizenship: UInt8(truncatingIfNeeded: second), withVenue: UInt8(truncatingIfNeeded: second >> 24))
    }
}

/// A file's count maps, and the journals of kept changes waiting to go into them (see `CountDeltas`). The storing
/// thread journals every change and hands the journals over here; they are applied by the reading thread when it
/// would otherwise wait for the storing thread (its queue of records full: `applyIfFree`), and by the storing
/// thread when they pile up (`submit`) and before the counts are written (`withMaps`). So the work goes to whichever
/// thread has time: applied by the storing thread alone, it was a tenth of that thread's work, the busier one.
///
/// The maps are touched only with `mapsLock` held, the lists with `listLock`; journals are recycled, so that no
/// thread frees memory the other allocated (that waited for the other thread's malloc arena).
final class SharedCountMaps: @unchecked Sendable {  // every mutable property is guarded by one of the two locks
    typealias Journal = (narrow: [CountDeltas.NarrowChange], wide: [CountDeltas.WideChange], deltas: [Int32])
    /// Journals waiting at which the storing thread applies them itself (a journal is a staged batch: about 2,500
    /// changes).
    static let backlog = 4

    private let listLock = NSLock()
    private var pending: [Journal] = []
    private var spare: [Journal] = []
    private var largest = 0
    private let mapsLock = NSLock()
    private var maps = CountTable.allCases.map { CountDeltas.CountMap(width: $0.countColumns.count) }
    /// Where the look-ahead passes leave their sums (see `CountDeltas.apply`).
    private var lookAheadSink = 0

    /// The entries of the largest map, as of the last journals applied.
    var largestMap: Int {
        listLock.lock()
        defer { listLock.unlock() }
        return largest
    }

    /// Hands a journal over (its changes are kept); returns empty arrays to journal into next, recycled when there
    /// are. Applies the waiting journals when they pile up and the maps are free.
    func submit(_ journal: Journal) -> Journal {
        listLock.lock()
        pending.append(journal)
        let next = spare.popLast()
        let piled = pending.count >= Self.backlog
        listLock.unlock()
        if piled { applyIfFree() }
        return next ?? ([], [], [])
    }

    /// Applies the waiting journals unless another thread is at the maps; false when there was nothing to apply.
    @discardableResult
    func applyIfFree() -> Bool {
        guard mapsLock.try() else { return false }
        defer { mapsLock.unlock() }
        return applyPending()
    }

    /// Runs `body` with the maps once every waiting journal is in them.
    func withMaps<R>(_ body: (inout [CountDeltas.CountMap]) throws -> R) rethrows -> R {
        mapsLock.lock()
        defer { mapsLock.unlock() }
        applyPending()
        defer { noteLargest() }
        return try body(&maps)
    }

    /// With `mapsLock` held.
    @discardableResult
    private func applyPending() -> Bool {
        listLock.lock()
        var taken = pending
        pending = []
        listLock.unlock()
        guard !taken.isEmpty else { return false }
        for index in taken.indices {
            lookAheadSink &+= CountDeltas.apply(taken[index].narrow, taken[index].wide, taken[index].deltas, to: &maps)
            taken[index].narrow.removeAll(keepingCapacity: true)
            taken[index].wide.removeAll(keepingCapacity: true)
            taken[index].deltas.removeAll(keepingCapacity: true)
        }
        listLock.lock()
        spare += taken
        listLock.unlock()
        noteLargest()
        return true
    }

    /// With `mapsLock` held.
    private func noteLargest() {
        let count = maps.map(\.count).max() ?? 0
        listLock.lock()
        largest = count
        listLock.unlock()
    }
}
