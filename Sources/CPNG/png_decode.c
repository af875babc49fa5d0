// libpng reports fatal errors through longjmp, which Swift cannot catch, so decoding lives in C. Every function
// that calls into libpng sets its own jump target first.
#include "supermask_png.h"

#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct sm_png_decoder {
    png_structp png;
    png_infop info;
    const unsigned char *data;
    size_t size;
    size_t offset;
    char message[200];
    int clip_sixteen_bit_gray;
    int palette;
    png_uint_32 width;
    png_uint_32 height;
};

static void read_from_memory(png_structp png, png_bytep out, png_size_t count) {
    sm_png_decoder *decoder = (sm_png_decoder *)png_get_io_ptr(png);
    if (count > decoder->size - decoder->offset) {
        png_error(png, "image file is truncated (the PNG data ends early)");
    }
    memcpy(out, decoder->data + decoder->offset, count);
    decoder->offset += count;
}

static void fail(png_structp png, png_const_charp text) {
    sm_png_decoder *decoder = (sm_png_decoder *)png_get_error_ptr(png);
    snprintf(decoder->message, sizeof(decoder->message), "%s", text);
    png_longjmp(png, 1);
}

// Pillow does not warn about ancillary problems either.
static void ignore_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

static png_uint_32 big_endian(const unsigned char *bytes) {
    return (png_uint_32)bytes[0] << 24 | (png_uint_32)bytes[1] << 16 | (png_uint_32)bytes[2] << 8 | bytes[3];
}

/// The offset of the first IDAT chunk, or 0 if there is none.
static size_t first_image_chunk(const sm_png_decoder *decoder) {
    size_t offset = 8;
    while (decoder->size - offset >= 8) {
        png_uint_32 length = big_endian(decoder->data + offset);
        if (memcmp(decoder->data + offset + 4, "IDAT", 4) == 0) return offset;
        if ((size_t)length > decoder->size - offset - 8) return 0;
        offset += 8 + (size_t)length;
        if (decoder->size - offset < 4) return 0;
        offset += 4;
    }
    return 0;
}

/// Whether the zlib stream in the consecutive IDAT chunks from the first one ends (Z_STREAM_END): libpng's "Not
/// enough image data" then means the stream ended before the image did, which Pillow accepts (its zip decoder stops
/// at the end of the stream, the rest of the image stays 0), rather than that the image data ran out (an error).
static int image_stream_ends(const sm_png_decoder *decoder) {
    size_t offset = first_image_chunk(decoder);
    if (offset == 0) return 0;
    z_stream stream;
    memset(&stream, 0, sizeof(stream));
    if (inflateInit(&stream) != Z_OK) return 0;
    unsigned char scratch[1 << 14];
    int status = Z_OK;
    while (status == Z_OK && decoder->size - offset >= 8 && memcmp(decoder->data + offset + 4, "IDAT", 4) == 0) {
        size_t length = big_endian(decoder->data + offset);
        size_t available = decoder->size - offset - 8;
        stream.next_in = (unsigned char *)decoder->data + offset + 8;
        stream.avail_in = (uInt)(length < available ? length : available);
        while (status == Z_OK && stream.avail_in > 0) {
            stream.next_out = scratch;
            stream.avail_out = sizeof(scratch);
            status = inflate(&stream, Z_NO_FLUSH);
            if (status == Z_BUF_ERROR) status = Z_OK;  // needs the next chunk's data
        }
        if (length > available) break;
        offset += 8 + length + 4;
        if (offset > decoder->size) break;
    }
    inflateEnd(&stream);
    return status == Z_STREAM_END;
}

/// Pillow's load_end reads every chunk after the image data up to IEND, a header that is cut short or a type that
/// is not four letters, digits or underscores; a chunk whose data the file cuts short makes it raise "Truncated File
/// Read". (The image data itself, the first run of IDAT chunks, has been decoded by then.)
static int chunks_after_image_are_whole(const sm_png_decoder *decoder) {
    size_t offset = first_image_chunk(decoder);
    if (offset == 0) return 1;
    int in_image_data = 1;
    while (decoder->size - offset >= 8) {
        const unsigned char *type = decoder->data + offset + 4;
        size_t length = big_endian(decoder->data + offset);
        in_image_data = in_image_data && memcmp(type, "IDAT", 4) == 0;
        if (!in_image_data) {
            for (int index = 0; index < 4; index++) {
                unsigned char c = type[index];
                int word = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
                if (!word) return 1;
            }
            if (memcmp(type, "IEND", 4) == 0) return 1;
        }
        if (length > decoder->size - offset - 8) return in_image_data;
        offset += 8 + length;
        if (decoder->size - offset < 4) return 1;
        offset += 4;
    }
    return 1;
}

sm_png_decoder *sm_png_open(const unsigned char *data, size_t size, sm_png_header *header, char *message,
                            size_t message_size) {
    memset(header, 0, sizeof(*header));
    message[0] = 0;
    sm_png_decoder *decoder = calloc(1, sizeof(sm_png_decoder));
    if (decoder == NULL) {
        snprintf(message, message_size, "out of memory");
        return NULL;
    }
    decoder->data = data;
    decoder->size = size;
    decoder->png = png_create_read_struct(PNG_LIBPNG_VER_STRING, decoder, fail, ignore_warning);
    if (decoder->png != NULL) decoder->info = png_create_info_struct(decoder->png);
    if (decoder->png == NULL || decoder->info == NULL) {
        snprintf(message, message_size, "libpng could not start");
        sm_png_close(decoder);
        return NULL;
    }
    if (setjmp(png_jmpbuf(decoder->png))) {
        snprintf(message, message_size, "%s", decoder->message[0] ? decoder->message : "libpng failed");
        sm_png_close(decoder);
        return NULL;
    }
    png_set_read_fn(decoder->png, decoder, read_from_memory);
    // Pillow checks the CRC of every chunk before the image data and refuses the file at a wrong one.
    png_set_crc_action(decoder->png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
    png_read_info(decoder->png, decoder->info);

    int color_type = png_get_color_type(decoder->png, decoder->info);
    int bit_depth = png_get_bit_depth(decoder->png, decoder->info);
    // Pillow reads 16-bit gray as I;16, whose conversion to RGB clips the value at 255 (Convert.c I16_RGB);
    // every other 16-bit mode keeps the high byte.
    decoder->clip_sixteen_bit_gray = color_type == PNG_COLOR_TYPE_GRAY && bit_depth == 16;
    decoder->palette = color_type == PNG_COLOR_TYPE_PALETTE;
    if (decoder->palette && bit_depth < 8) png_set_packing(decoder->png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(decoder->png);
    if (bit_depth == 16 && !decoder->clip_sixteen_bit_gray) png_set_strip_16(decoder->png);
    png_set_interlace_handling(decoder->png);
    png_read_update_info(decoder->png, decoder->info);
    // Pillow reads the image data without its CRCs.
    png_set_crc_action(decoder->png, PNG_CRC_QUIET_USE, PNG_CRC_NO_CHANGE);

    decoder->width = png_get_image_width(decoder->png, decoder->info);
    decoder->height = png_get_image_height(decoder->png, decoder->info);
    int channels = png_get_channels(decoder->png, decoder->info);
    header->width = (int)decoder->width;
    header->height = (int)decoder->height;
    header->components = decoder->palette ? 3 : channels;
    header->decoding_bytes_per_pixel = decoder->clip_sixteen_bit_gray ? 2 : decoder->palette ? 3 : channels;
    return decoder;
}

/// Expands palette indices (the first `count` bytes) to RGB in place, from the last pixel back so that no index is
/// overwritten before it is read. Pillow's palette has 256 entries, black beyond PLTE's (ImagingPaletteNew callocs).
static void look_up_palette(sm_png_decoder *decoder, unsigned char *pixels, size_t count) {
    unsigned char table[256 * 3] = {0};
    png_colorp entries = NULL;
    int entry_count = 0;
    if (png_get_PLTE(decoder->png, decoder->info, &entries, &entry_count) & PNG_INFO_PLTE) {
        for (int index = 0; index < entry_count && index < 256; index++) {
            table[3 * index] = entries[index].red;
            table[3 * index + 1] = entries[index].green;
            table[3 * index + 2] = entries[index].blue;
        }
    }
    for (size_t pixel = count; pixel-- > 0;) {
        const unsigned char *colour = table + 3 * pixels[pixel];
        pixels[3 * pixel] = colour[0];
        pixels[3 * pixel + 1] = colour[1];
        pixels[3 * pixel + 2] = colour[2];
    }
}

int sm_png_read(sm_png_decoder *decoder, unsigned char *pixels, size_t capacity, char *message, size_t message_size) {
    message[0] = 0;
    size_t count = (size_t)decoder->width * decoder->height;
    size_t stride = png_get_rowbytes(decoder->png, decoder->info);
    size_t needed = (decoder->clip_sixteen_bit_gray ? 2 : decoder->palette ? 3 : 1) * count;
    if (stride == 0 || capacity / stride < decoder->height || capacity < needed) {
        snprintf(message, message_size, "%ux%u pixels do not fit the %zu-byte buffer", decoder->width,
                 decoder->height, capacity);
        return -1;
    }
    // Rows libpng does not reach stay 0, as Pillow leaves them when the image data ends early.
    memset(pixels, 0, stride * decoder->height);
    png_bytep *volatile rows = malloc(sizeof(png_bytep) * decoder->height);
    if (rows == NULL) {
        snprintf(message, message_size, "out of memory");
        return -1;
    }
    for (png_uint_32 y = 0; y < decoder->height; y++) {
        rows[y] = pixels + stride * y;
    }
    if (setjmp(png_jmpbuf(decoder->png))) {
        free(rows);
        int stream_ended_early = strcmp(decoder->message, "Not enough image data") == 0 && image_stream_ends(decoder);
        if (!stream_ended_early) {
            snprintf(message, message_size, "%s", decoder->message);
            return -1;
        }
    } else {
        png_read_image(decoder->png, rows);
        free(rows);
    }
    if (!chunks_after_image_are_whole(decoder)) {
        snprintf(message, message_size, "image file is truncated (a chunk after the image data ends early)");
        return -1;
    }
    if (decoder->clip_sixteen_bit_gray) {
        for (size_t i = 0; i < count; i++) {
            unsigned char high = pixels[2 * i], low = pixels[2 * i + 1];
            pixels[i] = high == 0 ? low : 255;
        }
    }
    if (decoder->palette) look_up_palette(decoder, pixels, count);
    return 0;
}

void sm_png_close(sm_png_decoder *decoder) {
    if (decoder == NULL) return;
    if (decoder->png != NULL) png_destroy_read_struct(&decoder->png, decoder->info ? &decoder->info : NULL, NULL);
    free(decoder);
}
