import Foundation

/// A record read and checked, ready to be stored: what the reading thread hands the storing one.
struct CheckedRecord: Sendable {
    var line: Int
    /// Problems with the record itself (field count, encoding, JSON syntax and types).
    var issues: [RowIssue]
    var caseRef: String?
    /// One per row of the record (CSV: one), in order.
    var validations: CheckedRows
}

/// The checked rows of a record, in order: the first held in place, any others (an NDJSON case with several
/// victims) in an array. A CSV record has one row, and an array for it was an allocation on the reading thread, a
/// retain and a release on the storing thread, and a release and a free on the reading thread again, for every row
/// of the file: memory each thread wrote last in turn, so each of those writes waited for a cache line from the
/// other core (perf put allocation, freeing and reference counting at a third of the reading thread's samples).
struct CheckedRows: RandomAccessCollection, Sendable {
    /// The first row (meaningless while there is none). Read as `head` where speed matters: the subscript and
    /// iteration return copies (200 bytes, strings retained), and a `_read` accessor was a heap-allocated coroutine
    /// frame per use.
    private(set) var head = RowValidation(caseRef: nil, caseRecord: nil, victim: nil, issues: [])
    private var rest: [RowValidation] = []
    private(set) var endIndex = 0

    init() {}

    var startIndex: Int { 0 }

    subscript(index: Int) -> RowValidation {
        precondition(index >= 0 && index < endIndex, "CheckedRows index out of range")
        return index == 0 ? head : rest[index - 1]
    }

    mutating func append(_ row: consuming RowValidation) {
        if endIndex == 0 { head = row } else { rest.append(row) }
        endIndex += 1
    }

    mutating func reserveCapacity(_ count: Int) {
        if count > 1 { rest.reserveCapacity(count - 1) }
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
    private let queue = BoundedQueue<[ReadEvent]>(capacity: 4)
    /// Records the storing thread is done with, for this thread to free (see `free`).
    private var done: [[CheckedRecord]] = []
    private let doneLock = NSLock()
    private let finished = DispatchSemaphore(value: 0)
    private var started = false
    /// Work for the reading thread while its queue is full (waiting for the storing thread): true when it did some.
    private let whileWaiting: @Sendable () -> Bool

    /// Records per batch handed over (one lock round-trip each).
    static let batchSize = 256

    /// - Parameter whileWaiting: run by the reading thread, instead of waiting, while the storing thread has all the
    ///   records it can hold; true when it found something to do (it is then asked again).
    init(source: any RowSource, validator: RowValidator, whileWaiting: @escaping @Sendable () -> Bool = { false }) {
        self.source = source
        self.validator = validator
        self.whileWaiting = whileWaiting
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
        func sendWarnings() {
            while warningsSent < source.warnings.count {
                batch.append(.warning(source.warnings[warningsSent]))
                warningsSent += 1
            }
        }
        func send() -> Bool {
            freeDone()
            return queue.send(batch, whileFull: whileWaiting)
        }
        defer { queue.finish() }
        sendWarnings()
        do {
            while var record = try source.next() {
                // A loop rather than `map(validator.validate)`: the partial application copied the validator (a
                // retain of each of its tables) for every record. Each row is moved out of the record's array and
                // checked as a local: checked in the array (by a for-in, by index, or through a pointer) it was
                // copied first, which retains each reference in it and releases it after, atomically.
                var validations = CheckedRows()
                validations.reserveCapacity(record.rows.count)
                // (A CSV record has one row; an NDJSON record's rows are reversed to be taken out in order.)
                var rows: [RawRow] = []
                swap(&rows, &record.rows)
                rows.reverse()
                while let row = rows.popLast() { validations.append(validator.validate(row)) }
                // The rows are moved into the record, not copied (their strings retained) and released here.
                let caseRef = record.readCaseRef ?? (validations.isEmpty ? nil : validations.head.caseRef)
                batch.append(.record(CheckedRecord(line: record.line, issues: record.issues, caseRef: caseRef,
                                                   validations: consume validations)))
                sendWarnings()
                records += 1
                if records % Self.batchSize == 0 {
                    batch.append(.progress(source.bytesConsumed))
                    guard send() else { return }
                    batch.removeAll(keepingCapacity: true)
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

    /// Adds an element; false when the consumer has cancelled (the producer should stop). While the queue is full,
    /// `whileFull` runs (without the lock) until it answers false, then the producer waits.
    func send(_ element: Element, whileFull: () -> Bool = { false }) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while elements.count >= capacity && !cancelled {
            condition.unlock()
            let worked = whileFull()
            condition.lock()
            if !worked && elements.count >= capacity && !cancelled { condition.wait() }
        }
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
