/// Whole numbers as decimal text, written as bytes straight into their String: report output writes a count and a
/// percent for each of up to tens of thousands of rows, and building each from smaller Strings or a byte array was
/// a measurable part of it.
enum DecimalText {
    /// `magnitude`'s digits, after a minus sign when `negative`, with a comma before each group of three when
    /// `grouped`, then a point and `tenth` when there is one: `string(1334, grouped: true)` is "1,334",
    /// `string(79, tenth: 0)` is "79.0".
    static func string(_ magnitude: UInt, negative: Bool = false, grouped: Bool = false, tenth: UInt8? = nil)
        -> String {
        var digitCount = 1
        var rest = magnitude
        while rest >= 10 {
            digitCount += 1
            rest /= 10
        }
        let count = (negative ? 1 : 0) + digitCount + (grouped ? (digitCount - 1) / 3 : 0) + (tenth == nil ? 0 : 2)
        return String(unsafeUninitializedCapacity: count) { out in
            var index = count - 1
            if let tenth {
                out[index] = UInt8(ascii: "0") + tenth
                out[index - 1] = UInt8(ascii: ".")
                index -= 2
            }
            var rest = magnitude
            for place in 0..<digitCount {
                if grouped && place > 0 && place % 3 == 0 {
                    out[index] = UInt8(ascii: ",")
                    index -= 1
                }
                out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                index -= 1
                rest /= 10
            }
            if negative { out[0] = UInt8(ascii: "-") }
            return count
        }
    }
}
