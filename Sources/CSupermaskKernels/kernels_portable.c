// The kernels compiled for the baseline instruction set (SSE2 on x86-64): they run on every CPU.
#define SMK(name) smk_portable_##name
// The 64-byte vector helpers are always inlined, so no vector value ever crosses a call boundary.
#pragma clang diagnostic ignored "-Wpsabi"
#include "kernels_body.h"

static const smk_kernel_table table = {
    smk_portable_gather, smk_portable_lists, smk_portable_dense,
};

const smk_kernel_table *smk_kernels_portable(void) { return &table; }
