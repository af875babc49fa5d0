// Kernels of supermask's planned engine: tile gathering, sparse/sign/dense convolution tiles and pooling.
//
// The convolution kernels form a family of three kinds (gather.h, lists.h, dense.h, each with its scalar
// specification in reference_*.c) compiled into one table per instruction set (table_avx512.c, table_avx2.c,
// table_portable.c) plus the scalar reference table. Callers pick a table with smk_kernels(id) after
// smk_cpu_supports(id) said the CPU runs it.
#ifndef SUPERMASK_KERNELS_H
#define SUPERMASK_KERNELS_H

#include <stdint.h>
#include "SupermaskKernelConstants.h"

#pragma clang assume_nonnull begin

/// The input side of a convolution on one image: an NCHW plane stack and the window geometry.
typedef struct {
    const float *input;   ///< [channels][height][width]
    int channels, height, width;
    int kernel, stride, padding;
    int outputHeight, outputWidth;
} smk_geometry;

/// What happens to an output tile after the reduction: y = acc·scale[o] + bias[o] (+ residual) (then ReLU).
typedef struct {
    const float *scale;     ///< per output channel (batch norm and, for sign kernels, the layer's constant folded in)
    const float *bias;      ///< per output channel
    const float *_Nullable residual;  ///< NULL, or a tensor laid out like `output` that is added before the ReLU
    float *output;          ///< [outputChannels][plane]
    long plane;             ///< output height × width
    int relu;               ///< nonzero: clamp at zero (NaN becomes zero, as in the reference)
} smk_epilogue;

/// A set of kernels compiled for one instruction set.
typedef struct {
    /// Writes columns[r][t] = input value under kernel row r = (c·k + ky)·k + kx for output position first + t,
    /// for rows rowBegin ≤ r < rowEnd and t < count, zero for padding and for count ≤ t < tile. Whole-vector
    /// stores may overrun row rowEnd − 1 into the first 16 floats of row rowEnd.
    void (*gather)(const smk_geometry *geometry, long first, int count, int tile, int rowBegin, int rowEnd,
                   float *columns);
    /// Weight lists × dense columns, for output channels o in [firstOutput, endOutput). The lists are split into
    /// `blocks` blocks of input rows, of which this call runs blocks blockBegin ..< blockEnd (the first block starts
    /// the sums, the last one applies the epilogue): list l = b·outputChannels + o holds entries starts[l] ..< starts[l + 1], each an
    /// input row given by its offset rows[j] in floats (read at columns + rows[j], `tile` floats; the offsets are
    /// scaled by the row stride when the lists are laid out, so the loop does no multiply). With `splits` NULL (valued weights)
    /// entry j contributes values[j]·x; otherwise (sign-only weights) entries before splits[l] add x and the rest
    /// subtract it. `partial` holds outputChannels × tile floats of running sums between row blocks (64-byte aligned).
    void (*lists)(const float *columns, int tile, const int32_t *starts,
                  const int32_t *_Nullable splits, const int32_t *rows, const float *values, int blocks,
                  int blockBegin, int blockEnd, int outputChannels, int firstOutput, int endOutput, float *partial,
                  const smk_epilogue *epilogue, long first, int count);
    /// Dense weights packed as [outputChannels / 4][depth][4]; firstOutput is a multiple of 4.
    void (*dense)(const float *columns, long rowStride, int tile, const float *packed, int depth, int firstOutput,
                  int endOutput, const smk_epilogue *epilogue, long first, int count);
} smk_kernel_table;

/// The kernels of `table`. Call them only when smk_cpu_supports(table) is nonzero.
const smk_kernel_table *smk_kernels(smk_table_id table);

/// CPU features the tables are compiled for, as bits of smk_cpu_features().
typedef enum {
    SMK_CPU_AVX = 1 << 0,
    SMK_CPU_AVX2 = 1 << 1,
    SMK_CPU_FMA = 1 << 2,
    SMK_CPU_F16C = 1 << 3,
    SMK_CPU_BMI2 = 1 << 4,
    SMK_CPU_AVX512F = 1 << 5,
    SMK_CPU_AVX512VL = 1 << 6,
    SMK_CPU_AVX512DQ = 1 << 7,
    SMK_CPU_AVX512BW = 1 << 8,
    /// The OS saves the ymm registers on a context switch (XCR0 bits 1–2).
    SMK_CPU_OS_YMM = 1 << 9,
    /// The OS saves the zmm and opmask registers (XCR0 bits 5–7, with 1–2).
    SMK_CPU_OS_ZMM = 1 << 10,
} smk_cpu_feature;

/// The features of smk_cpu_feature this CPU and OS have (CPUID, and XGETBV for the register state the OS saves).
unsigned smk_cpu_features(void);
/// The features `table` is compiled for: all of them must be in smk_cpu_features() for the table to run.
unsigned smk_table_requirements(smk_table_id table);
/// Nonzero when every feature `table` is compiled for is present.
int smk_cpu_supports(smk_table_id table);

/// Max pooling of `channels` planes; padded cells never win (PyTorch's rule).
void smk_max_pool(const float *input, int channels, int height, int width, int kernel, int stride, int padding,
                  float *output);
/// Average pooling over non-overlapping windowHeight × windowWidth windows (no padding, floor).
void smk_average_pool(const float *input, int channels, int height, int width, int windowHeight, int windowWidth,
                      float *output);

#pragma clang assume_nonnull end

#endif
