#ifndef SUPERMASK_PNG_H
#define SUPERMASK_PNG_H

#include <stddef.h>

/// What a PNG's header says, known before any pixel is decoded.
typedef struct {
    int width;
    int height;
    /// Components of the samples `sm_png_read` returns: 1 (gray), 2 (gray + alpha), 3 (RGB, palettes looked up)
    /// or 4 (RGBA).
    int components;
    /// Bytes per pixel the buffer given to `sm_png_read` needs (2 for 16-bit gray, which is then clipped to 1; 3
    /// for a palette, whose 1-byte indices are then looked up into RGB in place): at least `components`.
    int decoding_bytes_per_pixel;
} sm_png_header;

/// A PNG being decoded: opened (header read), then read once, then closed.
typedef struct sm_png_decoder sm_png_decoder;

/// Reads the chunks of the PNG in `data` (which must stay valid until `sm_png_close`) up to its image data.
/// Every chunk before the image data must have a correct CRC, ancillary ones included, as Pillow requires.
/// Returns the decoder and fills `header`, or returns NULL with `message` set.
sm_png_decoder *sm_png_open(const unsigned char *data, size_t size, sm_png_header *header, char *message,
                            size_t message_size);

/// Decodes the image into `pixels` (`capacity` must hold `width * height * decoding_bytes_per_pixel` bytes),
/// leaving `width * height * components` 8-bit samples, row-major and interleaved, as Pillow reads them: gray of
/// 1/2/4 bits scaled to 0…255, 16-bit samples reduced to their high byte except 16-bit gray (Pillow's I;16), which
/// clips at 255, palette indices looked up in PLTE (indices beyond it black, as in Pillow), no gamma or colour
/// management. As in Pillow, the CRCs of the image data are not checked, image data whose zlib stream ends early
/// leaves the remaining rows at 0, and a chunk after the image data that the file cuts short is an error.
/// Returns 0, or -1 with `message` set.
int sm_png_read(sm_png_decoder *decoder, unsigned char *pixels, size_t capacity, char *message, size_t message_size);

/// Frees the decoder (NULL is allowed).
void sm_png_close(sm_png_decoder *decoder);

#endif
