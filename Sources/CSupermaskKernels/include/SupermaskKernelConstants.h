// The numbers the kernels and the Swift planner must agree on: how wide a kernel vector is, which tiles exist, how
// many rows a list block holds, how many accumulator chains each table keeps. The planner lays out weight lists
// for a table (padding every run of entries to its chains, splitting lists into blocks), and the table's kernels
// read them assuming the same numbers; defining them once here keeps the two from drifting apart.
#ifndef SUPERMASK_KERNEL_CONSTANTS_H
#define SUPERMASK_KERNEL_CONSTANTS_H

/// The kernel tables: one per instruction set, and the scalar reference every other one is tested against.
typedef enum {
    /// Plain scalar C loops, one float sum per output in list order: the specification (slow).
    SMK_TABLE_REFERENCE = 0,
    /// The baseline instruction set (SSE2 on x86-64): runs on every CPU.
    SMK_TABLE_PORTABLE = 1,
    /// AVX2 with FMA, F16C and BMI2 (Intel Haswell and later, AMD Zen 1–3 and later).
    SMK_TABLE_AVX2 = 2,
    /// AVX-512 F, VL, DQ and BW with FMA (Intel Skylake-SP and later, AMD Zen 4 and later).
    SMK_TABLE_AVX512 = 3,
} smk_table_id;

enum {
    /// Floats in one kernel vector: every table computes on 16-float vectors (one zmm, two ymm or four xmm).
    SMK_VECTOR_FLOATS = 16,
    /// The tile sizes (output positions per tile) the list and dense kernels are compiled for.
    SMK_TILE_SMALL = 16,
    SMK_TILE_MEDIUM = 32,
    SMK_TILE_LARGE = 64,
    /// Floats of a gathered tile that one block of list entries reads: 32 KiB, so that the block stays in L1
    /// while every output channel consumes it. A block holds SMK_LIST_BLOCK_FLOATS / tile input rows.
    SMK_LIST_BLOCK_FLOATS = 8192,
    /// Output channels the dense kernel computes together; packed dense weights are [outputs / 4][depth][4].
    SMK_DENSE_CHANNELS = 4,
    /// Scalar accumulator chains of the single-position list kernel (a fully connected layer).
    SMK_SINGLE_POSITION_CHAINS = 4,
};

/// Independent accumulator sets the list kernel of `table` keeps per output at `tile`: entry j of a run of
/// additions (or subtractions) goes to set j mod chains, so that enough vector additions are in flight to hide
/// their latency. The planner pads gathered lists to a multiple of this, so that the kernel never enters its
/// remainder loop. Measured per table with the list kernel alone on columns in L1 (3×3, 64 channels, 30% kept):
/// on AVX2 (Zen 3) 8 and 4 chains at tiles 16 and 32 (16 ymm accumulators) beat 4 and 2 by 6–11% for valued
/// lists, whose multiply-adds have a longer latency than additions, and did not slow sign lists; at tile 64 a
/// second chain (16 accumulators plus the loaded columns) spills and lost 15%. AVX-512 keeps eight zmm
/// accumulators at every tile, the baseline eight xmm.
static inline int smk_accumulator_chains(smk_table_id table, int tile) {
    switch (table) {
    case SMK_TABLE_AVX512: return tile == SMK_TILE_SMALL ? 8 : tile == SMK_TILE_MEDIUM ? 4 : 2;
    case SMK_TABLE_AVX2: return tile == SMK_TILE_SMALL ? 8 : tile == SMK_TILE_MEDIUM ? 4 : 1;
    case SMK_TABLE_PORTABLE: return tile == SMK_TILE_SMALL ? 2 : 1;
    case SMK_TABLE_REFERENCE: break;
    }
    return 1;
}

/// Input rows per list block at `tile`.
static inline int smk_list_block_rows(int tile) { return SMK_LIST_BLOCK_FLOATS / tile; }

#endif
