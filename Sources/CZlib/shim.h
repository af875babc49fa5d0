#ifndef SUPERMASK_CZLIB_SHIM_H
#define SUPERMASK_CZLIB_SHIM_H
#include <zlib.h>

// inflateInit2 is a function-like macro, which Swift cannot import. windowBits 16 + MAX_WBITS selects the gzip
// wrapper (RFC 1952): header and CRC-32/ISIZE trailer checked by zlib.
static inline int czlib_inflate_init_gzip(z_stream *stream) { return inflateInit2(stream, 16 + MAX_WBITS); }
#endif
