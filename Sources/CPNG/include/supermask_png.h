#ifndef SUPERMASK_PNG_H
#define SUPERMASK_PNG_H

#include <stddef.h>

/// The decoded samples of a PNG, reduced to 8 bits the way Pillow reads PNGs.
typedef struct {
    /// `width * height * components` bytes, row-major and interleaved; free with `sm_png_free`.
    unsigned char *pixels;
    int width;
    int height;
    /// 1 (gray), 2 (gray + alpha), 3 (RGB) or 4 (RGBA); palettes are already looked up into RGB.
    int components;
    /// Why decoding failed, when it did.
    char message[200];
} sm_png_image;

/// Decodes a PNG with libpng into 8-bit samples matching Pillow's modes and `convert("RGB")` inputs:
/// palettes become RGB (transparency ignored), gray of 1/2/4 bits is scaled to 0…255, 16-bit samples keep
/// their high byte, except 16-bit gray without alpha (Pillow mode I;16), which clips to 255.
/// No gamma or colour management is applied. Returns 0 on success, -1 with `message` set otherwise.
int sm_png_decode(const unsigned char *data, size_t size, sm_png_image *image);

/// Frees the pixels of a decoded image.
void sm_png_free(sm_png_image *image);

#endif
