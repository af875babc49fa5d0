// The specification of the dense kernel (dense.h): for output channel o in [firstOutput, endOutput) and tile
// position t < count, the sum over d < depth of packed[(o / 4)·depth·4 + 4·d + o % 4] · columns[d·rowStride + t],
// then the epilogue at output position first + t.
#include "reference.h"

void smk_reference_dense(const float *columns, long rowStride, int tile, const float *packed, int depth,
                         int firstOutput, int endOutput, const smk_epilogue *e, long first, int count) {
    (void)tile;
    for (int o = firstOutput; o < endOutput; o++) {
        const float *w = packed + (long)(o / SMK_DENSE_CHANNELS) * depth * SMK_DENSE_CHANNELS + o % SMK_DENSE_CHANNELS;
        for (int t = 0; t < count; t++) {
            float sum = 0;
            for (int d = 0; d < depth; d++) sum += w[(long)SMK_DENSE_CHANNELS * d] * columns[(long)d * rowStride + t];
            smk_reference_finish(sum, o, first + t, e);
        }
    }
}
