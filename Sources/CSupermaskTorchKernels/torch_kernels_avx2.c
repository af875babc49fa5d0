// AVX2 + FMA versions of torch's normal_fill_16 and fused uniform_, written from docs/torch-init.md: every
// multiply-add that GCC fuses in torch's build is an explicit _mm256_fmadd_ps here, and nothing else may be fused.
#include "SupermaskTorchKernels.h"

#pragma clang fp contract(off)

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#define SMT_AVX2 __attribute__((target("avx2,fma")))

int smt_cpu_supports_avx2_fma(void) {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

static inline SMT_AVX2 __m256 constant(uint32_t bits) { return _mm256_castsi256_ps(_mm256_set1_epi32((int)bits)); }

// log256_ps for x in (0, 1]; the constants are the header's double literals rounded to float (as bits).
static inline SMT_AVX2 __m256 smt_log(__m256 x) {
    const __m256 one = _mm256_set1_ps(1.0f);
    __m256i bits = _mm256_castps_si256(x);
    __m256i exponent = _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(127));
    __m256 e = _mm256_add_ps(_mm256_cvtepi32_ps(exponent), one);
    __m256 m = _mm256_castsi256_ps(_mm256_or_si256(
        _mm256_and_si256(bits, _mm256_set1_epi32((int)0x807FFFFF)), _mm256_set1_epi32(0x3F000000)));
    __m256 below = _mm256_cmp_ps(m, constant(0x3F3504F3), _CMP_LT_OS);  // m < √½
    __m256 t = _mm256_and_ps(m, below);
    e = _mm256_sub_ps(e, _mm256_and_ps(one, below));
    __m256 x1 = _mm256_add_ps(_mm256_sub_ps(m, one), t);
    __m256 z = _mm256_mul_ps(x1, x1);
    __m256 y = _mm256_fmadd_ps(constant(0x3D9021BB), x1, constant(0xBDEBD1B8));
    y = _mm256_fmadd_ps(y, x1, constant(0x3DEF251A));
    y = _mm256_fmadd_ps(y, x1, constant(0xBDFE5D4F));
    y = _mm256_fmadd_ps(y, x1, constant(0x3E11E9BF));
    y = _mm256_fmadd_ps(y, x1, constant(0xBE2AAE50));
    y = _mm256_fmadd_ps(y, x1, constant(0x3E4CCEAC));
    y = _mm256_fmadd_ps(y, x1, constant(0xBE7FFFFC));
    y = _mm256_fmadd_ps(y, x1, constant(0x3EAAAAAA));
    y = _mm256_mul_ps(y, x1);
    y = _mm256_fmadd_ps(y, z, _mm256_mul_ps(e, constant(0xB95E8083)));
    y = _mm256_sub_ps(y, _mm256_mul_ps(z, _mm256_set1_ps(0.5f)));
    return _mm256_fmadd_ps(e, constant(0x3F318000), _mm256_add_ps(x1, y));
}

// sincos256_ps for x ≥ 0.
static inline SMT_AVX2 void smt_sincos(__m256 x, __m256 *sine, __m256 *cosine) {
    __m256i j = _mm256_cvttps_epi32(_mm256_mul_ps(x, constant(0x3FA2F983)));  // trunc(x · 4/π)
    j = _mm256_and_si256(_mm256_add_epi32(j, _mm256_set1_epi32(1)), _mm256_set1_epi32(~1));
    __m256 y = _mm256_cvtepi32_ps(j);
    x = _mm256_fmadd_ps(y, constant(0xBF490000), x);
    x = _mm256_fmadd_ps(y, constant(0xB97DA000), x);
    x = _mm256_fmadd_ps(y, constant(0xB3222169), x);
    __m256i four = _mm256_set1_epi32(4);
    __m256 sin_sign = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_and_si256(j, four), 29));
    __m256 cos_sign = _mm256_castsi256_ps(
        _mm256_slli_epi32(_mm256_andnot_si256(_mm256_sub_epi32(j, _mm256_set1_epi32(2)), four), 29));
    __m256 sine_polynomial = _mm256_castsi256_ps(
        _mm256_cmpeq_epi32(_mm256_and_si256(j, _mm256_set1_epi32(2)), _mm256_setzero_si256()));
    __m256 z = _mm256_mul_ps(x, x);
    __m256 yc = _mm256_fmadd_ps(constant(0x37CCF5CE), z, constant(0xBAB6061A));
    yc = _mm256_fmadd_ps(yc, z, constant(0x3D2AAAA5));
    yc = _mm256_mul_ps(yc, z);
    yc = _mm256_fmsub_ps(yc, z, _mm256_mul_ps(z, _mm256_set1_ps(0.5f)));
    yc = _mm256_add_ps(yc, _mm256_set1_ps(1.0f));
    __m256 ys = _mm256_fmadd_ps(constant(0xB94CA1F9), z, constant(0x3C08839E));
    ys = _mm256_fmadd_ps(ys, z, constant(0xBE2AAAA3));
    ys = _mm256_mul_ps(ys, z);
    ys = _mm256_fmadd_ps(ys, x, x);
    // The header adds the masked halves, which turns −0 into +0.
    __m256 zero = _mm256_setzero_ps();
    __m256 s = _mm256_add_ps(zero, _mm256_blendv_ps(yc, ys, sine_polynomial));
    __m256 c = _mm256_add_ps(_mm256_blendv_ps(ys, yc, sine_polynomial), zero);
    *sine = _mm256_xor_ps(s, sin_sign);
    *cosine = _mm256_xor_ps(c, cos_sign);
}

SMT_AVX2 void smt_normal_blocks_avx2(float *data, size_t block_count, float std, float mean) {
    const __m256 one = _mm256_set1_ps(1.0f), minus_two = _mm256_set1_ps(-2.0f);
    const __m256 two_pi = constant(0x40C90FDB), scale = _mm256_set1_ps(std), offset = _mm256_set1_ps(mean);
    for (size_t block = 0; block < block_count; block++) {
        float *values = data + 16 * block;
        __m256 u1 = _mm256_sub_ps(one, _mm256_loadu_ps(values));
        __m256 u2 = _mm256_loadu_ps(values + 8);
        __m256 radius = _mm256_sqrt_ps(_mm256_mul_ps(minus_two, smt_log(u1)));
        __m256 sine, cosine;
        smt_sincos(_mm256_mul_ps(two_pi, u2), &sine, &cosine);
        _mm256_storeu_ps(values, _mm256_fmadd_ps(_mm256_mul_ps(radius, cosine), scale, offset));
        _mm256_storeu_ps(values + 8, _mm256_fmadd_ps(_mm256_mul_ps(radius, sine), scale, offset));
    }
}

SMT_AVX2 void smt_uniform_fused_avx2(float *values, size_t count, float from, float width, float to, int fold_upper_bound) {
    const __m256i low24 = _mm256_set1_epi32(0xFFFFFF);
    const __m256 unit = _mm256_set1_ps(1.0f / 16777216.0f), lower = _mm256_set1_ps(from);
    const __m256 span = _mm256_set1_ps(width), upper = _mm256_set1_ps(to);
    size_t index = 0;
    for (; index + 8 <= count; index += 8) {
        __m256i raw = _mm256_loadu_si256((const __m256i *)(values + index));
        __m256 x = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_and_si256(raw, low24)), unit);
        __m256 v = _mm256_fmadd_ps(x, span, lower);
        if (fold_upper_bound) v = _mm256_blendv_ps(v, lower, _mm256_cmp_ps(v, upper, _CMP_EQ_OQ));
        _mm256_storeu_ps(values + index, v);
    }
    for (; index < count; index++) {
        uint32_t raw;
        __builtin_memcpy(&raw, values + index, 4);
        float v = __builtin_fmaf((float)(raw & 0xFFFFFF) * (1.0f / 16777216.0f), width, from);
        if (fold_upper_bound && v == to) v = from;
        values[index] = v;
    }
}

#else

int smt_cpu_supports_avx2_fma(void) { return 0; }
void smt_normal_blocks_avx2(float *data, size_t block_count, float std, float mean) {}
void smt_uniform_fused_avx2(float *values, size_t count, float from, float width, float to, int fold_upper_bound) {}

#endif
