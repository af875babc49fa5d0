// The kernels compiled for AVX-512F (+FMA); only reached after smk_cpu_supports_avx512() said yes.
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx2,fma"))), apply_to = function)
#define SMK(name) smk_avx512_##name
#include "kernels_body.h"
#pragma clang attribute pop

static const smk_kernel_table table = {
    smk_avx512_gather, smk_avx512_lists, smk_avx512_dense,
};

const smk_kernel_table *smk_kernels_avx512(void) { return &table; }

int smk_cpu_supports_avx512(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}
