#ifndef SUPERMASK_JPEG_H
#define SUPERMASK_JPEG_H

#include <stddef.h>

/// The decoded components of a JPEG, as libjpeg-turbo produced them with Pillow's settings.
typedef struct {
    /// `width * height * components` bytes, row-major and interleaved; free with `sm_jpeg_free`.
    unsigned char *pixels;
    int width;
    int height;
    /// 1 (grayscale), 3 (RGB) or 4 (CMYK, Adobe polarity: 0 is full ink, as libjpeg returns it).
    int components;
    /// Why decoding failed, when it did.
    char message[200];
} sm_jpeg_image;

/// Decodes a baseline or progressive 8-bit JPEG at full size, the way Pillow's JPEG decoder does:
/// ISLOW DCT, fancy upsampling, libjpeg's colour-space guess, output in the file's own family
/// (grayscale, RGB or CMYK). Returns 0 on success, -1 with `message` set otherwise; a file that ends
/// before the image data does is an error, as it is for Pillow.
int sm_jpeg_decode(const unsigned char *data, size_t size, sm_jpeg_image *image);

/// Frees the pixels of a decoded image.
void sm_jpeg_free(sm_jpeg_image *image);

#endif
