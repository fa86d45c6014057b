@testable import CaseStore
import Testing

@Suite("Code strings of the bulk load")
struct CodeStringsTests {
    private func text(_ value: CodeStrings.Text) -> String {
        String(decoding: UnsafeBufferPointer(start: value.bytes, count: value.count), as: UTF8.self)
    }

    @Test func everyVocabularyCodeIsItsOwnNULTerminatedCopy() {
        func check<T: VocabularyTerm>(_ terms: T.Type, _ code: (T) -> CodeStrings.Text) {
            for term in T.allCases {
                let value = code(term)
                #expect(text(value) == term.code)
                #expect(value.bytes[value.count] == 0)
            }
        }
        check(TraffickingType.self, CodeStrings.code)
        check(Gender.self, CodeStrings.code)
        check(AgeGroup.self, CodeStrings.code)
        check(Citizenship.self, CodeStrings.code)
    }

    @Test func onlyTwoUpperCaseLettersAreLetterPairs() {
        for code in ["AA", "CA", "US", "ZZ"] {
            let value = CodeStrings.letterPair(code)
            #expect(value.map(text) == code)
            #expect(value.map { $0.bytes[2] } == 0)
        }
        for code in ["", "C", "ca", "Ca", "CAL", "C1", "@A", "[A", "É"] {
            #expect(CodeStrings.letterPair(code) == nil)
        }
    }
}

@Suite("Label table: lookups from bytes")
struct LabelTableTests {
    @Test func findsWhatLabelMapKeyWouldForEveryKindOfInput() {
        var table = LabelTable<Int>()
        let labels = ["Sex", "Sex and Labor", "Illicit Massage / Spa", "Hotel/Motel", "Ébène", "Straße", "K-Mart",
                      "Residence-based commercial sex"]
        for (index, label) in labels.enumerated() { table.set(label, to: index) }
        #expect(table.count == labels.count)
        let inputs = ["sex", "  SEX ", "sex\tand \n labor", "SEX AND LABOR", "illicit  massage / spa", "hotel/motel",
                      "ÉBÈNE", " ébène ", "STRASSE", "straße", "k-mart", "\u{212A}-Mart", "sexand labor", "", "   ",
                      "residence-based commercial sex", String(repeating: "x", count: 300), "Sex\u{00A0}and Labor"]
        var reference: [String: Int] = [:]
        for (index, label) in labels.enumerated() { reference[LabelMap<Int>.key(label)] = index }
        for input in inputs {
            #expect(table.value(for: input) == reference[LabelMap<Int>.key(input)], "\(input)")
        }
        #expect(table.value(for: "  SEX ") == 0)
        #expect(table.value(for: "\u{212A}-Mart") == 6)  // the Kelvin sign lower-cases to k, as LabelMap.key does
    }

    @Test func findsKeysOfEveryLengthAroundTheWordBoundaries() {
        // Keys are hashed and compared a word (8 bytes) at a time: every length from 1 to 40, each key differing from
        // the next longer one only in its last byte, and each looked up as typed (upper case, spaces around).
        var table = LabelTable<Int>()
        let letters = Array("abcdefghijklmnopqrstuvwxyz0123456789 -/()")
        let keys = (1...40).map { length in String((0..<length).map { letters[($0 * 7 + length) % letters.count] }) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        for (index, key) in keys.enumerated() { table.set(key, to: index) }
        for (index, key) in keys.enumerated() {
            #expect(table.value(for: "  " + key.uppercased() + " ") == index, "\(key)")
            #expect(table.value(for: key + "q") == keys.firstIndex(of: key + "q"), "\(key)q")
            #expect(table.value(for: String(key.dropLast()) + "#") == nil, "\(key)")
        }
    }

    @Test func keepsEveryKeyThroughGrowthAndSetReplaces() {
        var table = LabelTable<Int>()
        for index in 0..<2_000 { table.set("County \(index)", to: index) }
        table.set("COUNTY 7", to: -7)
        #expect(table.count == 2_000)
        #expect((0..<2_000).allSatisfy { table.value(for: "county  \($0)") == ($0 == 7 ? -7 : $0) })
        #expect(table.value(for: "County 2000") == nil)
    }

    @Test func copiesAreIndependent() {
        var first = LabelTable<String>()
        first.set("a", to: "first")
        var second = first
        second.set("A", to: "second")
        second.set("b", to: "b")
        #expect(first.value(for: "a") == "first")
        #expect(first.value(for: "b") == nil)
        #expect(second.value(for: "a") == "second")
        #expect(second.value(for: "B") == "b")
    }
}
