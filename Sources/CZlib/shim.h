#ifndef SUPERMASK_CZLIB_SHIM_H
#define SUPERMASK_CZLIB_SHIM_H
#include <zlib.h>
#endif
