private let lineFeed = UInt8(ascii: "\n")
private let carriageReturn = UInt8(ascii: "\r")
private let quote = UInt8(ascii: "\"")

/// Where a parse stands inside the current field.
private enum FieldState {
    /// Nothing of the field read yet.
    case start
    case unquoted
    case quoted
    /// Inside a quoted field, just after a `"`: the next byte says whether it was `""` or the closing quote.
    case afterQuote
}

/// The reader's state: input, current chunk and record buffer, and the parse itself.
struct RecordParser {
    enum Input {
        case file(descriptor: Int32, path: String)
        case memory([UInt8], offset: Int)
    }

    private var input: Input
    private let delimiter: UInt8
    private let chunkSize: Int
    private let maxFieldBytes: Int
    private let maxFields: Int

    private let chunk: UnsafeMutablePointer<UInt8>
    private let chunkCapacity: Int
    private var chunkCount = 0
    private var chunkPosition = 0
    private var consumedBeforeChunk = 0
    private var previousChunkEndedWithCR = false
    private var atEndOfInput = false

    private let unquotedStops: ByteFinder
    private let quotedStops: ByteFinder

    private var started = false
    private var finished = false
    /// The previous record ended in a CR at the very end of a chunk; an LF that follows belongs to it.
    private var skipLineFeed = false
    private var line = 1
    private var record = RecordBuffer()
    private var recordLine = 0
    private var recordFieldCount = 0

    private(set) var hadByteOrderMark = false

    var bytesConsumed: Int { consumedBeforeChunk + chunkPosition }

    init(input: Input, delimiter: UInt8, chunkSize: Int, maxFieldBytes: Int, maxFields: Int) {
        precondition(
            delimiter != quote && delimiter != lineFeed && delimiter != carriageReturn,
            "CSV delimiter cannot be a quote or a line break")
        self.input = input
        self.delimiter = delimiter
        self.chunkSize = min(max(chunkSize, 1), 1 << 30)
        self.maxFieldBytes = max(maxFieldBytes, 0)
        self.maxFields = max(maxFields, 1)
        // At least 3 bytes so that the BOM check sees three bytes at once even with 1-byte chunks.
        chunkCapacity = max(self.chunkSize, 3)
        chunk = .allocate(capacity: chunkCapacity)
        unquotedStops = ByteFinder([delimiter, quote, lineFeed, carriageReturn])
        quotedStops = ByteFinder([quote, lineFeed, carriageReturn])
    }

    /// Closes the file and frees the buffers; called once, by the owning ``ReaderStorage``.
    func release() {
        if case .file(let descriptor, let path) = input { try? systemClose(descriptor, label: path) }
        chunk.deallocate()
    }

    // MARK: Input

    /// Reads up to `count` bytes into `buffer`; 0 means end of input.
    private mutating func readInput(into buffer: UnsafeMutablePointer<UInt8>, count: Int) throws(CSVError) -> Int {
        switch input {
        case .file(let descriptor, let path):
            return try systemRead(descriptor, into: buffer, count: count, label: path)
        case .memory(let bytes, let offset):
            let taken = min(count, bytes.count - offset)
            guard taken > 0 else { return 0 }
            bytes.withUnsafeBufferPointer { source in
                if let base = source.baseAddress { buffer.update(from: base + offset, count: taken) }
            }
            input = .memory(bytes, offset: offset + taken)
            return taken
        }
    }

    /// Replaces the fully consumed chunk with the next one; false at end of input.
    private mutating func refill() throws(CSVError) -> Bool {
        consumedBeforeChunk += chunkCount
        if chunkCount > 0 { previousChunkEndedWithCR = chunk[chunkCount - 1] == carriageReturn }
        chunkCount = 0
        chunkPosition = 0
        if atEndOfInput { return false }
        let count = try readInput(into: chunk, count: chunkSize)
        if count == 0 {
            atEndOfInput = true
            return false
        }
        chunkCount = count
        return true
    }

    /// Loads the first chunk and skips a byte-order mark, reading on while the bytes so far could still be one.
    private mutating func start() throws(CSVError) {
        started = true
        let mark: [UInt8] = [0xEF, 0xBB, 0xBF]
        while chunkCount < 3 {
            var prefixMatches = true
            for index in 0..<chunkCount where chunk[index] != mark[index] { prefixMatches = false }
            if !prefixMatches { break }
            let count = try readInput(into: chunk + chunkCount, count: min(chunkSize, chunkCapacity - chunkCount))
            if count == 0 {
                atEndOfInput = true
                break
            }
            chunkCount += count
        }
        if chunkCount >= 3 && chunk[0] == mark[0] && chunk[1] == mark[1] && chunk[2] == mark[2] {
            hadByteOrderMark = true
            chunkPosition = 3
        }
    }

    // MARK: Parsing

    /// Parses the next record; nil at the end of input or once finished.
    mutating func readRecord() throws(CSVError) -> CSVRecord? {
        guard !finished else { return nil }
        do throws(CSVError) {
            if try parseRecord() { return CSVRecord(buffer: record, line: recordLine, count: recordFieldCount) }
            finished = true
            return nil
        } catch {
            finished = true
            throw error
        }
    }

    private mutating func parseRecord() throws(CSVError) -> Bool {
        if !started { try start() }
        if chunkPosition == chunkCount { guard try refill() else { return false } }
        if skipLineFeed {
            skipLineFeed = false
            if chunk[chunkPosition] == lineFeed {
                chunkPosition += 1
                if chunkPosition == chunkCount { guard try refill() else { return false } }
            }
        }
        // From here at least one byte is left, so there is a record.

        // A caller may still hold the last record; then it keeps that buffer and the reader takes a new one.
        if !isKnownUniquelyReferenced(&record) {
            record = RecordBuffer(byteCapacity: record.byteCapacity, boundsCapacity: record.boundsCapacity)
        }
        var record = self.record
        let recordLine = line
        self.recordLine = line

        // The hot loop works on locals; `finishRecord` stores them back. (No `defer` for that: the optimizer
        // leaves its captured locals boxed behind dynamic exclusivity checks. After an error they do not matter.)
        var line = self.line
        var output = record.bytes
        var outputCount = 0
        var outputCapacity = record.byteCapacity
        var bounds = record.bounds
        var boundsCount = 0
        var boundsCapacity = record.boundsCapacity
        let delimiter = self.delimiter
        let maxFieldBytes = self.maxFieldBytes
        let maxFields = self.maxFields
        let unquotedStops = self.unquotedStops
        let quotedStops = self.quotedStops
        var bytes = chunk
        var end = chunkCount
        var index = chunkPosition
        // Bytes from `runStart` up to `index` are record content not yet copied into `output`. They are copied in
        // one piece at the end of the record or chunk, quotes and delimiters included; field bounds skip those.
        // Only the second quote of a `""` is left out, by starting a new run after it.
        var runStart = index
        var state = FieldState.start
        var fieldStart = 0
        var fieldLine = line

        func grow(bytesNeeded: Int, boundsNeeded: Int) {
            record = record.grown(
                byteCount: outputCount, boundsCount: boundsCount, bytesNeeded: bytesNeeded, boundsNeeded: boundsNeeded)
            output = record.bytes
            outputCapacity = record.byteCapacity
            bounds = record.bounds
            boundsCapacity = record.boundsCapacity
        }

        /// `output` offset that chunk byte `chunkIndex` has or will have.
        func offset(_ chunkIndex: Int) -> Int { outputCount &+ (chunkIndex &- runStart) }

        func flushRun(upTo chunkIndex: Int) {
            let count = chunkIndex - runStart
            if count > 0 {
                if outputCount + count > outputCapacity {
                    grow(bytesNeeded: outputCount + count, boundsNeeded: 0)
                }
                (output + outputCount).update(from: bytes + runStart, count: count)
                outputCount += count
            }
            runStart = chunkIndex
        }

        func endField(from start: Int, to stop: Int) throws(CSVError) {
            if stop - start > maxFieldBytes {
                throw .fieldTooLarge(line: fieldLine, column: boundsCount / 2 + 1, limit: maxFieldBytes)
            }
            if boundsCount + 2 > boundsCapacity {
                grow(bytesNeeded: 0, boundsNeeded: boundsCount + 2)
            }
            bounds[boundsCount] = start
            bounds[boundsCount + 1] = stop
            boundsCount += 2
        }

        /// After a delimiter: one more field follows.
        func checkFieldCount() throws(CSVError) {
            if boundsCount / 2 >= maxFields { throw .tooManyFields(line: recordLine, limit: maxFields) }
        }

        func finishRecord() {
            self.line = line
            self.record = record
            recordFieldCount = boundsCount / 2
        }

        /// Ends the record at the line break at `chunkIndex`.
        func endRecord(at chunkIndex: Int) {
            flushRun(upTo: chunkIndex)
            line += 1
            finishRecord()
            var next = chunkIndex + 1
            if bytes[chunkIndex] == carriageReturn {
                if next < end {
                    if bytes[next] == lineFeed { next += 1 }
                } else {
                    skipLineFeed = true
                }
            }
            chunkPosition = next
        }

        while true {
            scan: while index < end {
                switch state {
                case .start, .unquoted:
                    // Unquoted fields are the common case: loop over them here rather than going back through
                    // the switch for each one, whose indirect jump the CPU mispredicts.
                    while true {
                        if state == .start {
                            guard index < end else { break scan }
                            fieldLine = line
                            let byte = bytes[index]
                            if byte == quote {
                                fieldStart = offset(index) &+ 1
                                state = .quoted
                                index &+= 1
                                continue scan
                            } else if byte == delimiter {
                                let here = offset(index)
                                try endField(from: here, to: here)
                                try checkFieldCount()
                                index &+= 1
                                continue
                            } else if byte == lineFeed || byte == carriageReturn {
                                let here = offset(index)
                                try endField(from: here, to: here)
                                endRecord(at: index)
                                return true
                            }
                            fieldStart = offset(index)
                            state = .unquoted
                            index &+= 1
                        }
                        index = unquotedStops.first(in: bytes, from: index, end: end)
                        guard index < end else { break scan }
                        let byte = bytes[index]
                        if byte == delimiter {
                            try endField(from: fieldStart, to: offset(index))
                            try checkFieldCount()
                            state = .start
                            index &+= 1
                        } else if byte == quote {
                            throw .bareQuote(line: line, column: boundsCount / 2 + 1)
                        } else {
                            try endField(from: fieldStart, to: offset(index))
                            endRecord(at: index)
                            return true
                        }
                    }

                case .quoted:
                    index = quotedStops.first(in: bytes, from: index, end: end)
                    guard index < end else { break scan }
                    let byte = bytes[index]
                    if byte == quote {
                        state = .afterQuote
                    } else if byte == carriageReturn {
                        line += 1
                    } else {
                        // The LF of a CRLF was counted with its CR.
                        let afterCR = index > 0 ? bytes[index - 1] == carriageReturn : previousChunkEndedWithCR
                        if !afterCR { line += 1 }
                    }
                    index &+= 1

                case .afterQuote:
                    let byte = bytes[index]
                    if byte == quote {
                        // `""`: keep the first quote (already in the run), drop this one.
                        flushRun(upTo: index)
                        runStart = index &+ 1
                        state = .quoted
                        index &+= 1
                    } else if byte == delimiter {
                        try endField(from: fieldStart, to: offset(index) &- 1)
                        try checkFieldCount()
                        state = .start
                        index &+= 1
                    } else if byte == lineFeed || byte == carriageReturn {
                        try endField(from: fieldStart, to: offset(index) &- 1)
                        endRecord(at: index)
                        return true
                    } else {
                        throw .characterAfterClosingQuote(line: line, column: boundsCount / 2 + 1)
                    }
                }
            }

            // The chunk is used up mid-record: keep its bytes and fetch the next one.
            flushRun(upTo: end)
            // Check the open field now, so that a huge or unterminated field fails before it fills memory.
            let openLength: Int
            switch state {
            case .start: openLength = 0
            case .unquoted, .quoted: openLength = outputCount - fieldStart
            case .afterQuote: openLength = outputCount - fieldStart - 1
            }
            if openLength > maxFieldBytes {
                throw .fieldTooLarge(line: fieldLine, column: boundsCount / 2 + 1, limit: maxFieldBytes)
            }
            chunkPosition = end
            if try refill() {
                bytes = chunk
                end = chunkCount
                index = 0
                runStart = 0
                continue
            }

            // End of input ends the record.
            switch state {
            case .start:
                // Only reachable after a delimiter: the record ends with an empty field.
                try endField(from: outputCount, to: outputCount)
            case .unquoted:
                try endField(from: fieldStart, to: outputCount)
            case .afterQuote:
                try endField(from: fieldStart, to: outputCount - 1)
            case .quoted:
                throw .unterminatedQuote(line: fieldLine, column: boundsCount / 2 + 1)
            }
            finishRecord()
            return true
        }
    }
}
