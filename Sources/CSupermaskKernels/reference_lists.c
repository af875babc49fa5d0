// The specification of the list kernels (lists.h). For output channel o in [firstOutput, endOutput) and tile
// position t < count, list l = b·outputChannels + o of each row block b in [blockBegin, blockEnd) adds, in order,
// for every entry j in starts[l] ..< starts[l + 1] the column value x = columns[rows[j] + t] times values[j]
// (valued lists, splits NULL), or +x before splits[l] and −x from there on (sign lists). The first block starts
// the sum; the sum waits in partial[o·tile + t] between calls; the last block (blocks − 1) applies the epilogue
// to output position first + t.
#include "reference.h"

void smk_reference_lists(const float *columns, int tile, const int32_t *starts, const int32_t *splits,
                         const int32_t *rows, const float *values, int blocks, int blockBegin, int blockEnd,
                         int outputChannels, int firstOutput, int endOutput, float *partial, const smk_epilogue *e,
                         long first, int count) {
    for (int b = blockBegin; b < blockEnd; b++) {
        for (int o = firstOutput; o < endOutput; o++) {
            const long list = (long)b * outputChannels + o;
            for (int t = 0; t < count; t++) {
                float sum = b > 0 ? partial[(long)o * tile + t] : 0;
                for (int j = starts[list]; j < starts[list + 1]; j++) {
                    const float x = columns[rows[j] + t];
                    if (!splits) {
                        sum += values[j] * x;
                    } else if (j < splits[list]) {
                        sum += x;
                    } else {
                        sum -= x;
                    }
                }
                if (b == blocks - 1) {
                    smk_reference_finish(sum, o, first + t, e);
                } else {
                    partial[(long)o * tile + t] = sum;
                }
            }
        }
    }
}
