// libjpeg reports fatal errors through longjmp, which Swift cannot catch, so decoding lives in C. Every function
// that calls into libjpeg sets its own jump target first.
#include "supermask_jpeg.h"

#include <stdio.h>  // jpeglib.h needs FILE
#include <jpeglib.h>
#include <jerror.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

struct sm_jpeg_decoder {
    struct jpeg_decompress_struct info;
    struct jpeg_error_mgr errors;
    struct jpeg_progress_mgr progress;
    jmp_buf escape;
    int max_scans;
    sm_jpeg_status failure;
    int ended_early;
    int started;
};

static sm_jpeg_decoder *decoder_of(j_common_ptr info) {
    return (sm_jpeg_decoder *)((char *)info - offsetof(sm_jpeg_decoder, info));
}

static void exit_with_error(j_common_ptr info) {
    sm_jpeg_decoder *decoder = decoder_of(info);
    decoder->failure = info->err->msg_code == JERR_NO_BACKING_STORE ? SM_JPEG_TOO_MUCH_MEMORY : SM_JPEG_FAILED;
    longjmp(decoder->escape, 1);
}

// Warnings (corrupt data libjpeg can skip) are ignored as Pillow ignores them (its output_message does nothing),
// except the end of the data arriving before the image does: Pillow's suspending source then runs out of bytes
// and raises "image file is truncated", while jpeg_mem_src warns and inserts a fake EOI.
static void record_message(j_common_ptr info, int level) {
    if (level < 0 && info->err->msg_code == JWRN_JPEG_EOF) {
        decoder_of(info)->ended_early = 1;
    }
}

// libjpeg calls the progress monitor while it absorbs input, so a scan beyond the limit stops decoding before it
// costs a pass over the image (libjpeg-turbo's djpeg -maxscans and TJPARAM_SCANLIMIT work the same way).
static void check_scan_count(j_common_ptr info) {
    sm_jpeg_decoder *decoder = decoder_of(info);
    if (((j_decompress_ptr)info)->input_scan_number > decoder->max_scans) {
        decoder->failure = SM_JPEG_TOO_MANY_SCANS;
        longjmp(decoder->escape, 1);
    }
}

static void describe_failure(sm_jpeg_decoder *decoder, char *message, size_t message_size) {
    if (decoder->failure == SM_JPEG_FAILED && decoder->ended_early) {
        // libjpeg's complaint about the fake EOI (no image, a bad marker) hides that the file was cut short.
        snprintf(message, message_size, "image file is truncated (the JPEG data ends early)");
    } else if (decoder->failure == SM_JPEG_FAILED) {
        char text[JMSG_LENGTH_MAX];
        (*decoder->errors.format_message)((j_common_ptr)&decoder->info, text);
        snprintf(message, message_size, "%s", text);
    } else {
        message[0] = 0;
    }
}

sm_jpeg_decoder *sm_jpeg_open(const unsigned char *data, size_t size, int max_scans, long max_memory,
                              sm_jpeg_header *header, sm_jpeg_status *status, char *message, size_t message_size) {
    memset(header, 0, sizeof(*header));
    message[0] = 0;
    sm_jpeg_decoder *decoder = calloc(1, sizeof(sm_jpeg_decoder));
    if (decoder == NULL) {
        *status = SM_JPEG_FAILED;
        snprintf(message, message_size, "out of memory");
        return NULL;
    }
    decoder->max_scans = max_scans;
    decoder->info.err = jpeg_std_error(&decoder->errors);
    decoder->errors.error_exit = exit_with_error;
    decoder->errors.emit_message = record_message;
    decoder->progress.progress_monitor = check_scan_count;

    if (setjmp(decoder->escape)) {
        *status = decoder->failure;
        describe_failure(decoder, message, message_size);
        sm_jpeg_close(decoder);
        return NULL;
    }
    jpeg_create_decompress(&decoder->info);
    decoder->started = 1;
    decoder->info.mem->max_memory_to_use = max_memory;
    decoder->info.progress = &decoder->progress;
    jpeg_mem_src(&decoder->info, data, (unsigned long)size);
    jpeg_read_header(&decoder->info, TRUE);

    if (decoder->info.data_precision != 8) {
        *status = SM_JPEG_FAILED;
        snprintf(message, message_size, "cannot handle %d-bit JPEG samples", decoder->info.data_precision);
        sm_jpeg_close(decoder);
        return NULL;
    }
    // Pillow picks the mode from the component count and asks libjpeg for that colour family;
    // jpeg_color_space stays libjpeg's guess from the JFIF/Adobe markers.
    switch (decoder->info.num_components) {
    case 1: decoder->info.out_color_space = JCS_GRAYSCALE; break;
    case 3: decoder->info.out_color_space = JCS_RGB; break;
    case 4: decoder->info.out_color_space = JCS_CMYK; break;
    default:
        *status = SM_JPEG_FAILED;
        snprintf(message, message_size, "cannot handle %d-component JPEGs", decoder->info.num_components);
        sm_jpeg_close(decoder);
        return NULL;
    }
    decoder->info.dct_method = JDCT_ISLOW;
    decoder->info.do_fancy_upsampling = TRUE;
    header->width = (int)decoder->info.image_width;
    header->height = (int)decoder->info.image_height;
    header->components = decoder->info.num_components;
    header->progressive = decoder->info.progressive_mode ? 1 : 0;
    *status = SM_JPEG_OK;
    return decoder;
}

sm_jpeg_status sm_jpeg_read(sm_jpeg_decoder *decoder, unsigned char *pixels, size_t capacity, char *message,
                            size_t message_size) {
    message[0] = 0;
    if (setjmp(decoder->escape)) {
        describe_failure(decoder, message, message_size);
        return decoder->failure;
    }
    jpeg_start_decompress(&decoder->info);
    size_t stride = (size_t)decoder->info.output_width * (size_t)decoder->info.output_components;
    // The header's size and components are what the caller allocated for; libjpeg keeps them at full scale.
    if (stride == 0 || capacity / stride < decoder->info.output_height) {
        snprintf(message, message_size, "%ux%u pixels do not fit the %zu-byte buffer", decoder->info.output_width,
                 decoder->info.output_height, capacity);
        return SM_JPEG_FAILED;
    }
    while (decoder->info.output_scanline < decoder->info.output_height && !decoder->ended_early) {
        JSAMPROW row = pixels + stride * decoder->info.output_scanline;
        jpeg_read_scanlines(&decoder->info, &row, 1);
    }
    if (decoder->ended_early) {
        snprintf(message, message_size, "image file is truncated (the JPEG data ends early)");
        return SM_JPEG_FAILED;
    }
    // The trailer after the last scanline does not change the pixels; Pillow finishes without it too.
    return SM_JPEG_OK;
}

void sm_jpeg_close(sm_jpeg_decoder *decoder) {
    if (decoder == NULL) return;
    if (decoder->started) jpeg_destroy_decompress(&decoder->info);
    free(decoder);
}
