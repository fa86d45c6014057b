import CSQLite
import Foundation

/// Has the kernel start writing a database's files to disk while a long write goes on, so that the fsyncs SQLite
/// makes at the end of it (of the WAL before a checkpoint, of the database file after the checkpoint has copied the
/// pages in) find little left to write.
///
///     let flusher = WritebackFlusher(paths: [path, path + "-wal"])
///     flusher.start()
///     ... a large transaction and its commit ...
///     flusher.stop()
///     try database.close()
///     flusher.close()          // only after every connection to the file in this process is closed
///
/// Without it the kernel holds the new pages in memory (the dirty-page thresholds are gigabytes on a machine with
/// much memory) and the fsync waits for all of them at once: on a 1,000,000-row import, two waits of 0.3-0.5 s
/// each for about 170 MB. A thread asks every `interval` for the files' dirty pages to be written
/// (`sync_file_range(SYNC_FILE_RANGE_WRITE)`, Linux; elsewhere it does nothing): it starts the writing and does not
/// wait for it, changes no data and no durability guarantee (SQLite's fsyncs still decide what is on disk).
///
/// The files are opened read-only here, each when it first exists. Closing any descriptor of a file releases every
/// POSIX record lock the process holds on it (fcntl(2)), SQLite's on the database file included: call `close()` only
/// when no connection to that database is open in this process any more. (The -wal file holds no locks: SQLite locks
/// the database and -shm files.) Released without `close()`, it closes them itself: keep it until the database is.
public final class WritebackFlusher: @unchecked Sendable {
    public let paths: [String]
    public let interval: TimeInterval
    // Used by the flushing thread while it runs; by the caller only after `stop()` has waited for it.
    private var descriptors: [Int32]
    private let condition = NSCondition()
    private var running = false
    private var finished: DispatchSemaphore?

    public init(paths: [String], interval: TimeInterval = 0.1) {
        self.paths = paths
        self.interval = interval
        descriptors = Array(repeating: -1, count: paths.count)
    }

    deinit {
        stop()
        close()
    }

    /// The files opened so far (for tests).
    public var openFiles: Int { descriptors.filter { $0 >= 0 }.count }

    /// Starts the flushing thread; does nothing when it runs already.
    public func start() {
        condition.lock()
        defer { condition.unlock() }
        guard !running else { return }
        running = true
        let done = DispatchSemaphore(value: 0)
        finished = done
        let thread = Thread { [self] in
            while waitForNextRound() { flush() }
            done.signal()
        }
        thread.name = "htdb writeback"
        thread.start()
    }

    /// Asks for the files' dirty pages to be written once more, stops the thread and waits for it.
    public func stop() {
        condition.lock()
        guard running, let done = finished else {
            condition.unlock()
            return
        }
        running = false
        finished = nil
        condition.broadcast()
        condition.unlock()
        done.wait()
        flush()
    }

    /// Closes the files (see the type's note on locks). The flusher can be started again afterwards.
    public func close() {
        for index in descriptors.indices where descriptors[index] >= 0 {
            Glibc.close(descriptors[index])
            descriptors[index] = -1
        }
    }

    /// Waits `interval` (or until `stop`); false when the thread should end.
    private func waitForNextRound() -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if running { _ = condition.wait(until: Date(timeIntervalSinceNow: interval)) }
        return running
    }

    private func flush() {
        for index in paths.indices {
            if descriptors[index] < 0 {
                descriptors[index] = open(paths[index], O_RDONLY | O_CLOEXEC)
                if descriptors[index] < 0 { continue }
            }
            // A failure (a file system without writeback, a file replaced) only means nothing was started early.
            _ = htdb_start_writeback(descriptors[index])
        }
    }
}
