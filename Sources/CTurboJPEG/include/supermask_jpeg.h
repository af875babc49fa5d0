#ifndef SUPERMASK_JPEG_H
#define SUPERMASK_JPEG_H

#include <stddef.h>

/// What a JPEG's header says, known before any pixel is decoded.
typedef struct {
    int width;
    int height;
    /// Components of the decoded samples: 1 (grayscale), 3 (RGB) or 4 (CMYK, Adobe polarity: 0 is full ink, as
    /// libjpeg returns it).
    int components;
    /// Whether the file is progressive (its scans each refine the whole image).
    int progressive;
} sm_jpeg_header;

/// How a call ended.
typedef enum {
    SM_JPEG_OK = 0,
    /// The file is malformed, truncated or unsupported; `message` says why.
    SM_JPEG_FAILED = -1,
    /// The file has more scans than the limit given to `sm_jpeg_open`.
    SM_JPEG_TOO_MANY_SCANS = -2,
    /// libjpeg would need more working memory than the limit given to `sm_jpeg_open`.
    SM_JPEG_TOO_MUCH_MEMORY = -3,
} sm_jpeg_status;

/// A JPEG being decoded: opened (header read), then read once, then closed.
typedef struct sm_jpeg_decoder sm_jpeg_decoder;

/// Reads the header of the JPEG in `data` (which must stay valid until `sm_jpeg_close`) with Pillow's settings:
/// output in the file's own colour family (grayscale, RGB or CMYK) by component count, ISLOW DCT, fancy
/// upsampling. `max_scans` bounds the scans decoding may meet (libjpeg-turbo's -maxscans); `max_memory` bounds
/// libjpeg's working memory in bytes (a progressive image keeps every coefficient of the image).
/// Returns the decoder and fills `header`, or returns NULL with `*status` and `message` set.
sm_jpeg_decoder *sm_jpeg_open(const unsigned char *data, size_t size, int max_scans, long max_memory,
                              sm_jpeg_header *header, sm_jpeg_status *status, char *message, size_t message_size);

/// Decodes the whole image into `pixels`: `width * height * components` bytes, row-major and interleaved
/// (`capacity` must hold them). A file that ends before its image data does is an error, as it is for Pillow;
/// the corrupt-data warnings libjpeg can skip are ignored, as Pillow ignores them.
sm_jpeg_status sm_jpeg_read(sm_jpeg_decoder *decoder, unsigned char *pixels, size_t capacity, char *message,
                            size_t message_size);

/// Frees the decoder (NULL is allowed).
void sm_jpeg_close(sm_jpeg_decoder *decoder);

#endif
