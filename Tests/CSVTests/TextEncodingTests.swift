import Testing

import CSV

private func decode(_ bytes: [UInt8], _ encoding: TextEncoding) -> String? {
    bytes.withUnsafeBufferPointer { encoding.decode($0) }
}

@Suite("TextEncoding")
struct TextEncodingTests {
    @Test("Raw values are the spec's --encoding names")
    func names() {
        #expect(TextEncoding.allCases.map(\.rawValue) == ["utf-8", "latin1", "windows-1252"])
        #expect(TextEncoding(rawValue: "windows-1252") == .windows1252)
    }

    @Test("Valid UTF-8 decodes, NUL and astral scalars included")
    func validUTF8() {
        let boundaries = "\u{7F}\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFF}\u{10000}\u{10FFFF}"
        for text in ["", "plain", "café", "日本語", "😀 a\u{0}b", boundaries] {
            #expect(decode(Array(text.utf8), .utf8) == text)
        }
    }

    @Test(
        "Invalid UTF-8 gives nil",
        arguments: [
            [0xFF], [0x80], [0xC3], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xE0, 0x9F, 0xBF],
            [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
            [0xF5, 0x80, 0x80, 0x80], [0xE2, 0x82], [0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0xC3, 0x28],
        ] as [[UInt8]])
    func invalidUTF8(_ bytes: [UInt8]) {
        #expect(decode(bytes, .utf8) == nil)
    }

    @Test("The UTF-8 check agrees with the standard library on random bytes")
    func utf8AgreesWithStandardLibrary() {
        var generator = SeededGenerator(seed: 7)
        // Lead bytes and continuations weighted so that valid multi-byte sequences are common.
        let pool: [UInt8] = [
            0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC2, 0xDF, 0xE0, 0xED, 0xEF, 0xF0, 0xF4, 0xF5,
        ]
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...12, using: &generator)).map { _ in
                Bool.random(using: &generator)
                    ? (pool.randomElement(using: &generator) ?? 0) : UInt8.random(in: 0...255, using: &generator)
            }
            let expected = String(validating: bytes, as: UTF8.self)
            #expect(decode(bytes, .utf8) == expected, "bytes \(bytes)")
            if decode(bytes, .utf8) != expected { return }
        }
    }

    @Test("latin1 maps every byte to the same-numbered scalar")
    func latin1() {
        #expect(decode([0xE9], .latin1) == "é")
        #expect(decode([0x80], .latin1) == "\u{80}")
        let all = (0...255).map { UInt8($0) }
        let decoded = decode(all, .latin1)
        #expect(decoded?.unicodeScalars.map(\.value) == (0...255).map { UInt32($0) })
    }

    @Test("windows-1252 follows the WHATWG table")
    func windows1252() {
        #expect(decode([0xE9], .windows1252) == "é")
        #expect(decode([0x80], .windows1252) == "€")
        #expect(decode([0x43, 0x61, 0x66, 0xE9, 0x20, 0x93, 0x71, 0x94], .windows1252) == "Café “q”")
        let expected: [UInt8: UInt32] = [
            0x80: 0x20AC, 0x82: 0x201A, 0x8A: 0x0160, 0x8C: 0x0152, 0x8E: 0x017D, 0x96: 0x2013, 0x99: 0x2122,
            0x9C: 0x0153, 0x9F: 0x0178, 0x81: 0x81, 0x8D: 0x8D, 0x8F: 0x8F, 0x90: 0x90, 0x9D: 0x9D,
        ]
        for (byte, scalar) in expected {
            #expect(decode([byte], .windows1252)?.unicodeScalars.map(\.value) == [scalar], "byte \(byte)")
        }
        // Outside 0x80-0x9F it is latin1.
        let outside = (0...255).filter { !(0x80...0x9F).contains($0) }.map { UInt8($0) }
        #expect(decode(outside, .windows1252)?.unicodeScalars.map(\.value) == outside.map { UInt32($0) })
        // Every byte decodes to exactly one scalar.
        #expect(decode((0...255).map { UInt8($0) }, .windows1252)?.unicodeScalars.count == 256)
    }

    @Test("CSVRecord.string decodes per field; invalid bytes give nil but stay intact", arguments: chunkSizes)
    func recordDecoding(chunkSize: Int) throws {
        let input: [UInt8] = Array("ok,".utf8) + [0x43, 0x61, 0x66, 0xE9] + [0x2C, 0x80, 0x0A]
        var reader = CSVReader(bytes: input, chunkSize: chunkSize)
        let record = try #require(try reader.next())
        #expect(record.string(0) == "ok")
        #expect(record.string(1) == nil)
        #expect(record.bytes(1) == [0x43, 0x61, 0x66, 0xE9])
        #expect(record.string(1, encoding: .latin1) == "Café")
        #expect(record.string(2, encoding: .windows1252) == "€")
        #expect(record.string(2, encoding: .latin1) == "\u{80}")
        #expect(record.string(2, encoding: .utf8) == nil)
    }
}
