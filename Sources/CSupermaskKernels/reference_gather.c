// The specification of the gather kernel (gather.h): columns[r][t] for kernel rows rowBegin ≤ r < rowEnd,
// r = (c·k + ky)·k + kx, is the input under row r's tap for output position first + t, zero where the tap falls in
// the padding and for count ≤ t < tile.
#include "reference.h"

void smk_reference_gather(const smk_geometry *g, long first, int count, int tile, int rowBegin, int rowEnd,
                          float *columns) {
    const int k = g->kernel;
    for (int r = rowBegin; r < rowEnd; r++) {
        const int c = r / (k * k), ky = r / k % k, kx = r % k;
        for (int t = 0; t < tile; t++) {
            float value = 0;
            if (t < count) {
                const long position = first + t;
                const int oy = (int)(position / g->outputWidth), ox = (int)(position % g->outputWidth);
                const int iy = oy * g->stride + ky - g->padding, ix = ox * g->stride + kx - g->padding;
                if (iy >= 0 && iy < g->height && ix >= 0 && ix < g->width)
                    value = g->input[((long)c * g->height + iy) * g->width + ix];
            }
            columns[(long)r * tile + t] = value;
        }
    }
}
