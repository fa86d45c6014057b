/// Small-count suppression, the National Human Trafficking Hotline's practice: it does not disclose a figure
/// referenced fewer than three times. A count from 1 to `minCount - 1` is shown as "<minCount" and its percent is
/// withheld; totals are never suppressed. `minCount` 0 (or 1) turns suppression off.
public struct Suppression: Sendable, Equatable {
    public let minCount: Int

    /// The hotline's threshold.
    public static let hotline = Suppression(minCount: 3)

    public init(minCount: Int) {
        self.minCount = max(0, minCount)
    }

    /// Whether `count` must not be shown.
    public func suppresses(_ count: Int) -> Bool {
        count >= 1 && count < minCount
    }

    /// What a table shows for a suppressed count.
    public var placeholder: String { "<\(minCount)" }
}

/// A percent rounded half away from zero to one decimal, from whole numbers (no floating-point drift):
/// 100 × part / whole.
public struct Percent: Sendable, Equatable, CustomStringConvertible {
    /// Tenths of a percent: 790 is 79.0%.
    public let tenths: Int

    public init(_ part: Int, of whole: Int) {
        guard whole > 0 else {
            tenths = 0
            return
        }
        // round(1000 p / w) for p, w >= 0: floor((2000 p + w) / 2w).
        tenths = (2000 * part + whole) / (2 * whole)
    }

    /// "79.0". Written as bytes into the String (two Strings and two concatenations per row were a tenth of a
    /// 64,532-row report's output).
    public var description: String {
        var digits = tenths.magnitude
        var count = 2  // the point and the tenths digit
        repeat {
            count += 1
            digits /= 10
        } while digits >= 10
        if tenths < 0 { count += 1 }
        return String(unsafeUninitializedCapacity: count) { out in
            var rest = tenths.magnitude
            var index = count - 1
            out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            out[index - 1] = UInt8(ascii: ".")
            index -= 2
            rest /= 10
            repeat {
                out[index] = UInt8(ascii: "0") + UInt8(rest % 10)
                index -= 1
                rest /= 10
            } while rest > 0
            if tenths < 0 { out[0] = UInt8(ascii: "-") }
            return count
        }
    }
    public var value: Double { Double(tenths) / 10 }
}
