// The seed-search kernels compiled for the baseline instruction set (SSE2 on x86-64): they run on every CPU.
#define SSS(name) sss_portable_##name
// The vector helpers are always inlined, so no vector value ever crosses a call boundary.
#pragma clang diagnostic ignored "-Wpsabi"
#include "search_body.h"

static const sss_kernel_table table = { sss_portable_scan_signs, sss_portable_scan_parities };

const sss_kernel_table *sss_kernels_portable(void) { return &table; }
