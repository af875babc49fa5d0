// What every vector kernel of one table shares: the 16-float vector type and the epilogue that turns a vector of
// sums into outputs. Included by table_*.c after defining SMK(name) (the table's function prefix) and SMK_TABLE
// (its smk_table_id); written in clang's vector extensions, so the one source lowers to one zmm, two ymm or four
// xmm registers per vector depending on the instruction set the including file targets.
#include "SupermaskKernels.h"

// The 64-byte vector helpers are always inlined, so no vector value ever crosses a call boundary and the ABI
// difference the compiler warns about for targets narrower than AVX-512 never arises.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float smk_v16 __attribute__((vector_size(64)));
typedef float smk_v16u __attribute__((vector_size(64), aligned(4)));

#define SMK_INLINE static inline __attribute__((always_inline))

SMK_INLINE smk_v16 SMK(load)(const float *p) { return *(const smk_v16u *)p; }

SMK_INLINE void SMK(store)(float *p, smk_v16 value) { *(smk_v16u *)p = value; }

/// Applies the epilogue to one 16-column vector of sums of output channel o at tile offset 16·v: scale and bias,
/// then the residual, then the ReLU (NaN becomes zero), for the count − 16·v positions that exist.
SMK_INLINE void SMK(finish)(smk_v16 acc, int o, int v, const smk_epilogue *e, long first, int count) {
    const int n = count - 16 * v;
    if (n <= 0) return;
    const long base = (long)o * e->plane + first + 16 * v;
    smk_v16 y = acc * e->scale[o] + e->bias[o];
    // The next tiles of this channel come back only after every other channel: their residual and output lines,
    // 256 bytes ahead, are one of hundreds of streams, more than the hardware prefetchers follow.
    if (e->residual) __builtin_prefetch(e->residual + base + 64, 0, 3);
    __builtin_prefetch(e->output + base + 64, 1, 3);
    if (n >= 16) {
        if (e->residual) y += SMK(load)(e->residual + base);
        if (e->relu) y = __builtin_elementwise_max(y, (smk_v16){0});
        SMK(store)(e->output + base, y);
    } else {
        for (int i = 0; i < n; i++) {
            float value = y[i];
            if (e->residual) value += e->residual[base + i];
            if (e->relu && !(value > 0)) value = 0;
            e->output[base + i] = value;
        }
    }
}
