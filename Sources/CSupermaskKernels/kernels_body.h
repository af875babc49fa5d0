// The body of every convolution kernel, included once per instruction set by kernels_avx512.c and
// kernels_portable.c with SMK(name) defined to give the functions distinct names. Written with clang's vector
// extensions, so one source lowers to zmm on AVX-512 and to 128-bit (or scalar) code elsewhere.
#include <string.h>
#include "SupermaskKernels.h"

typedef float smk_v16 __attribute__((vector_size(64)));
typedef float smk_v16u __attribute__((vector_size(64), aligned(4)));

static inline __attribute__((always_inline)) smk_v16 SMK(load)(const float *p) { return *(const smk_v16u *)p; }

/// Applies the epilogue to one 16-column vector of output channel o at tile offset 16·v.
static inline __attribute__((always_inline)) void SMK(finish)(smk_v16 acc, int o, int v, const smk_epilogue *e, long first, int count) {
    int n = count - 16 * v;
    if (n <= 0) return;
    long base = (long)o * e->plane + first + 16 * v;
    smk_v16 y = acc * e->scale[o] + e->bias[o];
    // The next tiles of this channel come back only after every other channel: their residual and output lines,
    // 256 bytes ahead, are one of hundreds of streams, more than the hardware prefetchers follow.
    if (e->residual) __builtin_prefetch(e->residual + base + 64, 0, 3);
    __builtin_prefetch(e->output + base + 64, 1, 3);
    if (n >= 16) {
        if (e->residual) y += SMK(load)(e->residual + base);
        if (e->relu) y = __builtin_elementwise_max(y, (smk_v16){0});
        *(smk_v16u *)(e->output + base) = y;
    } else {
        for (int i = 0; i < n; i++) {
            float value = y[i];
            if (e->residual) value += e->residual[base + i];
            if (e->relu && !(value > 0)) value = 0;
            e->output[base + i] = value;
        }
    }
}

void SMK(gather)(const smk_geometry *g, long first, int count, int tile, int rowBegin, int rowEnd, float *columns) {
    const int k = g->kernel, s = g->stride, p = g->padding, width = g->width, height = g->height;
    const int outputWidth = g->outputWidth;
    // The tile's output positions split into runs along output rows; they are the same for every kernel row.
    int runOy[64 + 1], runOx[64 + 1], runStart[64 + 1], runLength[64 + 1];
    int runs = 0;
    for (int t = 0; t < count; runs++) {
        const long position = first + t;
        runOy[runs] = (int)(position / outputWidth);
        runOx[runs] = (int)(position % outputWidth);
        runStart[runs] = t;
        runLength[runs] = outputWidth - runOx[runs] < count - t ? outputWidth - runOx[runs] : count - t;
        t += runLength[runs];
    }
    // Row r = (c·k + ky)·k + kx; the loop steps (c, ky, kx) along with r instead of dividing.
    int c = rowBegin / (k * k), ky = rowBegin / k % k, kx = rowBegin % k;
    for (int r = rowBegin; r < rowEnd; r++) {
        const float *plane = g->input + (long)c * height * width;
        float *destination = columns + (long)r * tile;
        // Output column ox reads input column ox·s + kx − p; it is inside [0, width) for
        // ox in [lowColumn, highColumn).
        const int lowColumn = kx >= p ? 0 : (p - kx + s - 1) / s;
        const int highColumn = width - 1 + p - kx < 0 ? 0 : (width - 1 + p - kx) / s + 1;
        for (int run = 0; run < runs; run++) {
            float *out = destination + runStart[run];
            const int ox = runOx[run], length = runLength[run];
            const int iy = runOy[run] * s + ky - p;
            int low = lowColumn - ox, high = highColumn - ox;
            low = low < 0 ? 0 : low > length ? length : low;
            high = high > length ? length : high < low ? low : high;
            if (iy < 0 || iy >= height) high = low = length;
            const float *row = plane + (long)iy * width + kx - p + ox * s;
            // Whole 16-float vectors that may run past the end of each part: every position they
            // overrun is written again later (parts and rows go forward), and buffers carry slack.
            for (int i = 0; i < low; i += 16) *(smk_v16u *)(out + i) = (smk_v16){0};
            if (s == 1) {
                for (int i = low; i < high; i += 16) *(smk_v16u *)(out + i) = SMK(load)(row + i);
            } else if (s == 2) {
                for (int i = low; i < high; i += 16) {
                    const smk_v16 a = SMK(load)(row + 2 * i), b = SMK(load)(row + 2 * i + 16);
                    *(smk_v16u *)(out + i) = __builtin_shufflevector(
                        a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
                }
            } else {
                for (int i = low; i < high; i++) out[i] = row[i * s];
            }
            for (int i = high; i < length; i += 16) *(smk_v16u *)(out + i) = (smk_v16){0};
        }
        for (int t = count; t < tile; t += 16) *(smk_v16u *)(destination + t) = (smk_v16){0};
        if (++kx == k) {
            kx = 0;
            if (++ky == k) {
                ky = 0;
                c++;
            }
        }
    }
}

// Each output keeps CHAINS independent accumulator sets (entry j goes to set j mod CHAINS) so that FMA latency
// does not bound throughput; the sets are summed at the end. The weight lists are split into blocks of input rows
// (list b·outputChannels + o holds channel o's entries in row block b) so that one block of a tile's columns stays
// in L1 while every channel consumes it; between blocks a channel's running sums wait in `partial`. With one block
// the sums never leave registers. Either way each output is one float32 sum in a fixed order.
#define SMK_LIST_TILE(NAME, V, CHAINS, BODY_SETUP, BODY_PLUS, BODY_MINUS)                                  \
    static void SMK(NAME##_##V)(const float *columns, const int32_t *starts,                               \
                                const int32_t *splits, const int32_t *rows, const float *values,           \
                                int blocks, int blockBegin, int blockEnd, int outputChannels,              \
                                int firstOutput, int endOutput, float *partial, const smk_epilogue *e,     \
                                long first, int count) {                                                   \
        for (int b = blockBegin; b < blockEnd; b++) {                                                      \
            for (int o = firstOutput; o < endOutput; o++) {                                                \
                const long list = (long)b * outputChannels + o;                                            \
                smk_v16 acc[CHAINS][V];                                                                    \
                for (int u = 0; u < CHAINS; u++)                                                           \
                    for (int v = 0; v < V; v++) acc[u][v] = (smk_v16){0};                                  \
                int j = starts[list];                                                                      \
                const int end = starts[list + 1];                                                          \
                BODY_SETUP                                                                                 \
                for (; j + CHAINS <= split; j += CHAINS) {                                                 \
                    for (int u = 0; u < CHAINS; u++) {                                                     \
                        const float *x = columns + rows[j + u];                                             \
                        for (int v = 0; v < V; v++) BODY_PLUS(acc[u][v], j + u);                           \
                    }                                                                                      \
                }                                                                                          \
                for (; j < split; j++) {                                                                   \
                    const float *x = columns + rows[j];                                                     \
                    for (int v = 0; v < V; v++) BODY_PLUS(acc[0][v], j);                                   \
                }                                                                                          \
                for (; j + CHAINS <= end; j += CHAINS) {                                                   \
                    for (int u = 0; u < CHAINS; u++) {                                                     \
                        const float *x = columns + rows[j + u];                                             \
                        for (int v = 0; v < V; v++) BODY_MINUS(acc[u][v], j + u);                          \
                    }                                                                                      \
                }                                                                                          \
                for (; j < end; j++) {                                                                     \
                    const float *x = columns + rows[j];                                                     \
                    for (int v = 0; v < V; v++) BODY_MINUS(acc[0][v], j);                                  \
                }                                                                                          \
                float *saved = partial + (long)o * 16 * V;                                                 \
                for (int v = 0; v < V; v++) {                                                              \
                    smk_v16 sum = acc[0][v];                                                               \
                    for (int u = 1; u < CHAINS; u++) sum += acc[u][v];                                     \
                    smk_v16 *slot = (smk_v16 *)(saved + 16 * v);                                           \
                    if (b > 0) sum += *slot;                                                               \
                    if (b == blocks - 1) {                                                                 \
                        SMK(finish)(sum, o, v, e, first, count);                                           \
                    } else {                                                                               \
                        *slot = sum;                                                                       \
                    }                                                                                      \
                }                                                                                          \
            }                                                                                              \
        }                                                                                                  \
    }

#define SMK_X(V_) SMK(load)(x + 16 * (V_))
// Valued weights: every entry is a multiply-add (the "minus" part of the list is empty).
#define SMK_SPARSE_SETUP const int split = end; (void)splits;
#define SMK_SPARSE_PLUS(ACC, J) ACC += values[J] * SMK_X(v)
#define SMK_SPARSE_MINUS(ACC, J) ACC += values[J] * SMK_X(v)
// Ternary weights ±c: additions then subtractions, no weights loaded; c is folded into the epilogue's scale.
#define SMK_SIGNS_SETUP const int split = splits[list]; (void)values;
#define SMK_SIGNS_PLUS(ACC, J) ACC += SMK_X(v)
#define SMK_SIGNS_MINUS(ACC, J) ACC -= SMK_X(v)

#define SMK_LIST_FAMILY(NAME, SETUP, PLUS, MINUS)        \
    SMK_LIST_TILE(NAME, 1, 8, SETUP, PLUS, MINUS)        \
    SMK_LIST_TILE(NAME, 2, 4, SETUP, PLUS, MINUS)        \
    SMK_LIST_TILE(NAME, 4, 2, SETUP, PLUS, MINUS)

SMK_LIST_FAMILY(sparse, SMK_SPARSE_SETUP, SMK_SPARSE_PLUS, SMK_SPARSE_MINUS)
SMK_LIST_FAMILY(signs, SMK_SIGNS_SETUP, SMK_SIGNS_PLUS, SMK_SIGNS_MINUS)

// One output position (a fully connected layer, or a last tile holding a single position): a vector kernel would
// load 16 columns per entry to use one, so this sums scalars instead, in four chains. The running sum of blocked
// lists waits in partial[16·o].
static void SMK(lists_single)(const float *columns, const int32_t *starts, const int32_t *splits,
                              const int32_t *rows, const float *values, int blocks, int blockBegin, int blockEnd,
                              int outputChannels, int firstOutput, int endOutput, float *partial,
                              const smk_epilogue *e, long first) {
    for (int b = blockBegin; b < blockEnd; b++) {
        for (int o = firstOutput; o < endOutput; o++) {
            const long list = (long)b * outputChannels + o;
            int j = starts[list];
            const int end = starts[list + 1];
            float acc[4] = {0, 0, 0, 0};
            if (splits) {
                const int split = splits[list];
                for (; j + 4 <= split; j += 4)
                    for (int u = 0; u < 4; u++) acc[u] += columns[rows[j + u]];
                for (; j < split; j++) acc[0] += columns[rows[j]];
                for (; j + 4 <= end; j += 4)
                    for (int u = 0; u < 4; u++) acc[u] -= columns[rows[j + u]];
                for (; j < end; j++) acc[0] -= columns[rows[j]];
            } else {
                for (; j + 4 <= end; j += 4)
                    for (int u = 0; u < 4; u++) acc[u] += values[j + u] * columns[rows[j + u]];
                for (; j < end; j++) acc[0] += values[j] * columns[rows[j]];
            }
            float sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
            if (b > 0) sum += partial[16 * (long)o];
            if (b < blocks - 1) {
                partial[16 * (long)o] = sum;
                continue;
            }
            const long index = (long)o * e->plane + first;
            float y = sum * e->scale[o] + e->bias[o];
            if (e->residual) y += e->residual[index];
            if (e->relu && !(y > 0)) y = 0;
            e->output[index] = y;
        }
    }
}

void SMK(lists)(const float *columns, int tile, const int32_t *starts, const int32_t *splits,
                const int32_t *rows, const float *values, int blocks, int blockBegin, int blockEnd,
                int outputChannels, int firstOutput, int endOutput, float *partial, const smk_epilogue *e,
                long first, int count) {
    if (count == 1) {
        SMK(lists_single)(columns, starts, splits, rows, values, blocks, blockBegin, blockEnd, outputChannels,
                          firstOutput, endOutput, partial, e, first);
    } else if (splits) {
        switch (tile) {
        case 16: SMK(signs_1)(columns, starts, splits, rows, values, blocks, blockBegin, blockEnd, outputChannels, firstOutput, endOutput, partial, e, first, count); break;
        case 32: SMK(signs_2)(columns, starts, splits, rows, values, blocks, blockBegin, blockEnd, outputChannels, firstOutput, endOutput, partial, e, first, count); break;
        default: SMK(signs_4)(columns, starts, splits, rows, values, blocks, blockBegin, blockEnd, outputChannels, firstOutput, endOutput, partial, e, first, count); break;
        }
    } else {
        switch (tile) {
        case 16: SMK(sparse_1)(columns, starts, splits, rows, values, blocks, blockBegin, blockEnd, outputChannels, firstOutput, endOutput, partial, e, first, count); break;
        case 32: SMK(sparse_2)(columns, starts, splits, rows, values, blocks, blockBegin, blockEnd, outputChannels, firstOutput, endOutput, partial, e, first, count); break;
        default: SMK(sparse_4)(columns, starts, splits, rows, values, blocks, blockBegin, blockEnd, outputChannels, firstOutput, endOutput, partial, e, first, count); break;
        }
    }
}

// Dense: 4 output channels × V vectors per step, 4·V accumulators, one pass over the whole depth.
#define SMK_DENSE_TILE(V)                                                                                  \
    static void SMK(dense_##V)(const float *columns, long rowStride, const float *packed, int depth,      \
                               int firstOutput, int endOutput, const smk_epilogue *e, long first,         \
                               int count) {                                                               \
        for (int o = firstOutput; o < endOutput; o += 4) {                                                \
            smk_v16 acc[4][V];                                                                            \
            for (int r = 0; r < 4; r++)                                                                   \
                for (int v = 0; v < V; v++) acc[r][v] = (smk_v16){0};                                     \
            const float *w = packed + (long)(o / 4) * depth * 4;                                          \
            for (int d = 0; d < depth; d++) {                                                             \
                const float *x = columns + (long)d * rowStride;                                           \
                smk_v16 xv[V];                                                                            \
                for (int v = 0; v < V; v++) xv[v] = SMK(load)(x + 16 * v);                                \
                for (int r = 0; r < 4; r++)                                                               \
                    for (int v = 0; v < V; v++) acc[r][v] += w[4 * d + r] * xv[v];                        \
            }                                                                                             \
            for (int r = 0; r < 4 && o + r < endOutput; r++)                                              \
                for (int v = 0; v < V; v++) SMK(finish)(acc[r][v], o + r, v, e, first, count);            \
        }                                                                                                 \
    }

SMK_DENSE_TILE(1)
SMK_DENSE_TILE(2)
SMK_DENSE_TILE(4)

void SMK(dense)(const float *columns, long rowStride, int tile, const float *packed, int depth, int firstOutput,
                int endOutput, const smk_epilogue *e, long first, int count) {
    switch (tile) {
    case 16: SMK(dense_1)(columns, rowStride, packed, depth, firstOutput, endOutput, e, first, count); break;
    case 32: SMK(dense_2)(columns, rowStride, packed, depth, firstOutput, endOutput, e, first, count); break;
    default: SMK(dense_4)(columns, rowStride, packed, depth, firstOutput, endOutput, e, first, count); break;
    }
}
