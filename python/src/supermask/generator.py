"""The seeded weight generator of supermask (docs/generator.md), in numpy.

A second implementation of Sources/SupermaskFormat/WeightGenerator.swift: Philox4x32-10 keyed by the
seed, the layer index in the counter, Box-Muller with a logarithm and cosine built from +, -, *, / only,
so both produce the same float32 bits. python/tests/test_generator.py pins both to committed files.

    python3 -m supermask.generator --seed 7 --layer 2 --init kaiming-normal --shape 10 100 1 1 -o w.npy
"""
import argparse
import sys

import numpy as np

IDENTIFIER = "philox4x32-10/v1"

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)
_MASK32 = np.uint64(0xFFFFFFFF)


def philox4x32_10(c0, c1, c2, c3, k0, k1):
    """Philox4x32-10 (Salmon et al. 2011) on uint32 arrays (or scalars) of counters; key words k0, k1."""
    c0, c1, c2, c3 = (np.asarray(c, dtype=np.uint32) for c in (c0, c1, c2, c3))
    k0, k1 = np.uint32(k0), np.uint32(k1)
    with np.errstate(over="ignore"):
        for round_ in range(10):
            if round_ > 0:  # Random123 bumps the key before every round but the first
                k0 = np.uint32(k0 + _W0)
                k1 = np.uint32(k1 + _W1)
            p0 = _M0 * c0.astype(np.uint64)
            p1 = _M1 * c2.astype(np.uint64)
            hi0, lo0 = (p0 >> np.uint64(32)).astype(np.uint32), (p0 & _MASK32).astype(np.uint32)
            hi1, lo1 = (p1 >> np.uint64(32)).astype(np.uint32), (p1 & _MASK32).astype(np.uint32)
            c0, c1, c2, c3 = hi1 ^ c1 ^ k0, lo1, hi0 ^ c3 ^ k1, lo0
    return c0, c1, c2, c3


# docs/generator.md section 3: coefficients defined by the operations that make them.
_ATANH = [1.0 / (2 * j + 1) for j in range(12)]
_INVERSE_FACTORIALS = [1.0]
for _n in range(1, 26):
    _INVERSE_FACTORIALS.append(_INVERSE_FACTORIALS[-1] / _n)
_LN2 = np.frombuffer(np.uint64(0x3FE62E42FEFA39EF).tobytes(), dtype=np.float64)[0]
_HALF_PI = np.frombuffer(np.uint64(0x3FF921FB54442D18).tobytes(), dtype=np.float64)[0]
_SQRT2 = 1.4142135623730951


def logarithm(x):
    """ln x for positive normal float64 x, exactly as GeneratorMath.logarithm computes it."""
    x = np.asarray(x, dtype=np.float64)
    bits = x.view(np.uint64)
    exponent = ((bits >> np.uint64(52)) & np.uint64(0x7FF)).astype(np.int64) - 1023
    mantissa = ((bits & np.uint64(0x000FFFFFFFFFFFFF)) | np.uint64(0x3FF0000000000000)).view(np.float64)
    high = mantissa >= _SQRT2
    mantissa = np.where(high, mantissa * 0.5, mantissa)
    exponent = exponent + high.astype(np.int64)
    s = (mantissa - 1.0) / (mantissa + 1.0)
    s2 = s * s
    total = np.full_like(s, _ATANH[11])
    for j in range(10, -1, -1):
        total = total * s2 + _ATANH[j]
    return exponent.astype(np.float64) * _LN2 + 2.0 * s * total


def cosine_of_turns(u):
    """cos(2 pi u) for u in [0, 1) with 24 significant bits, as GeneratorMath.cosineOfTurns computes it."""
    u = np.asarray(u, dtype=np.float64)
    scaled = u * 4.0
    quadrant = scaled.astype(np.int64)
    theta = (scaled - quadrant.astype(np.float64)) * _HALF_PI
    y = -(theta * theta)
    cos_sum = np.full_like(theta, _INVERSE_FACTORIALS[24])
    sin_sum = np.full_like(theta, _INVERSE_FACTORIALS[25])
    for j in range(11, -1, -1):
        cos_sum = cos_sum * y + _INVERSE_FACTORIALS[2 * j]
        sin_sum = sin_sum * y + _INVERSE_FACTORIALS[2 * j + 1]
    sine = theta * sin_sum
    return np.select([quadrant == 0, quadrant == 1, quadrant == 2], [cos_sum, -sine, -cos_sum], sine)


def scale(fan_in):
    """sqrt(2 / fan_in) in float64: the standard deviation (Kaiming normal) or magnitude (signed constant)."""
    return float(np.sqrt(2.0 / fan_in))


def _words(blocks, layer, stream, seed):
    blocks = np.asarray(blocks, dtype=np.uint64)
    low = (blocks & _MASK32).astype(np.uint32)
    high = (blocks >> np.uint64(32)).astype(np.uint32)
    layer_words = np.full(blocks.shape, layer & 0xFFFFFFFF, dtype=np.uint32)
    stream_words = np.full(blocks.shape, stream, dtype=np.uint32)
    return philox4x32_10(low, high, layer_words, stream_words, seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF)


def kaiming_normal(seed, layer, count, fan_in):
    """Stream 0: weight i uses block i // 2 and words (x0, x1) or (x2, x3) for Box-Muller's cosine branch."""
    x0, x1, x2, x3 = _words(np.arange((count + 1) // 2), layer, 0, seed)
    first = np.stack([x0, x2], axis=1).reshape(-1)[:count]
    second = np.stack([x1, x3], axis=1).reshape(-1)[:count]
    step = 1.0 / 16777216.0
    u1 = ((first >> np.uint32(8)).astype(np.float64) + 1.0) * step
    u2 = (second >> np.uint32(8)).astype(np.float64) * step
    radius = np.sqrt(-2.0 * logarithm(u1))
    normal = radius * cosine_of_turns(u2)
    return (normal * scale(fan_in)).astype(np.float32)


def signed_constant(seed, layer, count, fan_in):
    """Stream 1: weight i uses word i % 4 of block i // 4; negative when its top bit is set."""
    words = np.stack(_words(np.arange((count + 3) // 4), layer, 1, seed), axis=1).reshape(-1)[:count]
    magnitude = np.float32(scale(fan_in))
    return np.where(words >> np.uint32(31) != 0, -magnitude, magnitude).astype(np.float32)


def weights(init, seed, layer, shape):
    """The weights of the convolution at position `layer` with `shape` (out, in, kh, kw), as float32."""
    count = int(np.prod(shape))
    fan_in = int(np.prod(shape[1:]))
    if init == "kaiming-normal":
        flat = kaiming_normal(seed, layer, count, fan_in)
    elif init == "signed-constant":
        flat = signed_constant(seed, layer, count, fan_in)
    else:
        raise ValueError(f"unknown init {init!r}; use kaiming-normal or signed-constant")
    return flat.reshape(shape)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Dump one layer of supermask's seeded weights (" + IDENTIFIER + ").")
    parser.add_argument("--seed", type=int, required=True, help="the 64-bit seed")
    parser.add_argument("--layer", type=int, required=True, help="the convolution's position in the architecture")
    parser.add_argument("--init", choices=["kaiming-normal", "signed-constant"], required=True)
    parser.add_argument("--shape", type=int, nargs=4, required=True, metavar=("OUT", "IN", "KH", "KW"))
    parser.add_argument("-o", "--output", required=True, help="the .npy file to write")
    args = parser.parse_args(argv)
    if not 0 <= args.seed < 2**64 or not 0 <= args.layer < 2**32:
        parser.error("seed must be in [0, 2^64) and layer in [0, 2^32)")
    np.save(args.output, weights(args.init, args.seed, args.layer, tuple(args.shape)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
