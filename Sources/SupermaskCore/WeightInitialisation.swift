/// Which random initialisation a layer's weights look like they came from, judged from the values alone.
///
/// hidden-networks initialises every layer with `kaiming_normal` (std √(2/fan_in), the `ukn` models) or
/// `signed_constant` (every weight ±√(2/fan_in), the `usc` models), both with fan_in = in · kh · kw.
public enum WeightInitialisation: Sendable, Equatable {
    /// Every |w| is the same value `magnitude`; `expected` is √(2/fan_in) as float32.
    case signedConstant(magnitude: Float, expected: Float)
    /// Zero-mean values whose standard deviation is within sampling error of `expected` = √(2/fan_in).
    case kaimingNormal(standardDeviation: Double, expected: Double)
    /// Anything else (trained weights, another init); `standardDeviation` for reference.
    case other(standardDeviation: Double, expected: Double)

    /// Classifies `weights` of a layer with the given fan-in.
    public static func recognise(_ weights: [Float], fanIn: Int) -> WeightInitialisation {
        let expected = (2.0 / Double(fanIn)).squareRoot()
        if let first = weights.first, weights.allSatisfy({ $0.magnitude == first.magnitude }) {
            return .signedConstant(magnitude: first.magnitude, expected: Float(expected))
        }
        let count = Double(weights.count)
        let mean = weights.reduce(0.0) { $0 + Double($1) } / count
        let variance = weights.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / max(count - 1, 1)
        let deviation = variance.squareRoot()
        // Sample std of n normals has relative standard error ≈ 1/√(2n); allow 6 of them (and 1% at least),
        // and a mean within 6 standard errors of zero.
        let tolerance = max(0.01, 6 / (2 * count).squareRoot())
        let meanTolerance = 6 * expected / count.squareRoot()
        if abs(deviation / expected - 1) <= tolerance, abs(mean) <= meanTolerance {
            return .kaimingNormal(standardDeviation: deviation, expected: expected)
        }
        return .other(standardDeviation: deviation, expected: expected)
    }

    /// A short name: `signed-constant`, `kaiming-normal` or `other`.
    public var name: String {
        switch self {
        case .signedConstant: return "signed-constant"
        case .kaimingNormal: return "kaiming-normal"
        case .other: return "other"
        }
    }

    /// Whether a signed constant equals √(2/fan_in) as float32 to within one unit in the last place.
    public var matchesExpectedScale: Bool {
        switch self {
        case .signedConstant(let magnitude, let expected):
            return abs(magnitude - expected) <= expected.ulp
        case .kaimingNormal: return true
        case .other: return false
        }
    }
}
