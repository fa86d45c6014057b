// libFuzzer target for the CSV reader (Sources/CSV). Built by scripts/fuzz.sh; see Fuzz/README.md.
//
// Input layout: byte 0 picks the delimiter, byte 1 the chunk size (1...64), byte 2 the field and record limits;
// the rest is the CSV text. For every input the target:
//   - reads all records with the chosen chunk size, touching every field through withField, bytes, isEmpty and
//     string(_:encoding:) for each TextEncoding;
//   - reads the same bytes again in one 64 KiB chunk and traps if records, lines or the error differ
//     (chunk boundaries must not change the result);
//   - when the input parsed cleanly, writes the records back with CSVWriter and reads them again, trapping if any
//     field's bytes differ (the reader and writer lose nothing).
import CSV
#if canImport(Glibc)
import Glibc
#endif

private struct Parsed: Equatable {
    var records: [[[UInt8]]] = []
    var lines: [Int] = []
    var error: CSVError?
}

private func readAll(
    _ bytes: [UInt8], delimiter: UInt8, chunkSize: Int, maxFieldBytes: Int, maxFields: Int, touch: Bool
) -> Parsed {
    var reader = CSVReader(
        bytes: bytes, delimiter: delimiter, chunkSize: chunkSize, maxFieldBytes: maxFieldBytes, maxFields: maxFields)
    var parsed = Parsed()
    var previousLine = 0
    do {
        while let record = try reader.next() {
            precondition(record.count >= 1, "a record has at least one field")
            precondition(record.line > previousLine, "record lines must increase")
            previousLine = record.line
            var fields: [[UInt8]] = []
            fields.reserveCapacity(record.count)
            for index in 0..<record.count {
                let copy = record.withField(index) { buffer -> [UInt8] in
                    precondition(buffer.baseAddress != nil, "withField gives a non-nil base address")
                    precondition(buffer.count <= maxFieldBytes, "field longer than maxFieldBytes")
                    return Array(buffer)
                }
                if touch {
                    precondition(record.bytes(index) == copy)
                    precondition(record.isEmpty(index) == copy.isEmpty)
                    for encoding in TextEncoding.allCases {
                        if let text = record.string(index, encoding: encoding), encoding == .utf8 {
                            precondition(Array(text.utf8) == copy, "UTF-8 decoding must be lossless")
                        }
                    }
                }
                fields.append(copy)
            }
            precondition(fields.count <= maxFields, "record has more than maxFields fields")
            parsed.records.append(fields)
            parsed.lines.append(record.line)
        }
    } catch {
        parsed.error = error
    }
    // After the end or an error, the reader stays finished.
    precondition((try? reader.next()) == nil, "next() after the end must return nil")
    precondition(reader.bytesConsumed <= bytes.count, "consumed more bytes than the input has")
    return parsed
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 3 else {
        _ = readAll(Array(UnsafeBufferPointer(start: data, count: size)), delimiter: UInt8(ascii: ","),
                    chunkSize: 7, maxFieldBytes: 1 << 20, maxFields: 1 << 16, touch: true)
        return 0
    }
    let delimiters: [UInt8] = [UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "\t"), UInt8(ascii: "|"), 0x1F, 0x00]
    var delimiter = delimiters[Int(data[0]) % delimiters.count]
    if data[0] >= 0x80 {
        // Any byte that is allowed (a quote or a line break as delimiter is a programmer error and traps).
        let candidate = data[0] & 0x7F
        if candidate != UInt8(ascii: "\""), candidate != 0x0A, candidate != 0x0D { delimiter = candidate }
    }
    let chunkSize = Int(data[1] % 64) + 1
    let limits = data[2]
    let maxFieldBytes = limits & 0x80 != 0 ? Int(limits & 0x0F) + 1 : 1 << 20
    let maxFields = limits & 0x40 != 0 ? Int((limits >> 4) & 0x03) + 1 : 1 << 16
    let bytes = Array(UnsafeBufferPointer(start: data + 3, count: size - 3))

    let small = readAll(bytes, delimiter: delimiter, chunkSize: chunkSize, maxFieldBytes: maxFieldBytes,
                        maxFields: maxFields, touch: true)
    let whole = readAll(bytes, delimiter: delimiter, chunkSize: 1 << 16, maxFieldBytes: maxFieldBytes,
                        maxFields: maxFields, touch: false)
    // A field that is both longer than maxFieldBytes and malformed may report either error depending on where
    // chunks end (the length check runs at chunk ends, the syntax check at the next special byte); both are
    // errors for the same field, so only the kind of error is compared when it is fieldTooLarge.
    var sameError = small.error == whole.error
    if !sameError, let a = small.error, let b = whole.error {
        if case .fieldTooLarge = a { sameError = true }
        if case .fieldTooLarge = b { sameError = true }
    }
    if small.records != whole.records || small.lines != whole.lines || !sameError {
        print("chunk \(chunkSize): \(small)\nwhole: \(whole)"); fflush(nil)
        preconditionFailure("chunk size changed the parse")
    }

    if small.error == nil, !small.records.isEmpty {
        let writer = CSVWriter(lineEnding: limits & 1 == 0 ? .crlf : .lf, byteOrderMark: limits & 2 != 0,
                               delimiter: delimiter)
        for record in small.records {
            // Write through the byte API from copies that outlive the call.
            var copies: [UnsafeMutableBufferPointer<UInt8>] = []
            for field in record {
                let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(field.count, 1))
                _ = copy.initialize(from: field)
                copies.append(copy)
            }
            defer { copies.forEach { $0.deallocate() } }
            try! writer.write(recordBytes: copies.enumerated().map {
                UnsafeBufferPointer(start: $0.element.baseAddress, count: record[$0.offset].count)
            })
        }
        let again = readAll(writer.output, delimiter: delimiter, chunkSize: chunkSize, maxFieldBytes: 1 << 20,
                            maxFields: 1 << 16, touch: false)
        precondition(again.error == nil, "writer output does not read back")
        precondition(again.records == small.records, "write then read lost or changed data")
    }
    return 0
}
