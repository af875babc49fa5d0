"""PyTorch's CPU generator as hidden-networks' `get_model` uses it, in numpy: the torch-seed weight mode.

A second implementation of Sources/SupermaskTorchInit (docs/torch-init.md): MT19937 seeded by the low 32 bits of
the torch seed (numpy's legacy `RandomState` is the same engine, seeded the same way), `uniform_` with one or two
roundings, `normal_`'s blocks of 16 with avx_mathfun's log and sincos as GCC compiles them (every fused
multiply-add emulated exactly) or glibc's `logf`/`sinf`/`cosf` (through ctypes, on glibc only), the builder's
inits, and the draw order: per SubnetConv n outputs for w0, n for the scores, then the init's own draws.
python/tests/test_torch_init.py pins it to the digests of tensors torch itself made.
"""
import ctypes
import ctypes.util
import math
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from .errors import ContainerError

# profile -> (uniform rounded once (fma), normal's math, uniform maps a value equal to `to` back to `from`)
PROFILES = {
    "torch2-avx2": (True, "avx_mathfun", True),
    "torch2-default": (False, "glibc", True),
    "torch13-avx2": (False, "avx_mathfun", False),
}
INITS = ("signed-constant", "kaiming-normal", "unsigned-constant", "kaiming-uniform", "xavier-normal",
         "xavier-constant", "standard")
NORMAL_INITS = ("kaiming-normal", "xavier-normal")
_F32, _F64, _U32 = np.float32, np.float64, np.uint32
_UNIT = _F32(1.0 / 16777216.0)


@dataclass
class TorchRecord:
    """The torch generator of a container (docs/format.md §3): profile, seed, init, scale_fan and build order."""
    profile: str
    seed: int
    init: str
    scale_fan_prune_rate: float
    construction_order: List[int]

    @property
    def metadata_entries(self):
        return [("torch_seed", str(self.seed)), ("torch_profile", self.profile), ("torch_init", self.init)]


# MARK: float32 arithmetic with single roundings

def _f32(values):
    return np.asarray(values, dtype=_F32)


def fma32(a, b, c):
    """fma(a, b, c) rounded once to float32, elementwise. a·b of two float32 is exact in float64; the sum's rounding
    error is recovered exactly (TwoSum), and decides only when the float64 sum sits on a float32 midpoint."""
    product = _f32(a).astype(_F64) * _f32(b).astype(_F64)
    addend = _f32(c).astype(_F64)
    total = product + addend
    virtual = total - product
    error = (product - (total - virtual)) + (addend - virtual)
    rounded = total.astype(_F32)
    toward = np.nextafter(rounded, np.where(total > rounded.astype(_F64), _F32(np.inf), _F32(-np.inf)))
    midpoint = (rounded.astype(_F64) + toward.astype(_F64)) / 2
    on_midpoint = (total != rounded.astype(_F64)) & (total == midpoint) & (error != 0)
    # On a midpoint the exact value lies on the side of `error`: above takes the larger neighbour, below the smaller.
    larger, smaller = np.maximum(rounded, toward), np.minimum(rounded, toward)
    fixed = np.where(error > 0, larger, smaller)
    return np.where(on_midpoint, fixed, rounded).astype(_F32)


def _bits(values):
    return _f32(values).view(_U32)


def _from_bits(bits):
    return np.asarray(bits, dtype=_U32).view(_F32)


# MARK: the engine

class TorchGenerator:
    """torch's CPU MT19937 from `torch.manual_seed(seed)`: only the low 32 bits of the seed reach the engine."""

    def __init__(self, seed):
        self._state = np.random.RandomState(seed & 0xFFFFFFFF)

    def outputs(self, count):
        """The next `count` 32-bit outputs (numpy's full-range uint32 draw is one raw output per value)."""
        return self._state.randint(0, 2**32, size=count, dtype=np.uint32)


def uniform(raw, low, high, profile):
    """`uniform_(low, high)` of the outputs `raw` (low 24 bits of each) under `profile`."""
    fused, _, folds = PROFILES[profile]
    x = (raw & _U32(0xFFFFFF)).astype(_F32) * _UNIT
    start, end = _F32(low), _F32(high)
    width = _F32(end - start)
    values = fma32(x, width, start) if fused else (x * width + start).astype(_F32)
    if folds:
        values = np.where(values == end, start, values).astype(_F32)
    return values


# MARK: normal_

_LOG_P = [0x3D9021BB, 0xBDEBD1B8, 0x3DEF251A, 0xBDFE5D4F, 0x3E11E9BF, 0xBE2AAE50, 0x3E4CCEAC, 0xBE7FFFFC, 0x3EAAAAAA]
_SQRT_HALF, _LOG_Q1, _LOG_Q2 = 0x3F3504F3, 0xB95E8083, 0x3F318000
_FOUR_OVER_PI, _MINUS_DP = 0x3FA2F983, (0xBF490000, 0xB97DA000, 0xB3222169)
_COSINE, _SINE = (0x37CCF5CE, 0xBAB6061A, 0x3D2AAAA5), (0xB94CA1F9, 0x3C08839E, 0xBE2AAAA3)
_TWO_PI_F32 = 0x40C90FDB


def _constant(bits):
    return _from_bits(np.array(bits, dtype=_U32))


def avx_log(x):
    """avx_mathfun's `log256_ps` for x in (0, 1], as GCC compiles it with FMA contraction."""
    bits = _bits(x)
    e = ((bits >> _U32(23)).astype(np.int32) - 127).astype(_F32) + _F32(1)
    m = _from_bits((bits & _U32(0x807FFFFF)) | _U32(0x3F000000))
    small = m < _constant(_SQRT_HALF)
    e = np.where(small, e - _F32(1), e).astype(_F32)
    t = np.where(small, m, _F32(0)).astype(_F32)
    x1 = ((m - _F32(1)) + t).astype(_F32)
    z = (x1 * x1).astype(_F32)
    y = np.broadcast_to(_constant(_LOG_P[0]), x1.shape)
    for coefficient in _LOG_P[1:]:
        y = fma32(y, x1, _constant(coefficient))
    y = (y * x1).astype(_F32)
    y = fma32(y, z, (e * _constant(_LOG_Q1)).astype(_F32))
    y = (y - z * _F32(0.5)).astype(_F32)
    return fma32(e, _constant(_LOG_Q2), (x1 + y).astype(_F32))


def avx_sincos(angle):
    """avx_mathfun's `sincos256_ps` for angles ≥ 0: (sin, cos)."""
    angle = _f32(angle)
    j = np.trunc((angle * _constant(_FOUR_OVER_PI)).astype(_F32)).astype(np.int32)
    j = (j + 1) & ~np.int32(1)
    y = j.astype(_F32)
    x = angle
    for dp in _MINUS_DP:
        x = fma32(y, _constant(dp), x)
    sin_sign = ((j & 4).astype(_U32) << _U32(29))
    cos_sign = ((~(j - 2) & 4).astype(_U32) << _U32(29))
    use_sine = (j & 2) == 0
    z = (x * x).astype(_F32)
    cosine = fma32(_constant(_COSINE[0]), z, _constant(_COSINE[1]))
    cosine = fma32(cosine, z, _constant(_COSINE[2]))
    cosine = (cosine * z).astype(_F32)
    cosine = fma32(cosine, z, -(z * _F32(0.5)).astype(_F32))
    cosine = (cosine + _F32(1)).astype(_F32)
    sine = fma32(_constant(_SINE[0]), z, _constant(_SINE[1]))
    sine = fma32(sine, z, _constant(_SINE[2]))
    sine = (sine * z).astype(_F32)
    sine = fma32(sine, x, x)
    # The header selects by and/andnot and adds the halves, which turns −0 into +0.
    sin_value = np.where(use_sine, _F32(0) + sine, _F32(0) + cosine).astype(_F32)
    cos_value = np.where(use_sine, cosine + _F32(0), sine + _F32(0)).astype(_F32)
    return _from_bits(_bits(sin_value) ^ sin_sign), _from_bits(_bits(cos_value) ^ cos_sign)


_LIBM = None


def _glibc_math():
    """glibc's logf, sinf and cosf (the torch2-default profile's), or None off glibc."""
    global _LIBM
    if _LIBM is None:
        _LIBM = False
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c"))
            libc.gnu_get_libc_version  # noqa: B018  (only glibc has it)
            libm = ctypes.CDLL(ctypes.util.find_library("m"))
            functions = []
            for name in ("logf", "sinf", "cosf"):
                function = getattr(libm, name)
                function.restype, function.argtypes = ctypes.c_float, [ctypes.c_float]
                functions.append(function)
            _LIBM = tuple(functions)
        except (OSError, AttributeError, TypeError):
            _LIBM = False
    return _LIBM or None


def profile_available(profile):
    """Whether this platform reproduces `profile` (torch2-default's normal needs glibc's own functions)."""
    return PROFILES[profile][1] != "glibc" or _glibc_math() is not None


def _box_muller(u1, u2, math_kind):
    """(r·cos θ, r·sin θ), each rounded to float32, for r = √(−2 ln u1), θ = 2π·u2."""
    if math_kind == "avx_mathfun":
        radius = np.sqrt((_F32(-2) * avx_log(u1)).astype(_F32))
        sine, cosine = avx_sincos((_constant(_TWO_PI_F32) * u2).astype(_F32))
    else:
        logf, sinf, cosf = _glibc_math()
        logs = np.array([logf(float(value)) for value in u1], dtype=_F32)
        radius = np.sqrt((_F32(-2) * logs).astype(_F32))
        angles = (6.283185307179586 * u2.astype(_F64)).astype(_F32)
        sine = np.array([sinf(float(value)) for value in angles], dtype=_F32)
        cosine = np.array([cosf(float(value)) for value in angles], dtype=_F32)
    return (radius * cosine).astype(_F32), (radius * sine).astype(_F32)


def _transform(values, scale, math_kind):
    """Box–Muller on consecutive blocks of 16 uniforms, j paired with j + 8; then · scale + 0 (mean 0)."""
    blocks = values.reshape(-1, 16)
    u1 = (_F32(1) - blocks[:, :8]).astype(_F32).ravel()
    u2 = blocks[:, 8:].ravel()
    cosine, sine = _box_muller(u1, u2, math_kind)
    out = np.empty_like(blocks)
    out[:, :8] = ((cosine * scale).astype(_F32) + _F32(0)).reshape(-1, 8)
    out[:, 8:] = ((sine * scale).astype(_F32) + _F32(0)).reshape(-1, 8)
    return out.ravel()


def normal(raw, count, deviation, profile):
    """`normal_(0, deviation)` of `count` ≥ 16 elements from its `count` (+ 16 when count % 16) outputs `raw`."""
    math_kind = PROFILES[profile][1]
    scale = _F32(deviation)
    uniforms = (raw[:count] & _U32(0xFFFFFF)).astype(_F32) * _UNIT
    full = count - count % 16
    values = np.empty(count, dtype=_F32)
    values[:full] = _transform(uniforms[:full], scale, math_kind)
    if count % 16:
        # torch recomputes the last 16 values from 16 new outputs (overwriting transformed ones).
        values[full:] = uniforms[full:]
        tail = (raw[count:count + 16] & _U32(0xFFFFFF)).astype(_F32) * _UNIT
        values[count - 16:] = _transform(tail, scale, math_kind)
    return values


def normal_draws(count):
    return count + (16 if count % 16 else 0)


# MARK: the builder's inits

def default_uniform_bound(fan_in):
    """kaiming_uniform_(a=√5): √3 · √(2 / (1 + a²)) / √fan_in, in float64 as Python computes it."""
    a = math.sqrt(5.0)
    return math.sqrt(3.0) * (math.sqrt(2.0 / (1 + a * a)) / math.sqrt(fan_in))


def relu_deviation(fan, scale_fan_prune_rate=0.0):
    scaled = float(fan) * (1 - scale_fan_prune_rate) if scale_fan_prune_rate else float(fan)
    return math.sqrt(2.0) / math.sqrt(scaled)


def _deviation(record, convolution):
    if record.init in ("signed-constant", "unsigned-constant", "kaiming-normal"):
        return relu_deviation(convolution.fan_in, record.scale_fan_prune_rate)
    if record.init in ("kaiming-uniform", "standard"):
        return relu_deviation(convolution.fan_in)
    fan_out = convolution.out_channels * convolution.kernel * convolution.kernel
    return math.sqrt(2.0 / (convolution.fan_in + fan_out))


def init_draws(init, count):
    if init in NORMAL_INITS:
        return normal_draws(count)
    return count if init in ("kaiming-uniform", "standard") else 0


def _signs_times(raw, magnitude):
    """w0.sign() · σ from the outputs alone: w0 ≥ 0 exactly when k ≥ 2^23, and w0 = 0 when k = 2^23 (then +0)."""
    k = raw & _U32(0xFFFFFF)
    positive, negative = _F32(magnitude), _F32(-_F32(magnitude))
    return np.where(k > 0x800000, positive, np.where(k < 0x800000, negative, _F32(0))).astype(_F32)


def check_record(record, convolutions):
    """Refuses what the generator cannot draw: an unknown profile or init, a profile this platform lacks, an order
    that is no permutation, a layer of fewer than 16 weights under a normal init (torch's unreproduced scalar path)."""
    if record.profile not in PROFILES:
        raise ContainerError(f"unknown torch profile '{record.profile}'; this reader knows {', '.join(PROFILES)}")
    if record.init not in INITS:
        raise ContainerError(f"unknown torch init '{record.init}'")
    if not profile_available(record.profile):
        raise ContainerError(f"profile {record.profile} needs glibc's logf/sinf/cosf, which this platform does not have")
    if not 0 <= record.scale_fan_prune_rate < 1:
        raise ContainerError(f"scale_fan prune rate {record.scale_fan_prune_rate} is outside [0, 1)")
    if sorted(record.construction_order) != list(range(len(convolutions))):
        raise ContainerError(f"the construction order is not a permutation of the {len(convolutions)} convolutions")
    if record.init in NORMAL_INITS:
        for convolution in convolutions:
            if convolution.weight_count < 16:
                raise ContainerError(
                    f"'{convolution.name}' has {convolution.weight_count} weights; torch draws normal_ for fewer than "
                    "16 through a scalar path this reader does not reproduce")


def regenerate(record, convolutions, want_weights: Optional[set] = None, want_scores: Optional[set] = None):
    """{state-dict index: (weights or None, initial scores or None)} for the indices asked for, flat float32 arrays,
    drawing the whole stream once in construction order."""
    want_weights, want_scores = want_weights or set(), want_scores or set()
    generator = TorchGenerator(record.seed)
    result = {}
    for index in record.construction_order:
        convolution = convolutions[index]
        n = convolution.weight_count
        first = generator.outputs(n)
        score_raw = generator.outputs(n)
        extra = generator.outputs(init_draws(record.init, n))
        deviation = _deviation(record, convolution)
        weights = scores = None
        if index in want_scores:
            bound = default_uniform_bound(convolution.fan_in)
            scores = uniform(score_raw, -bound, bound, record.profile)
        if index in want_weights:
            if record.init in ("signed-constant", "xavier-constant"):
                weights = _signs_times(first, deviation)
            elif record.init == "unsigned-constant":
                weights = np.full(n, _F32(deviation), dtype=_F32)
            elif record.init in NORMAL_INITS:
                weights = normal(extra, n, deviation, record.profile)
            else:
                bound = (default_uniform_bound(convolution.fan_in) if record.init == "standard"
                         else math.sqrt(3.0) * (math.sqrt(2.0) / math.sqrt(convolution.fan_in)))
                weights = uniform(extra, -bound, bound, record.profile)
        if weights is not None or scores is not None:
            result[index] = (weights, scores)
    return result
