#!/usr/bin/env python3
"""Writes two small seed-mode `.smask` containers for the smask fuzz target, following docs/format.md.

The committed MNIST containers regenerate 266,200 weights per execution, which makes a fuzz execution a hundred
times slower; these networks have a few hundred weights and between them use every layer kind, every input rule but
the exact one, both generator inits, the raw and Deflate mask coders, and affine batch norm.

    python3 Fuzzing/Seeds/make_seed_containers.py Fuzzing/Corpus/smask
"""

import struct
import sys
import zlib


def string(text):
    data = text.encode()
    return struct.pack("<I", len(data)) + data


def block(data):
    return struct.pack("<Q", len(data)) + data


def conv(name, inputs, outputs, kernel, stride=1, padding=0):
    return bytes([1]) + string(name) + struct.pack("<5I", inputs, outputs, kernel, stride, padding)


def norm(name, channels):
    return bytes([2]) + string(name) + struct.pack("<I", channels)


def layers(items):
    return struct.pack("<I", len(items)) + b"".join(items)


RELU, FLATTEN, GLOBAL_POOL = bytes([3]), bytes([7]), bytes([6])


def max_pool(kernel, stride, padding):
    return bytes([4]) + struct.pack("<3I", kernel, stride, padding)


def residual(body, shortcut):
    return bytes([8]) + layers(body) + layers(shortcut)


def architecture(name, shape, rule, minimum, classes, items):
    return string(name) + struct.pack("<4I", 3, *shape) + struct.pack("<BI", rule, minimum) + struct.pack("<I", classes) + layers(items)


def metadata(keep, seed, init, entries):
    payload = struct.pack("<Bd", 1, keep) + bytes([1]) + string("philox4x32-10/v1") + struct.pack("<Q", seed) + string(init)
    payload += struct.pack("<I", len(entries))
    for key, value in entries:
        payload += string(key) + bytes([2]) + string(value)
    return payload


def mask_bits(count, keep_every):
    """Every `keep_every`-th weight kept, packed least significant bit first."""
    packed = bytearray((count + 7) // 8)
    kept = 0
    for index in range(0, count, keep_every):
        packed[index // 8] |= 1 << (index % 8)
        kept += 1
    return bytes(packed), kept


def conv_record(name, count, coder=None, keep_every=2):
    """A seed-mode CONV payload; masked with `coder` (0 raw, 1 Deflate) or dense when None."""
    if coder is None:
        return string(name) + struct.pack("<QBQQ", count, 0, count, 0) + bytes([4]) + block(b"")
    packed, kept = mask_bits(count, keep_every)
    coded = packed if coder == 0 else zlib.compress(packed)
    return (string(name) + struct.pack("<QBQQ", count, 1, kept, 0) + bytes([coder]) + struct.pack("<Q", len(packed))
            + block(coded) + bytes([4]) + block(b""))


def norm_record(name, channels):
    mean = [0.1 * i for i in range(channels)]
    variance = [1.0 + 0.5 * i for i in range(channels)]
    scale = [1.0 - 0.1 * i for i in range(channels)]
    shift = [0.05 * i for i in range(channels)]
    floats = lambda values: struct.pack(f"<{channels}f", *values)
    return string(name) + struct.pack("<IB", channels, 1) + floats(mean) + floats(variance) + floats(scale) + floats(shift)


def container(sections):
    kinds = [b"ARCH", b"META"] + [b"CONV" if kind == "conv" else b"NORM" for kind, _ in sections[2:]] + [b"END!"]
    payloads = [payload for _, payload in sections] + [b""]
    body = b""
    for index, (kind, payload) in enumerate(zip(kinds, payloads)):
        head = kind + struct.pack("<IQ", index, len(payload)) + payload
        body += head + struct.pack("<I", zlib.crc32(head))
    length = 28 + len(body)
    header = b"\x89SMASK\r\n" + struct.pack("<HHIQ", 1, 0, len(kinds), length)
    return header + struct.pack("<I", zlib.crc32(header)) + body


def main(directory):
    # 16 inputs → 8 → 4 classes, reshaped from any input of 16 values; Kaiming-normal weights, a raw mask.
    fc = container([
        ("arch", architecture("tiny-fc", (1, 4, 4), 2, 0, 4, [FLATTEN, conv("fc1", 16, 8, 1), RELU, conv("fc2", 8, 4, 1)])),
        ("meta", metadata(0.5, 7, "kaiming-normal", [("arch", "tiny-fc")])),
        ("conv", conv_record("fc1", 128, coder=0)),
        ("conv", conv_record("fc2", 32)),
    ])
    # A residual network on inputs of any size, down to 1×1 (every window is padded enough): padded 3×3 convolutions,
    # affine batch norm, max pool, global pool; signed-constant weights, a Deflate-coded mask. One changed padding or
    # kernel makes some size the header allows impossible.
    residual_net = container([
        ("arch", architecture("tiny-residual", (3, 8, 8), 1, 1, 3, [
            conv("conv1", 3, 4, 3, padding=1), norm("bn1", 4), RELU, max_pool(3, 2, 1),
            residual([conv("block.conv", 4, 4, 3, padding=1), norm("block.bn", 4), RELU],
                     [conv("block.shortcut", 4, 4, 1)]),
            RELU, GLOBAL_POOL, conv("fc", 4, 3, 1)])),
        ("meta", metadata(0.5, 11, "signed-constant", [])),
        ("conv", conv_record("conv1", 108, coder=1)),
        ("conv", conv_record("block.conv", 144, coder=0, keep_every=3)),
        ("conv", conv_record("block.shortcut", 16)),
        ("conv", conv_record("fc", 12)),
        ("norm", norm_record("bn1", 4)),
        ("norm", norm_record("block.bn", 4)),
    ])
    for name, data in [("tiny-fc-seed.smask", fc), ("tiny-residual-seed.smask", residual_net)]:
        with open(f"{directory}/{name}", "wb") as handle:
            handle.write(data)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else ".")
