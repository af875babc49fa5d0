#!/usr/bin/env python3
"""Developer tool: makes the hostile and damaged images of Tests/Fixtures/hostile/images and records what Pillow
does with each, so that the Swift tests can hold supermask's decoder to the same verdicts (docs/security.md,
"Images"). Needs Pillow and numpy only; the damaged files are cut from the committed vision fixtures.

    make_hostile_images.py [--out Tests/Fixtures/hostile/images] [--vision Tests/Fixtures/vision]

Every case is a small file and an entry of manifest.json:
    file         the file name
    description  how it was made, enough to make it again by hand
    pillow       what `Image.open(path).convert("RGB")` did: "ok" or "error"
    pillow_says  Pillow's exception (for "error") or warning, if any
    rgb_sha256   SHA-256 of the RGB bytes Pillow produced (for "ok"), so the decoders can be compared
    size         [width, height] of the image Pillow produced
    supermask    what supermask must do: "ok" or "error"
    says         a phrase supermask's one-line message must contain (for "error")
    stage        "decode" (checked when the file is decoded) or "preprocess" (when it is resized for the
                 ImageNet transform: Resize(256), CenterCrop(224))
    why          when supermask's verdict differs from Pillow's, the reason

Pillow's own settings are the defaults: MAX_IMAGE_PIXELS = 89,478,485 (a warning above, DecompressionBombError
above twice that), LOAD_TRUNCATED_IMAGES = False. Cases that exercise the pixel limits use images whose header
claims the size and whose data is then cut short, so that the files stay a few hundred bytes.
"""

import argparse
import hashlib
import io
import json
import os
import struct
import warnings
import zlib

import numpy as np
from PIL import Image

# ---- byte-level builders ------------------------------------------------------------------------------------


def png_chunk(kind, data, crc=None):
    """A PNG chunk: length, type, data, CRC-32 of type + data (or the given wrong one)."""
    value = zlib.crc32(kind + data) if crc is None else crc
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", value & 0xFFFFFFFF)


def png_file(width, height, rows, color_type=0, bit_depth=8, extra_before_idat=(), idat_crc=None, tail=None):
    """A PNG of 8-bit gray (color type 0) rows given as bytes (filter byte included), one IDAT."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    data = zlib.compress(rows, 9)
    chunks = [png_chunk(b"IHDR", header)] + list(extra_before_idat)
    chunks.append(png_chunk(b"IDAT", data, crc=None if idat_crc is None else idat_crc))
    chunks.append(png_chunk(b"IEND", b"") if tail is None else tail)
    return b"\x89PNG\r\n\x1a\n" + b"".join(chunks)


def png_chunks(data):
    """(offset, type, length) of every chunk of a PNG."""
    offset, found = 8, []
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        found.append((offset, kind, length))
        offset += 12 + length
    return found


def jpeg_segments(data):
    """(offset, marker) of every marker before the entropy-coded data ends, in file order."""
    offset, found = 2, [(0, 0xD8)]
    while offset + 2 <= len(data):
        if data[offset] != 0xFF:
            raise ValueError(f"no marker at {offset}")
        marker = data[offset + 1]
        found.append((offset, marker))
        if marker == 0xD9:
            break
        length = struct.unpack(">H", data[offset + 2:offset + 4])[0]
        offset += 2 + length
        if marker == 0xDA:  # skip the entropy-coded data: up to the next marker that is not a stuffed 00 or an RST
            while offset + 1 < len(data):
                following = data[offset + 1]
                if data[offset] == 0xFF and following != 0x00 and not 0xD0 <= following <= 0xD7:
                    break
                offset += 1
    return found


def jpeg_frame_with_size(data, width, height):
    """The JPEG with its SOF dimensions replaced."""
    for offset, marker in jpeg_segments(data):
        if marker in (0xC0, 0xC1, 0xC2):
            patched = bytearray(data)
            patched[offset + 5:offset + 9] = struct.pack(">HH", height, width)
            return bytes(patched)
    raise ValueError("no SOF marker")


def repeated_last_scan(data, times):
    """A progressive JPEG with its last scan (SOS segment + entropy data) repeated `times` more times."""
    segments = jpeg_segments(data)
    scans = [offset for offset, marker in segments if marker == 0xDA]
    end = [offset for offset, marker in segments if marker == 0xD9][0]
    last = data[scans[-1]:end]
    return data[:end] + last * times + data[end:]


# ---- Pillow's verdict ---------------------------------------------------------------------------------------


def pillow_verdict(data):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            image = Image.open(io.BytesIO(data)).convert("RGB")
        except Exception as error:  # noqa: BLE001 - every exception is Pillow's verdict
            return {"pillow": "error", "pillow_says": f"{type(error).__name__}: {error}"}
    verdict = {"pillow": "ok", "size": list(image.size),
               "rgb_sha256": hashlib.sha256(np.asarray(image, dtype=np.uint8).tobytes()).hexdigest()}
    if caught:
        verdict["pillow_says"] = f"{caught[0].category.__name__}: {caught[0].message}"
    return verdict


# ---- the cases ----------------------------------------------------------------------------------------------


def cases(vision):
    def fixture(name):
        with open(os.path.join(vision, name), "rb") as f:
            return f.read()

    photo = fixture("photo-420.JPEG")          # baseline 4:2:0, 120×80
    progressive = fixture("progressive.JPEG")  # progressive, 90×120
    palette = fixture("palette.png")           # 8-bit palette PNG, 120×80
    photo_eoi = photo.rstrip(b"\xff\xd9")      # every scan's data, no EOI marker
    scan_start = [o for o, m in jpeg_segments(photo) if m == 0xDA][0]
    idat = [c for c in png_chunks(palette) if c[1] == b"IDAT"][0]

    def flipped(data, offset, count=4):
        damaged = bytearray(data)
        for index in range(offset, offset + count):
            damaged[index] ^= 0x5A
        return bytes(damaged)

    gray_rows = b"".join(b"\x00" + bytes([(x * 7 + y) % 256 for x in range(16)]) for y in range(12))
    ok_png = png_file(16, 12, gray_rows)
    one_column = b"\x00\x80" * 60000

    yield ("jpeg-truncated-in-scan.JPEG", photo[:len(photo) * 2 // 3],
           "photo-420.JPEG cut to its first two thirds, inside the entropy-coded data", {"says": "truncated"})
    yield ("jpeg-no-eoi.JPEG", photo_eoi,
           "photo-420.JPEG without its final EOI marker (FF D9): every scan's data is there, but libjpeg reads past it "
           "for the last blocks", {"says": "truncated"})
    yield ("progressive-no-eoi.JPEG", progressive[:-2],
           "progressive.JPEG without its final EOI marker", {"says": "truncated"})
    yield ("jpeg-cut-then-eoi.JPEG", photo[:len(photo) * 2 // 3] + b"\xff\xd9",
           "photo-420.JPEG cut to two thirds and closed with an EOI marker: libjpeg warns 'premature end of data "
           "segment' and fills the rest", {})
    yield ("jpeg-extraneous-bytes.JPEG", photo[:-2] + b"\x12\x34\x56" + b"\xff\xd9",
           "three bytes inserted before the EOI marker: libjpeg warns about extraneous bytes before marker 0xd9", {})
    yield ("jpeg-corrupt-entropy.JPEG", flipped(photo, scan_start + 200, 8),
           "eight bytes of photo-420.JPEG's entropy-coded data XORed with 0x5A (bad Huffman codes: warnings)", {})
    yield ("jpeg-trailing-garbage.JPEG", photo + b"garbage after the end of the image\n" * 4,
           "photo-420.JPEG followed by 140 bytes of text after EOI", {})
    yield ("jpeg-bad-marker.JPEG", photo[:scan_start] + b"\xff\x02" + photo[scan_start:],
           "a stray FF 02 marker inserted before the SOS marker", {"says": "Unsupported marker"})
    yield ("jpeg-header-only.JPEG", photo[:scan_start],
           "photo-420.JPEG cut just before its SOS marker: tables and frame header only", {"says": "truncated"})
    yield ("progressive-scans-100.JPEG", repeated_last_scan(progressive, 100 - 10),
           "progressive.JPEG (10 scans) with its last scan repeated to 100 scans in all: the scan limit itself", {})
    yield ("progressive-scans-101.JPEG", repeated_last_scan(progressive, 101 - 10),
           "progressive.JPEG with its last scan repeated to 101 scans in all", {
               "supermask": "error", "says": "more than 100 scans",
               "why": "a progressive JPEG's scans each cost a pass over the whole image; libjpeg-turbo's -maxscans "
                      "and TJPARAM_SCANLIMIT bound them, Pillow does not"})
    yield ("jpeg-60000x1.JPEG", jpeg_frame_with_size(photo, 60000, 1)[:scan_start + 40],
           "photo-420.JPEG with its frame header patched to 60000×1 pixels, cut inside the scan data "
           "(an aspect-ratio bomb: Resize(256) makes it 15,360,000×256)", {
               "supermask": "error", "says": "pixels after resizing", "stage": "preprocess",
               "why": "torchvision would allocate 11.8 GB for the resized image; supermask refuses it from the "
                      "header, before decoding"})
    yield ("jpeg-65500x65500.JPEG", jpeg_frame_with_size(photo, 65500, 65500)[:scan_start + 40],
           "photo-420.JPEG with its frame header patched to 65500×65500 pixels, cut inside the scan data", {
               "supermask": "error", "says": "decompression bomb"})
    yield ("png-ok.png", ok_png, "a valid 16×12 8-bit gray PNG written byte by byte", {})
    yield ("png-bad-idat-crc.png", png_file(16, 12, gray_rows, idat_crc=0x12345678),
           "png-ok.png with its IDAT CRC replaced by 0x12345678", {})
    yield ("png-bad-ihdr-crc.png", flipped(ok_png, 29, 1),
           "png-ok.png with one byte of the IHDR CRC changed", {"says": "IHDR: CRC error"})
    yield ("png-bad-ancillary-crc.png",
           png_file(16, 12, gray_rows, extra_before_idat=[png_chunk(b"tEXt", b"Comment\x00hello", crc=1)]),
           "png-ok.png with a tEXt chunk whose CRC is 1, before IDAT", {"says": "tEXt: CRC error"})
    yield ("png-bad-trailing-crc.png",
           png_file(16, 12, gray_rows, tail=png_chunk(b"tEXt", b"Comment\x00hello", crc=1) + png_chunk(b"IEND", b"")),
           "png-ok.png with a tEXt chunk whose CRC is 1, after IDAT", {})
    yield ("png-truncated-trailing-chunk.png",
           png_file(16, 12, gray_rows, tail=png_chunk(b"tEXt", b"Comment\x00hello")[:12]),
           "png-ok.png whose only chunk after IDAT is a tEXt chunk cut after 4 of its 13 data bytes", {
               "says": "truncated"})
    yield ("png-no-iend.png", png_file(16, 12, gray_rows, tail=b""), "png-ok.png without its IEND chunk", {})
    yield ("png-truncated-idat.png", palette[:idat[0] + 8 + idat[2] * 2 // 3],
           "palette.png cut two thirds into its IDAT data", {"says": "truncated"})
    yield ("png-corrupt-zlib.png", flipped(palette, idat[0] + 8 + idat[2] // 2, 6),
           "six bytes in the middle of palette.png's IDAT data XORed with 0x5A", {"says": "cannot decode PNG"})
    yield ("png-bad-adler.png", flipped(palette, idat[0] + 8 + idat[2] - 4, 4),
           "palette.png with the Adler-32 at the end of its zlib stream changed", {"says": "incorrect data check"})
    yield ("png-short-data.png", png_file(16, 24, gray_rows),
           "an IHDR of 16×24 over the 12 rows of png-ok.png", {})
    yield ("png-extra-data.png", png_file(16, 6, gray_rows),
           "an IHDR of 16×6 over the 12 rows of png-ok.png: more image data than the header needs", {})
    two_colours = [png_chunk(b"PLTE", bytes([200, 30, 40, 10, 220, 90]))]
    yield ("png-palette-beyond-plte.png", png_file(16, 12, gray_rows, color_type=3, extra_before_idat=two_colours),
           "png-ok.png's rows as palette indices 0…109 over a PLTE of 2 entries: Pillow's palettes are black beyond "
           "PLTE's entries", {})
    yield ("png-palette-short-data.png", png_file(16, 24, gray_rows[:17 * 5], color_type=3, extra_before_idat=two_colours),
           "an IHDR of 16×24 palette indices over a zlib stream of 5 rows: Pillow leaves the other rows at index 0", {})
    yield ("png-1x60000.png", png_file(1, 60000, one_column),
           "a complete 1×60000 8-bit gray PNG (an aspect-ratio bomb: Resize(256) makes it 256×15,360,000)", {
               "supermask": "error", "says": "pixels after resizing", "stage": "preprocess",
               "why": "torchvision would allocate 11.8 GB for the resized image; supermask refuses it from the "
                      "header, before decoding"})
    yield ("png-30000x30000.png", png_file(30000, 30000, b"\x00" * 30001 * 4)[:200],
           "an IHDR of 30000×30000 8-bit gray (900,000,000 pixels), the IDAT cut short", {
               "supermask": "error", "says": "decompression bomb"})


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default="Tests/Fixtures/hostile/images")
    parser.add_argument("--vision", default="Tests/Fixtures/vision")
    arguments = parser.parse_args()
    os.makedirs(arguments.out, exist_ok=True)
    manifest = []
    for name, data, description, ours in cases(arguments.vision):
        with open(os.path.join(arguments.out, name), "wb") as f:
            f.write(data)
        entry = {"file": name, "description": description, **pillow_verdict(data)}
        entry["supermask"] = ours.get("supermask", entry["pillow"])
        if entry["supermask"] == "error" and "says" not in ours:
            raise SystemExit(f"{name}: Pillow refuses it ({entry['pillow_says']}); say what supermask says")
        entry.update({key: value for key, value in ours.items() if key != "supermask"})
        entry.setdefault("stage", "decode")
        manifest.append(entry)
        print(f"{name:36} {len(data):7} bytes  Pillow: {entry['pillow']:5} {entry.get('pillow_says', '')[:90]}")
    with open(os.path.join(arguments.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
