// The kernels compiled for AVX-512 F/VL/DQ/BW with FMA: one zmm register per 16-float vector. Reached only after
// smk_cpu_supports(SMK_TABLE_AVX512) found every one of these features (cpu_features.c).
#if defined(__x86_64__) || defined(__i386__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,avx2,fma"))), apply_to = function)
#define SMK(name) smk_avx512_##name
#define SMK_TABLE SMK_TABLE_AVX512
#include "vector.h"
#include "gather.h"
#include "lists.h"
#include "dense.h"
#pragma clang attribute pop

const smk_kernel_table smk_avx512_table = {smk_avx512_gather, smk_avx512_lists, smk_avx512_dense};
#endif
