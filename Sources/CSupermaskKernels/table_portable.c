// The kernels compiled for the baseline instruction set (SSE2 on x86-64): four xmm registers per 16-float vector.
// They run on every CPU.
#define SMK(name) smk_portable_##name
#define SMK_TABLE SMK_TABLE_PORTABLE
#include "vector.h"
#include "gather.h"
#include "lists.h"
#include "dense.h"

const smk_kernel_table smk_portable_table = {smk_portable_gather, smk_portable_lists, smk_portable_dense};
