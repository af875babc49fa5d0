// Brute-force kernels of the torch seed search: they test every 32-bit seed of a range against bits of
// MT19937 outputs that a checkpoint's first layer reveals (docs/seed-recovery.md).
//
// Every kernel exists twice, compiled from one body (search_body.h): once for AVX2 and once for the baseline
// instruction set. Callers pick a table with sss_cpu_supports_avx2(). Both only ever compute MT19937's
// seeding recurrence s[j] = 1812433253 · (s[j−1] ⊕ (s[j−1] >> 30)) + j (mod 2^32), s[0] = seed, and GF(2)
// parities of the resulting state words; no tempering and no twist is run per candidate.
#ifndef SUPERMASK_SEED_SEARCH_KERNELS_H
#define SUPERMASK_SEED_SEARCH_KERNELS_H

#include <stdint.h>

#pragma clang assume_nonnull begin

/// The number of words of MT19937's state.
#define SSS_STATE_WORDS 624
/// How many parity forms the parity kernel's first stage tests together, one accumulator each.
#define SSS_FILTER_BITS 8
/// The most output bits the sign kernel tests per seed.
#define SSS_MAX_SIGN_BITS 64

/// What signed-constant weights reveal: bit 23 of some of the stream's first 227 outputs.
///
/// For output i < 227, bit 23 is parity(s[i+397] & 0x00880100) ⊕ parity(s[i+1] & 0x01100201) of the seeded
/// state s, so a seed is tested with the seeding recurrence up to s[397 + the last output] alone.
typedef struct {
    /// Bit k is the expected bit 23 of output outputs[k] (1 when that weight is ≥ 0).
    uint64_t expected;
    /// The outputs tested, strictly increasing, each below 227.
    uint8_t outputs[SSS_MAX_SIGN_BITS];
    /// How many outputs to test, 1 ... SSS_MAX_SIGN_BITS.
    int bitCount;
} sss_sign_query;

/// What any layer reveals through GF(2)-linear forms of the seeded state: a bit = parity(Σ_j s[j] & form[j]),
/// over the first wordCount words of the state (forms that vanish on the later words cost less to test).
///
/// The first SSS_FILTER_BITS forms are tested for every seed; the confirmation forms only for the seeds that
/// pass them (one in 2^SSS_FILTER_BITS), one at a time, until one fails.
typedef struct {
    /// How many state words the forms span, 1 ... SSS_STATE_WORDS.
    int wordCount;
    /// [wordCount][SSS_FILTER_BITS][8]: word j of filter form b, repeated 8 times (one vector of the kernel's
    /// lanes), at index (j·SSS_FILTER_BITS + b)·8.
    const uint32_t *filterForms;
    /// Bit b is the expected value of filter form b.
    uint32_t filterExpected;
    /// [confirmCount][wordCount]: the confirmation forms, one after another.
    const uint32_t *_Nullable confirmForms;
    /// [confirmCount]: the expected value (0 or 1) of each confirmation form.
    const uint8_t *_Nullable confirmExpected;
    /// How many confirmation forms there are (≥ 0).
    int confirmCount;
} sss_parity_query;

/// A set of kernels compiled for one instruction set.
///
/// Each scans the seeds first ..< first + count (first + count ≤ 2^32), writes the seeds that pass every test
/// to hits in increasing order, at most capacity of them, and returns how many passed (which may exceed capacity).
typedef struct {
    long (*scanSigns)(const sss_sign_query *query, uint64_t first, uint64_t count, uint32_t *hits, long capacity);
    long (*scanParities)(const sss_parity_query *query, uint64_t first, uint64_t count, uint32_t *hits,
                         long capacity);
} sss_kernel_table;

/// The kernels compiled for AVX2 (call only when sss_cpu_supports_avx2() is nonzero).
const sss_kernel_table *sss_kernels_avx2(void);
/// The kernels compiled for the baseline instruction set; they run on any CPU.
const sss_kernel_table *sss_kernels_portable(void);
/// Nonzero when the CPU (and OS) support AVX2.
int sss_cpu_supports_avx2(void);

#pragma clang assume_nonnull end

#endif
