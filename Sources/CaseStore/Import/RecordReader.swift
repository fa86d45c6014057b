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
/// another way (see `FileRun.stage`). Counting took a tenth of the storing thread's time, which is the busier one.
/// Shared under a lock, which the reading thread holds while it counts a batch of records (in a journal, so that
/// the changes reach the maps in one pass with their cache misses overlapped; see `CountDeltas.closeJournal`): the
/// storing thread takes the counts when it writes the count tables.
final class ReaderCounts: @unchecked Sendable {
    private let lock = NSLock()
    private var deltas = CountDeltas()

    /// Starts a batch: `count` may be called until `endBatch`.
    func beginBatch() {
        lock.lock()
        deltas.openJournal()
    }

    /// Ends a batch: its counts go to the maps, where `move` finds them.
    func endBatch() {
        deltas.closeJournal(keep: true)
        lock.unlock()
    }

    /// Counts `record` (unless the counters are full: then the storing thread counts it) and returns the case open
    /// after it. Only between `beginBatch` and `endBatch`.
    func count(_ record: inout CheckedRecord, after open: String?) -> String? {
        guard !deltas.needsWrite else { return record.validations.last?.caseRecord?.caseRef ?? open }
        record.countedAfter = CheckedRecord.CountedAfter(caseRef: open)
        return deltas.countAsStaged(record, after: open, sign: 1)
    }

    /// Adds what `other` counted to these counts and empties `other` (which must have no open journal), unless the
    /// reading thread is counting a batch; returns whether it did.
    func absorbUnlessBusy(_ other: inout CountDeltas) -> Bool {
        guard lock.try() else { return false }
        defer { lock.unlock() }
        deltas.merge(&other)
        return true
    }

    /// Moves the counts so far into `target`.
    func move(into target: inout CountDeltas) {
        lock.lock()
        defer { lock.unlock() }
        target.merge(&deltas)
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
        // Records are counted between beginBatch and endBatch, which holds the counts' lock: never while waiting
        // for room in the queue (the storing thread may be waiting for the lock).
        var counting = false
        func startCounting() {
            counts.beginBatch()
            counting = true
        }
        func stopCounting() {
            if counting { counts.endBatch() }
            counting = false
        }
        defer {
            stopCounting()
            queue.finish()
        }
        sendWarnings()
        startCounting()
        do {
            while let record = try source.next() {
                // A loop rather than `map(validator.validate)`: the partial application copied the validator (a
                // retain of each of its tables) for every record.
                var validations: [RowValidation] = []
                validations.reserveCapacity(record.rows.count)
                for row in record.rows { validations.append(validator.validate(row)) }
                var checked = CheckedRecord(line: record.line, issues: record.issues,
                                            caseRef: record.readCaseRef ?? validations.first?.caseRef,
                                            validations: validations)
                if checked.isCountable { open = counts.count(&checked, after: open) }
                batch.append(.record(checked))
                sendWarnings()
                records += 1
                if records % Self.batchSize == 0 {
                    batch.append(.progress(source.bytesConsumed))
                    stopCounting()
                    freeDone()
                    guard queue.send(batch) else { return }
                    batch.removeAll(keepingCapacity: true)
                    startCounting()
                }
            }
        } catch {
            batch.append(.failed(error))
        }
        stopCounting()
        sendWarnings()
        _ = queue.send(batch)
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
