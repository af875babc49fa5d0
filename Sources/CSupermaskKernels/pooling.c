// Pooling for the planned engine; cheap next to the convolutions, so one portable version suffices.
#include "SupermaskKernels.h"

/// max(a, b) where a NaN in either wins (PyTorch's max pooling propagates NaN).
static inline float smk_max_nan(float best, float value) {
    return (value > best || value != value) ? value : best;
}

void smk_max_pool(const float *input, int channels, int height, int width, int kernel, int stride, int padding,
                  float *output) {
    const int outputHeight = (height + 2 * padding - kernel) / stride + 1;
    const int outputWidth = (width + 2 * padding - kernel) / stride + 1;
    // Rows up to 1024 wide use the separable form below with the column maxima on the stack; wider ones
    // (never seen in the catalogue's networks) take each window directly.
    enum { widestSeparable = 1024 };
    float rowMaxima[widestSeparable];
    if (width > widestSeparable) {
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
            // Separable: the maximum down each column of the window rows (a long loop that vectorises),
            // then across each window's columns.
            for (int x = 0; x < width; x++) rowMaxima[x] = -__builtin_inff();
            for (int y = y0; y < y1; y++) {
                const float *row = plane + (long)y * width;
                for (int x = 0; x < width; x++) rowMaxima[x] = smk_max_nan(rowMaxima[x], row[x]);
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
