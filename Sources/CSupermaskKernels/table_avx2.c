// The kernels compiled for AVX2 with FMA, F16C and BMI2: two ymm registers per 16-float vector. Reached only after
// smk_cpu_supports(SMK_TABLE_AVX2) found every one of these features (cpu_features.c).
#if defined(__x86_64__) || defined(__i386__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c,bmi2"))), apply_to = function)
#define SMK(name) smk_avx2_##name
#define SMK_TABLE SMK_TABLE_AVX2
#include "vector.h"
#include "gather.h"
#include "lists.h"
#include "dense.h"
#pragma clang attribute pop

const smk_kernel_table smk_avx2_table = {smk_avx2_gather, smk_avx2_lists, smk_avx2_dense};
#endif
