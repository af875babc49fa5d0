import CSupermaskTorchKernels

/// Whether the AVX2 + FMA kernels of `CSupermaskTorchKernels` run on this CPU.
///
/// Swift calls libm's `fmaf` for every `addingProduct` unless the whole module is compiled for FMA, which costs
/// about 140 ns per normal value; the kernels do 8 lanes with real FMA instructions and give the same bits as the
/// scalar Swift code (tested on every input the transforms can see).
public enum TorchVectorKernels {
    /// Checked once.
    public static let isAvailable: Bool = smt_cpu_supports_avx2_fma() != 0
}
