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

    /// "79.0"
    public var description: String {
        DecimalText.string(tenths.magnitude / 10, negative: tenths < 0, tenth: UInt8(tenths.magnitude % 10))
    }

    public var value: Double { Double(tenths) / 10 }
}
