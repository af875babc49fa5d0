import CSupermaskKernels

/// A table of the engine's kernels, compiled for one instruction set; the engine uses one table for every layer.
public enum InstructionSet: String, Sendable, CaseIterable {
    /// 512-bit vectors: AVX-512 F, VL, DQ and BW with FMA (Intel Skylake-SP and later, AMD Zen 4 and later).
    case avx512
    /// 256-bit vectors: AVX2 with FMA, F16C and BMI2 (Intel Haswell and later, AMD Zen and later).
    case avx2
    /// The baseline instruction set (SSE2 on x86-64): runs on every CPU.
    case portable
    /// The scalar C reference kernels: plain loops, one float sum per output in list order. The specification
    /// every other table is tested against; slow.
    case reference

    /// The tables fastest first; `best` is the first one this CPU runs.
    public static let byPreference: [InstructionSet] = [.avx512, .avx2, .portable]

    /// The fastest table this CPU supports.
    public static var best: InstructionSet { byPreference.first(where: \.isSupported) ?? .portable }

    /// Whether this CPU (and OS) has every feature the table is compiled for.
    public var isSupported: Bool { smk_cpu_supports(id) != 0 }

    /// The features the table is compiled for that this CPU or OS lacks (empty when it is supported), by their
    /// /proc/cpuinfo names; the OS's register state as `os-ymm-state` / `os-zmm-state`.
    public var missingFeatures: [String] {
        let missing = smk_table_requirements(id) & ~smk_cpu_features()
        return Self.featureNames.filter { missing & $0.bit.rawValue != 0 }.map(\.name)
    }

    private static let featureNames: [(bit: smk_cpu_feature, name: String)] = [
        (SMK_CPU_AVX, "avx"), (SMK_CPU_AVX2, "avx2"), (SMK_CPU_FMA, "fma"), (SMK_CPU_F16C, "f16c"),
        (SMK_CPU_BMI2, "bmi2"), (SMK_CPU_AVX512F, "avx512f"), (SMK_CPU_AVX512VL, "avx512vl"),
        (SMK_CPU_AVX512DQ, "avx512dq"), (SMK_CPU_AVX512BW, "avx512bw"), (SMK_CPU_OS_YMM, "os-ymm-state"),
        (SMK_CPU_OS_ZMM, "os-zmm-state"),
    ]

    /// The C kernel table.
    var kernels: UnsafePointer<smk_kernel_table> { smk_kernels(id) }

    /// Independent accumulator sets the table's list kernel keeps per output at `tile`; gathered lists are padded
    /// to a multiple of it.
    func accumulatorChains(tile: Int) -> Int { Int(smk_accumulator_chains(id, Int32(tile))) }

    private var id: smk_table_id {
        switch self {
        case .avx512: return SMK_TABLE_AVX512
        case .avx2: return SMK_TABLE_AVX2
        case .portable: return SMK_TABLE_PORTABLE
        case .reference: return SMK_TABLE_REFERENCE
        }
    }
}
