// The scalar reference kernels: the specification of each kernel kind in plain loops, with the signatures of
// smk_kernel_table's entries. Every vector table is tested against these (Tests/SupermaskEngineTests).
#include "SupermaskKernels.h"

void smk_reference_gather(const smk_geometry *geometry, long first, int count, int tile, int rowBegin, int rowEnd,
                          float *columns);
void smk_reference_lists(const float *columns, int tile, const int32_t *starts, const int32_t *splits,
                         const int32_t *rows, const float *values, int blocks, int blockBegin, int blockEnd,
                         int outputChannels, int firstOutput, int endOutput, float *partial,
                         const smk_epilogue *epilogue, long first, int count);
void smk_reference_dense(const float *columns, long rowStride, int tile, const float *packed, int depth,
                         int firstOutput, int endOutput, const smk_epilogue *epilogue, long first, int count);

/// The epilogue of one output: y = sum·scale[o] + bias[o], plus the residual, then the ReLU (NaN becomes zero).
static inline void smk_reference_finish(float sum, int o, long position, const smk_epilogue *e) {
    const long index = (long)o * e->plane + position;
    float y = sum * e->scale[o] + e->bias[o];
    if (e->residual) y += e->residual[index];
    if (e->relu && !(y > 0)) y = 0;
    e->output[index] = y;
}
