/// The natural logarithm and cosine of the weight generator, computed with +, −, ×, ÷ and exact scaling
/// only, in a fixed order, so that every IEEE-754 implementation (python/src/supermask/generator.py included) gets
/// the same float64 bits. libm's `log` and `cos` are not guaranteed to agree across platforms.
///
/// The series and their evaluation order are specified in docs/generator.md §3; change nothing here
/// without bumping the generator version.
enum GeneratorMath {
    /// 1/(2j+1) for j = 0…11: the coefficients of atanh's series.
    static let atanhCoefficients: [Double] = (0..<12).map { 1.0 / Double(2 * $0 + 1) }

    /// 1/n! for n = 0…25, each from the previous by one division (not correctly rounded, but defined).
    static let inverseFactorials: [Double] = {
        var result: [Double] = [1]
        for n in 1...25 { result.append(result[n - 1] / Double(n)) }
        return result
    }()

    /// ln 2 as the float64 nearest to it.
    static let ln2 = Double(bitPattern: 0x3FE6_2E42_FEFA_39EF)
    /// π/2 as the float64 nearest to it.
    static let halfPi = Double(bitPattern: 0x3FF9_21FB_5444_2D18)

    /// ln(x) for a positive normal `x`: x = m·2^e with m in [√½, √2), ln m = 2·atanh((m−1)/(m+1)).
    static func logarithm(_ x: Double) -> Double {
        let bits = x.bitPattern
        var exponent = Int((bits >> 52) & 0x7FF) - 1023
        var mantissa = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        // 1.4142135623730951 is √2 rounded; halving is exact.
        if mantissa >= 1.4142135623730951 {
            mantissa = mantissa * 0.5
            exponent += 1
        }
        let s = (mantissa - 1.0) / (mantissa + 1.0)
        let s2 = s * s
        var sum = atanhCoefficients[11]
        for j in stride(from: 10, through: 0, by: -1) { sum = sum * s2 + atanhCoefficients[j] }
        return Double(exponent) * ln2 + 2.0 * s * sum
    }

    /// cos(2π·u) for u in [0, 1) with 24 significant bits: the quadrant q = ⌊4u⌋ and the angle
    /// θ = (4u − q)·π/2 are exact or singly rounded, then a Taylor series of cos or sin θ.
    static func cosineOfTurns(_ u: Double) -> Double {
        let scaled = u * 4.0
        let quadrant = Int(scaled)
        let theta = (scaled - Double(quadrant)) * halfPi
        let t2 = theta * theta
        switch quadrant {
        case 0: return cosine(t2)
        case 1: return -sine(theta, t2)
        case 2: return -cosine(t2)
        default: return sine(theta, t2)
        }
    }

    /// cos θ = Σ (−1)^j θ^{2j}/(2j)!, j = 0…12, by Horner in −θ² (negation is exact).
    private static func cosine(_ t2: Double) -> Double {
        let y = -t2
        var sum = inverseFactorials[24]
        for j in stride(from: 11, through: 0, by: -1) { sum = sum * y + inverseFactorials[2 * j] }
        return sum
    }

    /// sin θ = θ·Σ (−1)^j θ^{2j}/(2j+1)!, j = 0…12, by Horner in −θ².
    private static func sine(_ theta: Double, _ t2: Double) -> Double {
        let y = -t2
        var sum = inverseFactorials[25]
        for j in stride(from: 11, through: 0, by: -1) { sum = sum * y + inverseFactorials[2 * j + 1] }
        return theta * sum
    }
}
