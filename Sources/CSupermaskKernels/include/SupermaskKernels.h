// Kernels of supermask's planned engine: tile gathering, sparse/sign/dense convolution tiles and pooling.
//
// Every kernel exists twice, compiled from one body (kernels_body.h): once for AVX-512 and once for the
// baseline x86-64 / portable instruction set. Callers pick a table with smk_cpu_supports_avx512().
#ifndef SUPERMASK_KERNELS_H
#define SUPERMASK_KERNELS_H

#include <stdint.h>

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

/// The kernels compiled for AVX-512F (call only when smk_cpu_supports_avx512() is nonzero).
const smk_kernel_table *smk_kernels_avx512(void);
/// The kernels compiled for the baseline instruction set; they run on any x86-64 (or other) CPU.
const smk_kernel_table *smk_kernels_portable(void);
/// Nonzero when the CPU (and OS) support AVX-512F.
int smk_cpu_supports_avx512(void);

/// Max pooling of `channels` planes; padded cells never win (PyTorch's rule).
void smk_max_pool(const float *input, int channels, int height, int width, int kernel, int stride, int padding,
                  float *output);
/// Average pooling over non-overlapping windowHeight × windowWidth windows (no padding, floor).
void smk_average_pool(const float *input, int channels, int height, int width, int windowHeight, int windowWidth,
                      float *output);

#pragma clang assume_nonnull end

#endif
