"""The three mask coders of docs/format.md §5: raw, Deflate and the enumerative range coder.

A mask is one bit per weight in PyTorch's flat order (out, in, kh, kw), 1 = kept; decoded masks are numpy
boolean arrays of that length.
"""
import zlib

import numpy as np

from .errors import ContainerError

RAW, DEFLATE, ENUMERATIVE = 0, 1, 2
CODER_NAMES = {RAW: "raw", DEFLATE: "deflate", ENUMERATIVE: "enumerative"}


def unpack(packed, count):
    """The first `count` bits of `packed`, least significant bit of each byte first."""
    bits = np.unpackbits(np.frombuffer(bytes(packed), dtype=np.uint8), bitorder="little")
    return bits[:count].astype(bool)


def _check_packed(packed, count, kept):
    if len(packed) != (count + 7) // 8:
        raise ContainerError(f"the mask holds {len(packed)} bytes, expected {(count + 7) // 8}")
    bits = np.unpackbits(np.frombuffer(bytes(packed), dtype=np.uint8), bitorder="little")
    if bits[count:].any():
        raise ContainerError("the mask has bits set past its last weight")
    mask = bits[:count].astype(bool)
    ones = int(np.count_nonzero(mask))
    if ones != kept:
        raise ContainerError(f"the mask keeps {ones} weights, the record says {kept}")
    return mask


def _inflate(coded, size):
    """zlib-inflate `coded` to exactly `size` bytes, never producing more (a Deflate bomb stops at `size` + 1)."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(bytes(coded), size + 1)
    except zlib.error as error:
        raise ContainerError(f"the Deflate-coded mask is corrupt ({error})") from None
    if len(out) != size or not inflater.eof:
        raise ContainerError(f"the Deflate-coded mask does not inflate to exactly {size} bytes")
    return out


def decode_enumerative(coded, count, kept):
    """The mask coded by the enumerative range coder (docs/format.md §5.1): P(1) = kept left / bits left."""
    data = bytes(coded)
    length = len(data)
    bits = bytearray(count)
    head = data[:4] + bytes(max(0, 4 - length))
    code = int.from_bytes(head, "big")
    position = 4
    rng = 0xFFFFFFFF
    ones = kept
    i = 0
    while i < count:
        left = count - i
        if ones == 0:
            break
        if ones == left:
            bits[i:] = b"\x01" * left
            break
        split = rng * ones // left
        if split < 1:
            split = 1
        elif split >= rng:
            split = rng - 1
        if code < split:
            bits[i] = 1
            rng = split
            ones -= 1
        else:
            code -= split
            rng -= split
        while rng < 0x1000000:
            rng = (rng << 8) & 0xFFFFFFFF
            code = ((code << 8) | (data[position] if position < length else 0)) & 0xFFFFFFFF
            position += 1
        i += 1
    return np.frombuffer(bytes(bits), dtype=np.uint8).astype(bool)


def decode_mask(coder, coded, count, kept):
    """The mask of `count` weights, `kept` of them set, stored by `coder`."""
    if coder == RAW:
        return _check_packed(coded, count, kept)
    if coder == DEFLATE:
        return _check_packed(_inflate(coded, (count + 7) // 8), count, kept)
    if coder == ENUMERATIVE:
        return decode_enumerative(coded, count, kept)
    raise ContainerError(f"unknown mask coder {coder}")
