// Pooling for the planned engine; cheap next to the convolutions, so one portable version suffices.
#include "SupermaskKernels.h"

/// max(a, b) where a NaN in either wins (PyTorch's max pooling propagates NaN).
static inline float smk_max_nan(float best, float value) {
    return (value > best || value != value) ? value : best;
}

// Four lanes: the baseline instruction set's width, so the helpers below pass vectors in registers everywhere.
typedef float smk_pool_v4 __attribute__((vector_size(16), aligned(4)));
typedef int smk_pool_m4 __attribute__((vector_size(16)));

/// smk_max_nan on 4 lanes.
static inline smk_pool_v4 smk_max_nan4(smk_pool_v4 best, smk_pool_v4 value) {
    const smk_pool_m4 take = (value > best) | (value != value);
    return (smk_pool_v4)((take & (smk_pool_m4)value) | (~take & (smk_pool_m4)best));
}

/// Output row of a 3-wide, stride-2 window over `padded` (the column maxima, with -inf in the padding):
/// out[ox] = max(padded[2·ox], padded[2·ox + 1], padded[2·ox + 2]), four outputs per step.
static void smk_max_pool_row_3x2(const float *padded, int outputWidth, float *out) {
    int ox = 0;
    for (; ox + 4 <= outputWidth; ox += 4) {
        const smk_pool_v4 a = *(const smk_pool_v4 *)(padded + 2 * ox), b = *(const smk_pool_v4 *)(padded + 2 * ox + 4);
        const smk_pool_v4 c = *(const smk_pool_v4 *)(padded + 2 * ox + 2), d = *(const smk_pool_v4 *)(padded + 2 * ox + 6);
        const smk_pool_v4 even = __builtin_shufflevector(a, b, 0, 2, 4, 6);
        const smk_pool_v4 odd = __builtin_shufflevector(a, b, 1, 3, 5, 7);
        const smk_pool_v4 next = __builtin_shufflevector(c, d, 0, 2, 4, 6);
        *(smk_pool_v4 *)(out + ox) = smk_max_nan4(smk_max_nan4(even, odd), next);
    }
    for (; ox < outputWidth; ox++)
        out[ox] = smk_max_nan(smk_max_nan(padded[2 * ox], padded[2 * ox + 1]), padded[2 * ox + 2]);
}

void smk_max_pool(const float *input, int channels, int height, int width, int kernel, int stride, int padding,
                  float *output) {
    const int outputHeight = (height + 2 * padding - kernel) / stride + 1;
    const int outputWidth = (width + 2 * padding - kernel) / stride + 1;
    // Rows up to 1024 wide use the separable form below with the column maxima on the stack; wider ones
    // (never seen in the catalogue's networks) take each window directly.
    enum { widestSeparable = 1024 };
    // The column maxima of a row, with -inf in the padding on both sides (and slack for whole-vector reads).
    float paddedMaxima[widestSeparable + 2 * 8 + 16];
    float *rowMaxima = paddedMaxima + padding;
    if (width > widestSeparable || padding > 8) {
        for (int c = 0; c < channels; c++) {
            const float *plane = input + (long)c * height * width;
            for (int oy = 0; oy < outputHeight; oy++) {
                const int top = oy * stride - padding;
                const int y0 = top < 0 ? 0 : top, y1 = top + kernel > height ? height : top + kernel;
                for (int ox = 0; ox < outputWidth; ox++) {
                    const int left = ox * stride - padding;
                    const int x0 = left < 0 ? 0 : left, x1 = left + kernel > width ? width : left + kernel;
                    float best = -__builtin_inff();
                    for (int y = y0; y < y1; y++)
                        for (int x = x0; x < x1; x++) best = smk_max_nan(best, plane[(long)y * width + x]);
                    output[((long)c * outputHeight + oy) * outputWidth + ox] = best;
                }
            }
        }
        return;
    }
    for (int c = 0; c < channels; c++) {
        const float *plane = input + (long)c * height * width;
        float *out = output + (long)c * outputHeight * outputWidth;
        for (int oy = 0; oy < outputHeight; oy++) {
            const int top = oy * stride - padding;
            const int y0 = top < 0 ? 0 : top, y1 = top + kernel > height ? height : top + kernel;
            // Separable: the maximum down each column of the window rows, then across each window's columns.
            for (int x = -padding; x < width + padding + 16; x++) rowMaxima[x] = -__builtin_inff();
            for (int y = y0; y < y1; y++) {
                const float *row = plane + (long)y * width;
                int x = 0;
                for (; x + 4 <= width; x += 4)
                    *(smk_pool_v4 *)(rowMaxima + x) = smk_max_nan4(*(smk_pool_v4 *)(rowMaxima + x), *(const smk_pool_v4 *)(row + x));
                for (; x < width; x++) rowMaxima[x] = smk_max_nan(rowMaxima[x], row[x]);
            }
            if (kernel == 3 && stride == 2) {
                // ResNet's stem pooling: window ox covers padded columns 2·ox … 2·ox + 2.
                smk_max_pool_row_3x2(paddedMaxima, outputWidth, out + oy * outputWidth);
                continue;
            }
            for (int ox = 0; ox < outputWidth; ox++) {
                const int left = ox * stride - padding;
                const int x0 = left < 0 ? 0 : left, x1 = left + kernel > width ? width : left + kernel;
                float best = -__builtin_inff();
                for (int x = x0; x < x1; x++) best = smk_max_nan(best, rowMaxima[x]);
                out[oy * outputWidth + ox] = best;
            }
        }
    }
}

void smk_average_pool(const float *input, int channels, int height, int width, int windowHeight, int windowWidth,
                      float *output) {
    const int outputHeight = height / windowHeight, outputWidth = width / windowWidth;
    const float count = (float)(windowHeight * windowWidth);
    for (int c = 0; c < channels; c++) {
        const float *plane = input + (long)c * height * width;
        for (int oy = 0; oy < outputHeight; oy++) {
            for (int ox = 0; ox < outputWidth; ox++) {
                double sum = 0;
                for (int y = oy * windowHeight; y < (oy + 1) * windowHeight; y++)
                    for (int x = ox * windowWidth; x < (ox + 1) * windowWidth; x++) sum += plane[(long)y * width + x];
                output[((long)c * outputHeight + oy) * outputWidth + ox] = (float)(sum / count);
            }
        }
    }
}
