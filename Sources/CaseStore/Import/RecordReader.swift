import Foundation

/// A record read and checked, ready to be stored: what the reading thread hands the storing one.
struct CheckedRecord: Sendable {
    var line: Int
    /// Problems with the record itself (field count, encoding, JSON syntax and types).
    var issues: [RowIssue]
    var caseRef: String?
    /// One per row of the record (CSV: one), in order.
    var validations: [RowValidation]
    /// Set when the reading thread counted the record (see ``ReaderCounts``): the case it took to be open before
    /// the record, the storing thread's `current` case when it stages the record as counted.
    var countedAfter: CountedAfter? = nil

    struct CountedAfter: Sendable {
        var caseRef: String?
    }

    /// Whether every row is valid: what the reading thread counts (the storing thread stages such a record, or
    /// takes its count back).
    var isCountable: Bool {
        issues.isEmpty && !validations.isEmpty && validations.allSatisfy(\.isValid)
    }
}

/// The count-table changes of the records the reading thread read, counted there as if each were staged from
/// the case before it (``CountDeltas/countAsStaged(_:after:sign:)``): in a well-formed file that is what the
/// storing thread stores, so it counts nothing itself and only takes back the count of a record it stores in
/// another way (see `FileRun.stage`).
///
/// The reading thread records the changes of each batch in a journal (`recorder`) and sends it at the head of the
/// batch; the storing thread applies it to the maps (`deltas`) before it takes the batch's records, so a record's
/// count is always in the maps when the record is stored. Applying the changes was most of the counting's cost, and
/// the reading thread is the import's bottleneck: its journal alone and the storing thread's spare time make the
/// two about even. Each side touches only its own half; the lock guards `full`.
final class ReaderCounts: @unchecked Sendable {
    /// The reading thread's: the open case and the journal of the batch being read.
    private var recorder = CountDeltas()
    /// The storing thread's: the maps.
    private var deltas = CountDeltas()
    private let lock = NSLock()
    /// Set by the storing thread when the maps should be written before they take more (`CountDeltas.needsWrite`).
    private var full = false

    /// Starts counting (reading thread).
    func start() {
        recorder.openJournal()
    }

    /// Whether the reading thread should leave counting to the storing thread for now (it asks once per batch).
    var isFull: Bool {
        lock.lock()
        defer { lock.unlock() }
        return full
    }

    /// Counts `record` and returns the case open after it (reading thread).
    func count(_ record: inout CheckedRecord, after open: String?) -> String? {
        record.countedAfter = CheckedRecord.CountedAfter(caseRef: open)
        return recorder.countAsStaged(record, after: open, sign: 1)
    }

    /// The changes counted since the last call, the open case's included (reading thread).
    func takeJournal() -> CountDeltas.Journal {
        recorder.takeJournal()
    }

    /// Applies a batch's journal to the maps (storing thread).
    func apply(_ journal: CountDeltas.Journal) {
        deltas.apply(journal)
        if deltas.needsWrite { setFull(true) }
    }

    /// Adds what `other` counted to the maps and empties `other`, which must have no open journal (storing thread).
    func absorb(_ other: inout CountDeltas) {
        deltas.merge(&other)
    }

    /// Moves the counts so far into `target` (storing thread).
    func move(into target: inout CountDeltas) {
        target.merge(&deltas)
        setFull(false)
    }

    private func setFull(_ value: Bool) {
        lock.lock()
        full = value
        lock.unlock()
    }
}

/// What the reading thread reports, in file order.
enum ReadEvent: Sendable {
    case record(CheckedRecord)
    case warning(RowIssue)
    /// Bytes of the file read so far (for progress).
    case progress(Int)
    /// The rest of the file cannot be read.
    case failed(FileIssue)
    /// The count changes of the batch's records (its first event).
    case counts(CountDeltas.Journal)
}

/// Reads and checks a file's records on a thread of its own while the caller stores them, so parsing and
/// validation (about half of an import's work) overlap with SQLite's. Records come out in file order, in batches,
/// through a bounded queue: memory stays flat however large the file.
///
///     let reader = RecordReader(source: source, validator: validator)
///     reader.start()
///     defer { reader.stop() }
///     while let batch = reader.next() { for event in batch { ... } }
final class RecordReader: @unchecked Sendable {
    // The source and validator are used by the reading thread only, from start() until it finishes; the thread
    // moves the source out (a class's stored property is checked for exclusive access on every use: several
    // times per record).
    private var source: (any RowSource)?
    private let validator: RowValidator
    /// Where the reading thread counts the valid records.
    let counts = ReaderCounts()
    private let queue = BoundedQueue<[ReadEvent]>(capacity: 4)
    /// Records the storing thread is done with, for this thread to free (see `free`).
    private var done: [[CheckedRecord]] = []
    private let doneLock = NSLock()
    private let finished = DispatchSemaphore(value: 0)
    private var started = false

    /// Records per batch handed over (one lock round-trip each).
    static let batchSize = 256

    init(source: any RowSource, validator: RowValidator) {
        self.source = source
        self.validator = validator
    }

    func start() {
        started = true
        let thread = Thread { [self] in
            read()
            finished.signal()
        }
        thread.name = "htdb import reader"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// The next batch of events, or nil when the file is done.
    func next() -> [ReadEvent]? { queue.receive() }

    /// Hands records the storing thread has stored back to the reading thread, which frees them when it sends its
    /// next batch. A record's memory comes from the reading thread's malloc arena: freed by the storing thread, each
    /// record waited for that arena's lock while the reading thread allocated (futex waits and wakes were 6-7 % of
    /// an import's samples).
    func free(_ records: [CheckedRecord]) {
        doneLock.lock()
        done.append(records)
        doneLock.unlock()
    }

    /// Frees the records handed back so far (on the reading thread).
    private func freeDone() {
        doneLock.lock()
        let records = done
        done.removeAll(keepingCapacity: true)
        doneLock.unlock()
        _ = consume records
    }

    /// Stops the reading thread (if it is still reading) and waits for it: after this the source is free again.
    func stop() {
        guard started else { return }
        started = false
        queue.cancel()
        finished.wait()
    }

    private func read() {
        guard var source = source.take() else { return queue.finish() }
        var batch: [ReadEvent] = []
        batch.reserveCapacity(Self.batchSize + 8)
        var warningsSent = 0
        var records = 0
        // The case the storing thread will have open after the records so far, when it stages them.
        var open: String?
        func sendWarnings() {
            while warningsSent < source.warnings.count {
                batch.append(.warning(source.warnings[warningsSent]))
                warningsSent += 1
            }
        }
        // Each batch's count changes go first in it (see ReaderCounts); while the storing thread finds its maps
        // full it counts the records itself.
        var counting = false
        func send() -> Bool {
            if counting { batch.insert(.counts(counts.takeJournal()), at: 0) }
            freeDone()
            return queue.send(batch)
        }
        defer { queue.finish() }
        counts.start()
        counting = !counts.isFull
        sendWarnings()
        do {
            while let record = try source.next() {
                // A loop rather than `map(validator.validate)`: the partial application copied the validator (a
                // retain of each of its tables) for every record. Through a buffer pointer: a for-in, or the
                // array's subscript, copied each row (its record and arrays retained and released).
                var validations: [RowValidation] = []
                validations.reserveCapacity(record.rows.count)
                record.rows.withUnsafeBufferPointer { rows in
                    for index in rows.indices { validations.append(validator.validate(rows[index])) }
                }
                var checked = CheckedRecord(line: record.line, issues: record.issues,
                                            caseRef: record.readCaseRef ?? validations.first?.caseRef,
                                            validations: validations)
                if checked.isCountable {
                    open = counting ? counts.count(&checked, after: open)
                        : checked.validations.last?.caseRecord?.caseRef ?? open
                }
                batch.append(.record(checked))
                sendWarnings()
                records += 1
                if records % Self.batchSize == 0 {
                    batch.append(.progress(source.bytesConsumed))
                    guard send() else { return }
                    batch.removeAll(keepingCapacity: true)
                    counting = !counts.isFull
                }
            }
        } catch {
            batch.append(.failed(error))
        }
        sendWarnings()
        _ = send()
    }
}

/// A first-in first-out queue between one producing and one consuming thread that holds at most `capacity`
/// elements: `send` waits while it is full, `receive` while it is empty.
final class BoundedQueue<Element>: @unchecked Sendable {
    private let condition = NSCondition()
    private var elements: [Element] = []
    private let capacity: Int
    private var finished = false
    private var cancelled = false

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Adds an element; false when the consumer has cancelled (the producer should stop).
    func send(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while elements.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        elements.append(element)
        condition.broadcast()
        return true
    }

    /// No more elements will come.
    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next element, or nil once the producer has finished and everything was received (or after cancel).
    func receive() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while elements.isEmpty && !finished && !cancelled { condition.wait() }
        guard !cancelled, !elements.isEmpty else { return nil }
        condition.broadcast()
        return elements.removeFirst()
    }

    /// The consumer stops: pending elements are dropped and a waiting producer is released.
    func cancel() {
        condition.lock()
        cancelled = true
        elements.removeAll()
        condition.broadcast()
        condition.unlock()
    }
}
