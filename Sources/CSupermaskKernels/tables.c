// The table of each id.
#include "reference.h"

extern const smk_kernel_table smk_portable_table;
static const smk_kernel_table smk_reference_table = {smk_reference_gather, smk_reference_lists, smk_reference_dense};

#if defined(__x86_64__) || defined(__i386__)
extern const smk_kernel_table smk_avx512_table, smk_avx2_table;
#else
// Other CPUs have no x86 tables; smk_cpu_supports refuses their ids, so these are never called.
#define smk_avx512_table smk_portable_table
#define smk_avx2_table smk_portable_table
#endif

const smk_kernel_table *smk_kernels(smk_table_id table) {
    switch (table) {
    case SMK_TABLE_AVX512: return &smk_avx512_table;
    case SMK_TABLE_AVX2: return &smk_avx2_table;
    case SMK_TABLE_PORTABLE: return &smk_portable_table;
    case SMK_TABLE_REFERENCE: break;
    }
    return &smk_reference_table;
}
