// libpng reports fatal errors through longjmp, which Swift cannot catch, so decoding lives in C.
#include "supermask_png.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const unsigned char *data;
    size_t size;
    size_t offset;
} memory_reader;

typedef struct {
    char *message;
} error_context;

static void read_from_memory(png_structp png, png_bytep out, png_size_t count) {
    memory_reader *reader = (memory_reader *)png_get_io_ptr(png);
    if (count > reader->size - reader->offset) {
        png_error(png, "image file is truncated (the PNG data ends early)");
    }
    memcpy(out, reader->data + reader->offset, count);
    reader->offset += count;
}

static void fail(png_structp png, png_const_charp text) {
    error_context *context = (error_context *)png_get_error_ptr(png);
    snprintf(context->message, 200, "%s", text);
    png_longjmp(png, 1);
}

// Pillow does not warn about ancillary problems either.
static void ignore_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

int sm_png_decode(const unsigned char *data, size_t size, sm_png_image *image) {
    memset(image, 0, sizeof(*image));
    memory_reader reader = {data, size, 0};
    error_context context = {image->message};
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &context, fail, ignore_warning);
    if (png == NULL) {
        snprintf(image->message, sizeof(image->message), "libpng could not start");
        return -1;
    }
    png_infop info = png_create_info_struct(png);
    unsigned char *volatile pixels = NULL;
    png_bytep *volatile rows = NULL;
    if (info == NULL || setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, info ? &info : NULL, NULL);
        free(pixels);
        free(rows);
        if (image->message[0] == 0) {
            snprintf(image->message, sizeof(image->message), "libpng could not start");
        }
        return -1;
    }
    png_set_read_fn(png, &reader, read_from_memory);
    png_read_info(png, info);

    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    // Pillow reads 16-bit gray as I;16, whose conversion to RGB clips the value at 255 (Convert.c I16_RGB);
    // every other 16-bit mode keeps the high byte.
    int clip_sixteen_bit_gray = color_type == PNG_COLOR_TYPE_GRAY && bit_depth == 16;
    if (color_type == PNG_COLOR_TYPE_PALETTE) {
        png_set_palette_to_rgb(png);
    }
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) {
        png_set_expand_gray_1_2_4_to_8(png);
    }
    if (bit_depth == 16 && !clip_sixteen_bit_gray) {
        png_set_strip_16(png);
    }
    png_set_interlace_handling(png);
    png_read_update_info(png, info);

    png_uint_32 width = png_get_image_width(png, info);
    png_uint_32 height = png_get_image_height(png, info);
    int components = png_get_channels(png, info);
    size_t stride = png_get_rowbytes(png, info);
    pixels = malloc(stride * height);
    rows = malloc(sizeof(png_bytep) * height);
    if (pixels == NULL || rows == NULL) {
        png_error(png, "out of memory");
    }
    for (png_uint_32 y = 0; y < height; y++) {
        rows[y] = pixels + stride * y;
    }
    png_read_image(png, rows);
    // Pillow does not read past the image data, so a damaged trailer does not matter.
    png_destroy_read_struct(&png, &info, NULL);
    free(rows);

    if (clip_sixteen_bit_gray) {
        for (size_t i = 0; i < (size_t)width * height; i++) {
            unsigned char high = pixels[2 * i], low = pixels[2 * i + 1];
            pixels[i] = high == 0 ? low : 255;
        }
    }
    image->pixels = pixels;
    image->width = (int)width;
    image->height = (int)height;
    image->components = components;
    return 0;
}

void sm_png_free(sm_png_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
