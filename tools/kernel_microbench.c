// The list kernel of one table alone, on random sign or valued lists over gathered columns, best of 30 rounds:
// how fast a kernel is when nothing else (gathers, memory traffic, other layers) is in the way. Developer tool for
// choosing the constants of Sources/CSupermaskKernels/include/SupermaskKernelConstants.h; not built by the package.
//
//   K=Sources/CSupermaskKernels
//   clang -O3 -I$K/include tools/kernel_microbench.c $K/*.c -o /tmp/kernel_microbench
//   /tmp/kernel_microbench TABLE TILE DEPTH OUTPUTS DENSITY [BLOCK_ROWS] [valued]
//   /tmp/kernel_microbench 2 64 576 64 0.3 128        # AVX2, tile 64, a 3×3 64-channel layer, 32 KiB blocks
//
// TABLE is an smk_table_id (0 reference, 1 portable, 2 AVX2, 3 AVX-512). It prints the useful additions (or
// multiply-adds) per second: entries that came from a nonzero weight × tile positions.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "SupermaskKernels.h"

static double seconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: %s TABLE TILE DEPTH OUTPUTS DENSITY [BLOCK_ROWS] [valued]\n", argv[0]);
        return 2;
    }
    const smk_table_id table = (smk_table_id)atoi(argv[1]);
    const int tile = atoi(argv[2]), depth = atoi(argv[3]), outputs = atoi(argv[4]);
    const double density = atof(argv[5]);
    const int blockRows = argc > 6 ? atoi(argv[6]) : depth;
    const int valued = argc > 7 && strcmp(argv[7], "valued") == 0;
    if (!smk_cpu_supports(table)) {
        fprintf(stderr, "this CPU lacks a feature table %d is compiled for\n", table);
        return 1;
    }
    const int chains = smk_accumulator_chains(table, tile);
    const int blocks = (depth + blockRows - 1) / blockRows;
    // Gathered columns: depth rows of `tile` floats, then the zero row that padding entries point at.
    float *columns = aligned_alloc(64, sizeof(float) * (size_t)(depth + 1) * tile);
    for (long i = 0; i < (long)(depth + 1) * tile; i++) columns[i] = i < (long)depth * tile ? (rand() % 100) / 100.f : 0;
    int32_t *starts = malloc(sizeof(int32_t) * ((size_t)blocks * outputs + 1));
    int32_t *splits = malloc(sizeof(int32_t) * (size_t)blocks * outputs);
    const long capacity = (long)depth * outputs + (long)outputs * blocks * 2 * chains;
    int32_t *rows = malloc(sizeof(int32_t) * capacity);
    float *values = malloc(sizeof(float) * capacity);
    long entries = 0, useful = 0;
    starts[0] = 0;
    // Each list: the kept rows with a positive sign, padded to the chains, then the negative ones, padded.
    for (int b = 0; b < blocks; b++) {
        for (int o = 0; o < outputs; o++) {
            const int first = b * blockRows, end = first + blockRows > depth ? depth : first + blockRows;
            for (int sign = 0; sign < 2; sign++) {
                const long start = entries;
                for (int r = first; r < end; r++) {
                    if (rand() < density * RAND_MAX && rand() % 2 == sign) {
                        values[entries] = sign ? -0.5f : 0.5f;
                        rows[entries++] = r * tile;
                        useful++;
                    }
                }
                while ((entries - start) % chains) {
                    values[entries] = 0;
                    rows[entries++] = depth * tile;
                }
                if (sign == 0) splits[b * outputs + o] = (int32_t)entries;
            }
            starts[b * outputs + o + 1] = (int32_t)entries;
        }
    }
    float *scale = malloc(sizeof(float) * outputs), *bias = malloc(sizeof(float) * outputs);
    for (int o = 0; o < outputs; o++) scale[o] = 1, bias[o] = 0;
    float *output = aligned_alloc(64, sizeof(float) * (size_t)outputs * tile * 2);
    float *partial = aligned_alloc(64, sizeof(float) * (size_t)outputs * tile);
    const smk_epilogue epilogue = {scale, bias, NULL, output, tile, 1};
    const smk_kernel_table *kernels = smk_kernels(table);
    double best = 1e30;
    for (int round = 0; round < 30; round++) {
        const double start = seconds();
        for (int repeat = 0; repeat < 20; repeat++)
            for (int b = 0; b < blocks; b++)
                kernels->lists(columns, tile, starts, valued ? NULL : splits, rows, values, blocks, b, b + 1, outputs,
                               0, outputs, partial, &epilogue, 0, tile);
        const double elapsed = (seconds() - start) / 20;
        if (elapsed < best) best = elapsed;
    }
    printf("table %d, %s lists, tile %d, %d chains, depth %d in blocks of %d rows, %d outputs: %.1f us, "
           "%.2f G useful %s/s\n", table, valued ? "valued" : "sign", tile, chains, depth, blockRows, outputs,
           best * 1e6, useful * (double)tile / best / 1e9, valued ? "multiply-adds" : "additions");
    return 0;
}
