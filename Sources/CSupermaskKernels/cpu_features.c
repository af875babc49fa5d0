// Which tables this CPU runs. A table may run only when the CPU has every feature it is compiled for (CPUID) and
// the OS saves the registers it uses across context switches (XGETBV): a CPU with AVX-512F but without VL, DQ or BW,
// or a kernel that does not enable the zmm state, would fault on the first instruction the compiler chose from the
// missing extensions.
#include "SupermaskKernels.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

/// XCR0, the register state the OS saves; only read when CPUID says OSXSAVE.
__attribute__((target("xsave"))) static unsigned long long smk_xcr0(void) { return __builtin_ia32_xgetbv(0); }

static unsigned smk_detect_features(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    unsigned features = 0;
    const int osxsave = (ecx >> 27) & 1;
    if ((ecx >> 28) & 1) features |= SMK_CPU_AVX;
    if ((ecx >> 12) & 1) features |= SMK_CPU_FMA;
    if ((ecx >> 29) & 1) features |= SMK_CPU_F16C;
    if (osxsave) {
        const unsigned long long xcr0 = smk_xcr0();
        // Bit 1 SSE, bit 2 AVX (upper ymm halves); bits 5–7 the opmask registers and the zmm state.
        if ((xcr0 & 0x6) == 0x6) features |= SMK_CPU_OS_YMM;
        if ((xcr0 & 0xE6) == 0xE6) features |= SMK_CPU_OS_ZMM;
    }
    if (__get_cpuid_max(0, 0) >= 7) {
        __cpuid_count(7, 0, eax, ebx, ecx, edx);
        if ((ebx >> 5) & 1) features |= SMK_CPU_AVX2;
        if ((ebx >> 8) & 1) features |= SMK_CPU_BMI2;
        if ((ebx >> 16) & 1) features |= SMK_CPU_AVX512F;
        if ((ebx >> 17) & 1) features |= SMK_CPU_AVX512DQ;
        if ((ebx >> 30) & 1) features |= SMK_CPU_AVX512BW;
        if ((ebx >> 31) & 1) features |= SMK_CPU_AVX512VL;
    }
    return features;
}
#else
static unsigned smk_detect_features(void) { return 0; }
#endif

unsigned smk_cpu_features(void) {
    // Computed once; every thread computes the same value, so a race only repeats the work.
    static unsigned cached;
    static int known;
    if (!__atomic_load_n(&known, __ATOMIC_ACQUIRE)) {
        __atomic_store_n(&cached, smk_detect_features(), __ATOMIC_RELAXED);
        __atomic_store_n(&known, 1, __ATOMIC_RELEASE);
    }
    return __atomic_load_n(&cached, __ATOMIC_RELAXED);
}

unsigned smk_table_requirements(smk_table_id table) {
    // Each set matches the target attribute of its table_*.c.
    const unsigned avx2 = SMK_CPU_AVX | SMK_CPU_AVX2 | SMK_CPU_FMA | SMK_CPU_F16C | SMK_CPU_BMI2 | SMK_CPU_OS_YMM;
    switch (table) {
    case SMK_TABLE_AVX512:
        return SMK_CPU_AVX | SMK_CPU_AVX2 | SMK_CPU_FMA | SMK_CPU_OS_YMM | SMK_CPU_AVX512F | SMK_CPU_AVX512VL
            | SMK_CPU_AVX512DQ | SMK_CPU_AVX512BW | SMK_CPU_OS_ZMM;
    case SMK_TABLE_AVX2: return avx2;
    default: return 0;
    }
}

int smk_cpu_supports(smk_table_id table) {
    const unsigned required = smk_table_requirements(table);
#if !defined(__x86_64__) && !defined(__i386__)
    if (required != 0) return 0;
#endif
    return (smk_cpu_features() & required) == required;
}
