// The seed-search kernels compiled for AVX2; only reached after sss_cpu_supports_avx2() said yes.
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#define SSS(name) sss_avx2_##name
#include "search_body.h"
#pragma clang attribute pop

static const sss_kernel_table table = { sss_avx2_scan_signs, sss_avx2_scan_parities };

const sss_kernel_table *sss_kernels_avx2(void) { return &table; }

int sss_cpu_supports_avx2(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2");
#else
    return 0;
#endif
}
