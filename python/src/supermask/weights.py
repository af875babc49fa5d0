"""The weight modes of docs/format.md §6: how a container stores one convolution's weights."""
import numpy as np

from ._bytes import ByteReader
from .errors import ContainerError

FP32, FP16, BF16, SIGNED, SEED, TORCH_SEED = 0, 1, 2, 3, 4, 5
MODE_NAMES = {FP32: "fp32", FP16: "fp16", BF16: "bf16", SIGNED: "signed", SEED: "seed", TORCH_SEED: "torch-seed"}
LOSSLESS = {FP32, SIGNED, SEED, TORCH_SEED}


def decode_kept(block, mode, count):
    """The `count` kept weights stored in `block` under `mode` (any mode but seed and torch-seed), as float32, in flat
    order."""
    data = bytes(block)
    if mode == FP32:
        if len(data) != 4 * count:
            raise ContainerError(f"fp32 weights take {len(data)} bytes, expected {4 * count} for {count} kept weights")
        values = np.frombuffer(data, dtype="<f4").astype(np.float32)
    elif mode in (FP16, BF16):
        if len(data) != 2 * count:
            raise ContainerError(f"{MODE_NAMES[mode]} weights take {len(data)} bytes, expected {2 * count} for {count} kept weights")
        halves = np.frombuffer(data, dtype="<u2")
        if mode == FP16:
            values = halves.view("<f2").astype(np.float32)
        else:
            values = (halves.astype(np.uint32) << np.uint32(16)).view(np.float32)
    elif mode == SIGNED:
        values = _decode_signed(data, count)
    else:
        raise ContainerError(f"unknown weight mode {mode}")
    if not np.isfinite(values).all():
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise ContainerError(f"kept weight {bad} is {values[bad]}; weights must be finite")
    return values


def _decode_signed(data, count):
    reader = ByteReader(data)
    magnitude = np.float32(reader.f32("the layer's constant"))
    zero_count = reader.u32("the zero count")
    if zero_count > count or zero_count > reader.remaining // 4:
        raise ContainerError(f"zero count {zero_count} is impossible for {count} kept weights in {len(data)} bytes")
    zeros = np.frombuffer(reader.take(4 * zero_count, "the zero positions"), dtype="<u4").astype(np.int64)
    if zero_count and (zeros[-1] >= count or (zero_count > 1 and not (np.diff(zeros) > 0).all())):
        raise ContainerError(f"zero positions are out of order or past {count}")
    sign_bytes = (count + 7) // 8
    if reader.remaining != sign_bytes:
        raise ContainerError(f"signs take {reader.remaining} bytes, expected {sign_bytes} for {count} kept weights")
    negative = np.unpackbits(np.frombuffer(reader.take(sign_bytes, "the signs"), dtype=np.uint8), bitorder="little")[:count]
    values = np.full(count, magnitude, dtype=np.float32)
    values[zeros] = np.float32(0)
    return np.where(negative.astype(bool), -values, values).astype(np.float32)


def scatter(kept_values, mask, count):
    """The layer's `count` weights: `kept_values` at the mask's positions (all when `mask` is None), 0 elsewhere."""
    if mask is None:
        return kept_values
    weights = np.zeros(count, dtype=np.float32)
    weights[mask] = kept_values
    return weights
