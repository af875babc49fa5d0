// The dense kernel: every weight, zeros included, for dense layers and as the baseline the list kernels must beat.
// SMK_DENSE_CHANNELS output channels × the tile's vectors are held in registers over the whole depth; the weights
// are packed as [outputs / 4][depth][4] so that each step reads four consecutive floats. Specification:
// smk_reference_dense in reference_dense.c. Included by table_*.c after vector.h.

SMK_INLINE void SMK(dense_tile)(const float *columns, long rowStride, const float *packed, int depth,
                                int firstOutput, int endOutput, const smk_epilogue *e, long first, int count,
                                const int vectors) {
    for (int o = firstOutput; o < endOutput; o += SMK_DENSE_CHANNELS) {
        smk_v16 acc[SMK_DENSE_CHANNELS][4];
#pragma clang loop unroll(full)
        for (int r = 0; r < SMK_DENSE_CHANNELS; r++)
#pragma clang loop unroll(full)
            for (int v = 0; v < vectors; v++) acc[r][v] = (smk_v16){0};
        const float *w = packed + (long)(o / SMK_DENSE_CHANNELS) * depth * SMK_DENSE_CHANNELS;
        for (int d = 0; d < depth; d++) {
            const float *x = columns + (long)d * rowStride;
            smk_v16 xv[4];
#pragma clang loop unroll(full)
            for (int v = 0; v < vectors; v++) xv[v] = SMK(load)(x + 16 * v);
#pragma clang loop unroll(full)
            for (int r = 0; r < SMK_DENSE_CHANNELS; r++)
#pragma clang loop unroll(full)
                for (int v = 0; v < vectors; v++) acc[r][v] += w[SMK_DENSE_CHANNELS * d + r] * xv[v];
        }
        for (int r = 0; r < SMK_DENSE_CHANNELS && o + r < endOutput; r++)
#pragma clang loop unroll(full)
            for (int v = 0; v < vectors; v++) SMK(finish)(acc[r][v], o + r, v, e, first, count);
    }
}

#define SMK_DENSE_VARIANT(TILE)                                                                                 \
    static void SMK(dense_##TILE)(const float *columns, long rowStride, const float *packed, int depth,         \
                                  int firstOutput, int endOutput, const smk_epilogue *e, long first, int count) { \
        SMK(dense_tile)(columns, rowStride, packed, depth, firstOutput, endOutput, e, first, count, TILE / 16); \
    }

SMK_DENSE_VARIANT(16)
SMK_DENSE_VARIANT(32)
SMK_DENSE_VARIANT(64)

void SMK(dense)(const float *columns, long rowStride, int tile, const float *packed, int depth, int firstOutput,
                int endOutput, const smk_epilogue *e, long first, int count) {
    switch (tile) {
    case 16: SMK(dense_16)(columns, rowStride, packed, depth, firstOutput, endOutput, e, first, count); break;
    case 32: SMK(dense_32)(columns, rowStride, packed, depth, firstOutput, endOutput, e, first, count); break;
    default: SMK(dense_64)(columns, rowStride, packed, depth, firstOutput, endOutput, e, first, count); break;
    }
}
