// The body of both seed-search kernels, included once per instruction set by search_avx2.c and
// search_portable.c with SSS(name) defined to give the functions distinct names. Written with clang's vector
// extensions, so one source lowers to ymm registers under AVX2 and to 128-bit code elsewhere.
#include "SeedSearchKernels.h"

/// The multiplier of MT19937's seeding recurrence (Knuth's, from mt19937ar.c's init_genrand).
#define SSS_SEED_MULTIPLIER 1812433253u

/// The sign kernel's lanes: 64 seeds advance together, eight independent ymm chains under AVX2, enough to
/// hide the recurrence's latency (shift, xor, multiply, add) behind the other chains' work (measured on Zen 3:
/// 16 lanes 58 ns per seed, 32 lanes 35 ns, 64 lanes 24.5 ns, 128 lanes 31 ns).
typedef uint32_t SSS(signs_vector) __attribute__((ext_vector_type(64)));
/// The parity kernel's lanes: 8 seeds, one ymm, so that a group's 8 accumulators stay in registers.
typedef uint32_t SSS(parity_vector) __attribute__((ext_vector_type(8)));
/// The same vector read from memory at any 4-byte alignment.
typedef uint32_t SSS(parity_vector_unaligned) __attribute__((ext_vector_type(8), aligned(4)));

/// Writes seed to hits when there is room; counts it either way.
static inline __attribute__((always_inline)) void SSS(record)(uint32_t seed, uint32_t *hits, long capacity, long *found) {
    if (*found < capacity) hits[*found] = seed;
    *found += 1;
}

static long SSS(scan_signs)(const sss_sign_query *query, uint64_t first, uint64_t count, uint32_t *hits, long capacity) {
    typedef SSS(signs_vector) vector;
    enum { lanes = 64 };
    // Output i's bit 23 takes bits {0, 9, 20, 24} of s[i+1] (through the twist's shift and MATRIX_A) and bits
    // {8, 19, 23} of s[i+397] (through the tempering); see docs/seed-recovery.md.
    const uint32_t early = 0x01100201u, late = 0x00880100u;
    const int bits = query->bitCount;
    vector lane;
    for (int l = 0; l < lanes; l++) lane[l] = (uint32_t)l;
    vector pending[SSS_MAX_SIGN_BITS];
    long found = 0;
    const uint64_t end = first + count;
    for (uint64_t base = first; base < end; base += lanes) {
        vector s = (vector)(uint32_t)base + lane;
        // j counts the recurrence's steps: after `for (; j <= t; j++)`, s holds s[t].
        uint32_t j = 1;
        for (int k = 0; k < bits; k++) {
            for (; j <= (uint32_t)query->outputs[k] + 1; j++) s = SSS_SEED_MULTIPLIER * (s ^ (s >> 30)) + j;
            pending[k] = s & early;
        }
        vector alive = (vector)1u;
        for (int k = 0; k < bits; k++) {
            for (; j <= (uint32_t)query->outputs[k] + 397; j++) s = SSS_SEED_MULTIPLIER * (s ^ (s >> 30)) + j;
            vector v = pending[k] ^ (s & late);
            v ^= v >> 16; v ^= v >> 8; v ^= v >> 4; v ^= v >> 2; v ^= v >> 1;
            const uint32_t expected = (uint32_t)(query->expected >> k) & 1u;
            alive &= ~(v ^ expected);
            alive &= 1u;
            if (__builtin_reduce_or(alive) == 0) break;
        }
        if (__builtin_reduce_or(alive) == 0) continue;
        for (int l = 0; l < lanes; l++) {
            if (alive[l] && base + (uint64_t)l < end) SSS(record)((uint32_t)(base + (uint64_t)l), hits, capacity, &found);
        }
    }
    return found;
}

/// Whether seed also passes every confirmation form (the scalar second stage of the parity kernel).
static int SSS(confirms)(const sss_parity_query *query, uint32_t seed) {
    if (query->confirmCount == 0) return 1;
    const int words = query->wordCount;
    uint32_t state[SSS_STATE_WORDS];
    state[0] = seed;
    for (int j = 1; j < words; j++) state[j] = SSS_SEED_MULTIPLIER * (state[j - 1] ^ (state[j - 1] >> 30)) + (uint32_t)j;
    for (int c = 0; c < query->confirmCount; c++) {
        const uint32_t *form = query->confirmForms + (long)c * words;
        uint32_t acc = 0;
        for (int j = 0; j < words; j++) acc ^= state[j] & form[j];
        if ((uint32_t)__builtin_parity(acc) != query->confirmExpected[c]) return 0;
    }
    return 1;
}

static long SSS(scan_parities)(const sss_parity_query *query, uint64_t first, uint64_t count, uint32_t *hits,
                               long capacity) {
    typedef SSS(parity_vector) vector;
    typedef SSS(parity_vector_unaligned) loaded;
    // 8 groups of 8 seeds advance their chains together for a block of `stride` steps (8 independent chains
    // hide the recurrence's latency), into a buffer; then each group in turn folds the block into its 8
    // accumulators. The block's forms, 8 KB, stay in L1 while all 8 groups read them.
    enum { lanes = 8, groups = 8, stride = 16 };
    const loaded *forms = (const loaded *)query->filterForms;
    const int words = query->wordCount;
    vector lane;
    for (int l = 0; l < lanes; l++) lane[l] = (uint32_t)l;
    long found = 0;
    const uint64_t end = first + count;
    for (uint64_t base = first; base < end; base += lanes * groups) {
        vector s[groups], acc[groups][SSS_FILTER_BITS];
#pragma clang loop unroll(full)
        for (int g = 0; g < groups; g++) {
            s[g] = (vector)(uint32_t)(base + (uint64_t)(lanes * g)) + lane;
#pragma clang loop unroll(full)
            for (int b = 0; b < SSS_FILTER_BITS; b++) acc[g][b] = s[g] & forms[b];
        }
        vector step = (vector)0u;
        for (int block = 1; block < words; block += stride) {
            const int steps = words - block < stride ? words - block : stride;
            vector chain[stride][groups];
            for (int t = 0; t < steps; t++) {
                step += 1u;
#pragma clang loop unroll(full)
                for (int g = 0; g < groups; g++) {
                    s[g] = SSS_SEED_MULTIPLIER * (s[g] ^ (s[g] >> 30)) + step;
                    chain[t][g] = s[g];
                }
            }
            const loaded *blockForms = forms + (long)block * SSS_FILTER_BITS;
            for (int g = 0; g < groups; g++) {
                vector a[SSS_FILTER_BITS];
#pragma clang loop unroll(full)
                for (int b = 0; b < SSS_FILTER_BITS; b++) a[b] = acc[g][b];
                for (int t = 0; t < steps; t++) {
                    const vector x = chain[t][g];
                    const loaded *form = blockForms + t * SSS_FILTER_BITS;
#pragma clang loop unroll(full)
                    for (int b = 0; b < SSS_FILTER_BITS; b++) a[b] ^= x & form[b];
                }
#pragma clang loop unroll(full)
                for (int b = 0; b < SSS_FILTER_BITS; b++) acc[g][b] = a[b];
            }
        }
        for (int g = 0; g < groups; g++) {
            // Fold each accumulator to its parity and gather a lane's 8 parities into its low 8 bits.
            vector result = (vector)0u;
#pragma clang loop unroll(full)
            for (int b = 0; b < SSS_FILTER_BITS; b++) {
                vector v = acc[g][b];
                v ^= v >> 16; v ^= v >> 8; v ^= v >> 4; v ^= v >> 2; v ^= v >> 1;
                result |= (v & 1u) << (uint32_t)b;
            }
            const vector miss = result ^ query->filterExpected;
            // One lane in 2^8 passes, so lanes are read one by one only when some lane did.
            if (__builtin_reduce_min(miss) != 0) continue;
            for (int l = 0; l < lanes; l++) {
                const uint64_t seed = base + (uint64_t)(lanes * g + l);
                if (miss[l] == 0 && seed < end && SSS(confirms)(query, (uint32_t)seed)) SSS(record)((uint32_t)seed, hits, capacity, &found);
            }
        }
    }
    return found;
}
