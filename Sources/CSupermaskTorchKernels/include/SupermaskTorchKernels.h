// The two steps of PyTorch's CPU init that need fused multiply-adds, in AVX2 + FMA (8 lanes), for
// SupermaskTorchInit. Swift cannot emit FMA instructions without making the whole module require them; its scalar
// code (TorchNormal, TorchUniform) is the reference these are tested against, and the path on other CPUs.
#ifndef SUPERMASK_TORCH_KERNELS_H
#define SUPERMASK_TORCH_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#pragma clang assume_nonnull begin

/// Nonzero when the CPU has AVX2 and FMA, so that the functions below may be called.
int smt_cpu_supports_avx2_fma(void);

/// Box–Muller on `block_count` blocks of 16 uniforms in place, as torch's AVX2 `normal_fill_16` computes it with
/// avx_mathfun's log256_ps/sincos256_ps and GCC's FMA contraction (docs/torch-init.md §3.3):
/// data[j] = r·cos θ · std + mean, data[j+8] = r·sin θ · std + mean for u1 = 1 − data[j], u2 = data[j+8].
void smt_normal_blocks_avx2(float *data, size_t block_count, float std, float mean);

/// `uniform_` with one rounding: each raw generator output in `values` (as its bits) becomes
/// fma(k·2⁻²⁴, width, from) with k its low 24 bits; with `fold_upper_bound`, a result equal to `to` becomes `from`.
void smt_uniform_fused_avx2(float *values, size_t count, float from, float width, float to, int fold_upper_bound);

#pragma clang assume_nonnull end

#endif
