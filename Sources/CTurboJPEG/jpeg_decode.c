// libjpeg reports fatal errors through longjmp, which Swift cannot catch, so decoding lives in C.
#include "supermask_jpeg.h"

#include <stdio.h>  // jpeglib.h needs FILE
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    struct jpeg_error_mgr manager;
    jmp_buf escape;
    int ended_early;
} error_handler;

static void exit_with_error(j_common_ptr info) {
    error_handler *handler = (error_handler *)info->err;
    longjmp(handler->escape, 1);
}

// Warnings (corrupt data libjpeg can skip) are ignored as Pillow ignores them, except the end of the file
// arriving before the image data has: Pillow then raises "image file is truncated".
static void record_message(j_common_ptr info, int level) {
    error_handler *handler = (error_handler *)info->err;
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) {
        handler->ended_early = 1;
    }
}

int sm_jpeg_decode(const unsigned char *data, size_t size, sm_jpeg_image *image) {
    struct jpeg_decompress_struct info;
    error_handler handler;
    memset(image, 0, sizeof(*image));
    info.err = jpeg_std_error(&handler.manager);
    handler.manager.error_exit = exit_with_error;
    handler.manager.emit_message = record_message;
    handler.ended_early = 0;
    unsigned char *volatile pixels = NULL;

    if (setjmp(handler.escape)) {
        char text[JMSG_LENGTH_MAX];
        (*info.err->format_message)((j_common_ptr)&info, text);
        snprintf(image->message, sizeof(image->message), "%s", text);
        jpeg_destroy_decompress(&info);
        free(pixels);
        return -1;
    }
    jpeg_create_decompress(&info);
    jpeg_mem_src(&info, data, (unsigned long)size);
    jpeg_read_header(&info, TRUE);

    if (info.data_precision != 8) {
        snprintf(image->message, sizeof(image->message), "cannot handle %d-bit JPEG samples", info.data_precision);
        jpeg_destroy_decompress(&info);
        return -1;
    }
    // Pillow picks the mode from the component count and asks libjpeg for that colour family;
    // jpeg_color_space stays libjpeg's guess from the JFIF/Adobe markers.
    switch (info.num_components) {
    case 1: info.out_color_space = JCS_GRAYSCALE; break;
    case 3: info.out_color_space = JCS_RGB; break;
    case 4: info.out_color_space = JCS_CMYK; break;
    default:
        snprintf(image->message, sizeof(image->message), "cannot handle %d-component JPEGs", info.num_components);
        jpeg_destroy_decompress(&info);
        return -1;
    }
    info.dct_method = JDCT_ISLOW;
    info.do_fancy_upsampling = TRUE;

    jpeg_start_decompress(&info);
    size_t stride = (size_t)info.output_width * (size_t)info.output_components;
    pixels = malloc(stride * info.output_height);
    if (pixels == NULL) {
        snprintf(image->message, sizeof(image->message), "out of memory for %ux%u pixels", info.output_width, info.output_height);
        jpeg_destroy_decompress(&info);
        return -1;
    }
    while (info.output_scanline < info.output_height && !handler.ended_early) {
        JSAMPROW row = pixels + stride * info.output_scanline;
        jpeg_read_scanlines(&info, &row, 1);
    }
    if (handler.ended_early) {
        snprintf(image->message, sizeof(image->message), "image file is truncated (the JPEG data ends early)");
        jpeg_destroy_decompress(&info);
        free(pixels);
        return -1;
    }
    image->pixels = pixels;
    image->width = (int)info.output_width;
    image->height = (int)info.output_height;
    image->components = info.output_components;
    // The trailer after the last scanline does not change the pixels; Pillow does not read it either.
    jpeg_destroy_decompress(&info);
    return 0;
}

void sm_jpeg_free(sm_jpeg_image *image) {
    free(image->pixels);
    image->pixels = NULL;
}
