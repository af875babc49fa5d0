/// The logarithm and sine/cosine of `ATen/native/cpu/avx_mathfun.h` (J. Pommier's AVX port of the Cephes
/// single-precision routines), one lane at a time, exactly as GCC compiles the header with `-mavx2 -mfma`.
///
/// GCC's default `-ffp-contract=fast` turns some `a * b + c` of the source into fused multiply-adds; which ones is
/// part of the result, so every `addingProduct` below is an FMA GCC forms and every other operation is one
/// float32 operation rounded once. Checked against a C build of torch's own header for all 2²⁴ inputs that
/// `normal_` can produce (docs/torch-init.md §3.3).
enum AVXMathFun {
    // The header's constants are double literals that C converts to float; they are written here by their float32
    // bits so that no second rounding (Swift reads a literal through Float80 on x86) can differ.
    static let sqrtHalf = Float(bitPattern: 0x3F35_04F3)  // 0.707106781186547524
    static let logP0 = Float(bitPattern: 0x3D90_21BB)  // 7.0376836292E-2
    static let logP1 = Float(bitPattern: 0xBDEB_D1B8)  // -1.1514610310E-1
    static let logP2 = Float(bitPattern: 0x3DEF_251A)  // 1.1676998740E-1
    static let logP3 = Float(bitPattern: 0xBDFE_5D4F)  // -1.2420140846E-1
    static let logP4 = Float(bitPattern: 0x3E11_E9BF)  // 1.4249322787E-1
    static let logP5 = Float(bitPattern: 0xBE2A_AE50)  // -1.6668057665E-1
    static let logP6 = Float(bitPattern: 0x3E4C_CEAC)  // 2.0000714765E-1
    static let logP7 = Float(bitPattern: 0xBE7F_FFFC)  // -2.4999993993E-1
    static let logP8 = Float(bitPattern: 0x3EAA_AAAA)  // 3.3333331174E-1
    static let logQ1 = Float(bitPattern: 0xB95E_8083)  // -2.12194440e-4
    static let logQ2 = Float(bitPattern: 0x3F31_8000)  // 0.693359375

    /// `log256_ps` for x in (0, 1]: the only inputs Box–Muller gives it (1 − u with u in [0, 1)).
    @inline(__always)
    static func log(_ x: Float) -> Float {
        let bits = x.bitPattern
        var e = Float(Int32(bitPattern: bits >> 23) - 127) + 1
        let m = Float(bitPattern: (bits & 0x807F_FFFF) | 0x3F00_0000)
        var t: Float = 0
        if m < sqrtHalf {
            e = e - 1
            t = m
        }
        let x1 = (m - 1) + t
        let z = x1 * x1
        var y = logP1.addingProduct(logP0, x1)
        y = logP2.addingProduct(y, x1)
        y = logP3.addingProduct(y, x1)
        y = logP4.addingProduct(y, x1)
        y = logP5.addingProduct(y, x1)
        y = logP6.addingProduct(y, x1)
        y = logP7.addingProduct(y, x1)
        y = logP8.addingProduct(y, x1)
        y = y * x1
        y = (e * logQ1).addingProduct(y, z)
        y = y - z * 0.5
        return (x1 + y).addingProduct(e, logQ2)
    }

    static let fourOverPi = Float(bitPattern: 0x3FA2_F983)  // 1.27323954473516
    static let minusDP1 = Float(bitPattern: 0xBF49_0000)  // -0.78515625
    static let minusDP2 = Float(bitPattern: 0xB97D_A000)  // -2.4187564849853515625e-4
    static let minusDP3 = Float(bitPattern: 0xB322_2169)  // -3.77489497744594108e-8
    static let cosine0 = Float(bitPattern: 0x37CC_F5CE)  // 2.443315711809948E-005
    static let cosine1 = Float(bitPattern: 0xBAB6_061A)  // -1.388731625493765E-003
    static let cosine2 = Float(bitPattern: 0x3D2A_AAA5)  // 4.166664568298827E-002
    static let sine0 = Float(bitPattern: 0xB94C_A1F9)  // -1.9515295891E-4
    static let sine1 = Float(bitPattern: 0x3C08_839E)  // 8.3321608736E-3
    static let sine2 = Float(bitPattern: 0xBE2A_AAA3)  // -1.6666654611E-1

    /// `sincos256_ps` for x ≥ 0 (Box–Muller's angle 2π·u).
    @inline(__always)
    static func sincos(_ angle: Float) -> (sin: Float, cos: Float) {
        var j = Int32(truncatingIfNeeded: Int((angle * fourOverPi).rounded(.towardZero)))
        j = (j &+ 1) & ~1
        let y = Float(j)
        var x = angle.addingProduct(y, minusDP1)
        x = x.addingProduct(y, minusDP2)
        x = x.addingProduct(y, minusDP3)
        let sinSign = UInt32(bitPattern: j & 4) << 29
        let cosSign = UInt32(bitPattern: ~(j &- 2) & 4) << 29
        let useSinePolynomial = j & 2 == 0
        let z = x * x
        var cosine = cosine1.addingProduct(cosine0, z)
        cosine = cosine2.addingProduct(cosine, z)
        cosine = cosine * z
        cosine = (-(z * 0.5)).addingProduct(cosine, z)
        cosine = cosine + 1
        var sine = sine1.addingProduct(sine0, z)
        sine = sine2.addingProduct(sine, z)
        sine = sine * z
        sine = x.addingProduct(sine, x)
        // The header selects with and/andnot and then adds the two halves, which turns −0 into +0.
        let (sinValue, cosValue) = useSinePolynomial ? (0 + sine, cosine + 0) : (0 + cosine, sine + 0)
        return (Float(bitPattern: sinValue.bitPattern ^ sinSign), Float(bitPattern: cosValue.bitPattern ^ cosSign))
    }
}
