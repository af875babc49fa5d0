/// Which build of PyTorch drew the numbers: the arithmetic of `uniform_` and `normal_` differs between torch
/// versions and CPU kernels, in the last bits of about half the values (docs/torch-init.md §2–3).
public enum TorchProfile: String, Sendable, CaseIterable, CustomStringConvertible {
    /// torch 2.x under `ATEN_CPU_CAPABILITY=avx2` or `avx512` (the default on any AVX2 CPU): a fused uniform,
    /// avx_mathfun's logarithm and sine/cosine as GCC contracts them. Verified against torch.
    case torch2AVX2 = "torch2-avx2"
    /// torch 2.x under `ATEN_CPU_CAPABILITY=default`: an unfused uniform, glibc's `logf`, `sinf`, `cosf`.
    /// Verified on glibc 2.36; the normal values are only as portable as glibc's single-precision functions.
    case torch2Default = "torch2-default"
    /// torch 1.3 (2019, the released checkpoints) on an AVX2 CPU: TH's unfused uniform and the same AVX2 normal as
    /// torch 2.x. Predicted from torch 1.3's source and build flags; torch 1.3 itself could not be run.
    case torch13AVX2 = "torch13-avx2"

    /// How `uniform_` rounds `x · (to − from) + from`.
    public var uniformRounding: UniformRounding {
        self == .torch2AVX2 ? .fused : .separate
    }

    /// Which implementation of log, sin and cos `normal_` uses.
    public var normalMath: NormalMath {
        self == .torch2Default ? .glibc : .avxMathFun
    }

    /// Whether `uniform_` maps a result equal to `to` back to `from` (torch 2.x; never happens for symmetric bounds).
    public var foldsUpperBound: Bool { self != .torch13AVX2 }

    /// Whether the profile was checked against that torch (as opposed to predicted from its source).
    public var isVerified: Bool { self != .torch13AVX2 }

    /// The profile's name on the command line and in containers.
    public var description: String { rawValue }

    /// The profile called `name`, or `nil`.
    public init?(name: String) { self.init(rawValue: name) }

    /// The names of every profile, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// Whether this platform can reproduce the profile: the glibc profile needs glibc's own `logf`/`sinf`/`cosf`.
    public var isAvailable: Bool {
        #if canImport(Glibc)
        return true
        #else
        return normalMath != .glibc
        #endif
    }
}

/// The two ways a CPU kernel evaluates `x · (to − from) + from` in float32.
public enum UniformRounding: Sendable {
    /// One rounding (`fma`): GCC contracts the expression in kernels compiled with `-mfma`.
    case fused
    /// Two roundings: the product, then the sum.
    case separate
}

/// The two implementations of Box–Muller's logarithm, sine and cosine in `normal_`.
public enum NormalMath: Sendable {
    /// `ATen/native/cpu/avx_mathfun.h` (Cephes polynomials by J. Pommier) compiled by GCC with FMA contraction.
    case avxMathFun
    /// The system libm's `logf` and `sinf`/`cosf` (glibc ≥ 2.28's routines from ARM's optimized-routines).
    case glibc
}
