// The gather kernel: an im2col of one tile. For kernel rows rowBegin ≤ r < rowEnd, r = (c·k + ky)·k + kx, and
// output positions first + t, it writes the input value under the window (zero in the padding) to columns[r][t];
// positions count ≤ t < tile are zero. Specification: smk_reference_gather in reference_gather.c. Included by
// table_*.c after vector.h.

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
