"""The mask coders of docs/format.md §5: raw, Deflate, the enumerative range coder and the initial-scores coder.

A mask is one bit per weight in PyTorch's flat order (out, in, kh, kw), 1 = kept; decoded masks are numpy
boolean arrays of that length.
"""
import zlib

import numpy as np

from .errors import ContainerError

RAW, DEFLATE, ENUMERATIVE, INITIAL_SCORES = 0, 1, 2, 3
CODER_NAMES = {RAW: "raw", DEFLATE: "deflate", ENUMERATIVE: "enumerative", INITIAL_SCORES: "initial-scores"}
MAXIMUM_LOG2_BINS, MAXIMUM_LOG2_CONTEXTS = 8, 14


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


def rank_bins(values, log2_count):
    """Each position's bin among 2^log2_count equal quantiles of |value| (docs/format.md §5.2): ⌊rank · B / n⌋, the
    rank ordering (|value| bit pattern, position), all in integers."""
    count = len(values)
    if log2_count == 0 or count == 0:
        return np.zeros(count, dtype=np.int64)
    return (rank_order(values) << log2_count) // count


COLUMN_FEATURE, ROW_FEATURE = 1, 2
HEADER_SIZE = 3


def initial_scores_settings(header):
    """(score log2 bins, weight log2 bins, feature flags) of a coder-3 block's header, checked as the Swift reader does."""
    score_log2, weight_log2, features = header
    if features & ~(COLUMN_FEATURE | ROW_FEATURE):
        raise ContainerError(f"the initial-scores mask has unknown feature flags {features}")
    contexts = score_log2 + weight_log2 + 2 * bin(features).count("1")
    if score_log2 > MAXIMUM_LOG2_BINS or weight_log2 > MAXIMUM_LOG2_BINS or contexts > MAXIMUM_LOG2_CONTEXTS:
        raise ContainerError(
            f"the initial-scores mask asks for 2^{score_log2} score bins and 2^{weight_log2} weight bins with features "
            f"{features}; at most 2^{MAXIMUM_LOG2_BINS} bins of each kind and 2^{MAXIMUM_LOG2_CONTEXTS} contexts")
    return score_log2, weight_log2, features


def rank_order(values):
    """Each position's rank of |value|: order by (|value| bit pattern, position)."""
    magnitudes = np.asarray(values, dtype=np.float32).view(np.uint32) & np.uint32(0x7FFFFFFF)
    order = np.argsort(magnitudes, kind="stable")  # stable: equal magnitudes stay in position order
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.arange(len(values), dtype=np.int64)
    return ranks


def decode_initial_scores(coded, count, kept, scores, weights, row_length):
    """The mask coded by coder 3 (docs/format.md §5.2): Krichevsky–Trofimov counts per context driving §5.1's range
    decoder; the context is the quantile of the layer's initial |score| (and |weight|), and optionally how the
    weight's score rank compares with the highest dropped and lowest kept ranks so far in its column and its row."""
    data = bytes(coded)
    if len(data) < HEADER_SIZE:
        raise ContainerError(f"the initial-scores mask has {len(data)} bytes, fewer than its {HEADER_SIZE}-byte header")
    score_log2, weight_log2, features = initial_scores_settings(data[:HEADER_SIZE])
    if row_length <= 0 or count % row_length:
        raise ContainerError(f"the layer's rows of {row_length} do not divide its {count} weights")
    ranks = rank_order(scores) if score_log2 or features else np.zeros(count, dtype=np.int64)
    contexts = (ranks << score_log2) // max(count, 1) if score_log2 else np.zeros(count, dtype=np.int64)
    if weight_log2:
        contexts = (contexts << weight_log2) | rank_bins(weights, weight_log2)
    contexts, ranks = contexts.tolist(), ranks.tolist()
    use_column, use_row = bool(features & COLUMN_FEATURE), bool(features & ROW_FEATURE)
    column_dropped = [-1] * (row_length if use_column else 0)
    column_kept = [count] * (row_length if use_column else 0)
    row_dropped, row_kept = -1, count
    size = 1 << (score_log2 + weight_log2 + 2 * (use_column + use_row))
    zeros, ones = [0] * size, [0] * size
    data = data[HEADER_SIZE:]
    length = len(data)
    bits = bytearray(count)
    code = int.from_bytes(data[:4] + bytes(max(0, 4 - length)), "big")
    position = 4
    rng = 0xFFFFFFFF
    left_ones = kept
    column = 0
    for i in range(count):
        if left_ones == 0:
            break
        if left_ones == count - i:
            bits[i:] = b"\x01" * (count - i)
            break
        context = contexts[i]
        rank = ranks[i]
        if use_column:
            context = context << 2 | (2 if rank > column_dropped[column] else 0) | (1 if rank < column_kept[column] else 0)
        if use_row:
            if column == 0:
                row_dropped, row_kept = -1, count
            context = context << 2 | (2 if rank > row_dropped else 0) | (1 if rank < row_kept else 0)
        split = rng * (2 * ones[context] + 1) // (2 * (zeros[context] + ones[context]) + 2)
        if split < 1:
            split = 1
        elif split >= rng:
            split = rng - 1
        if code < split:
            bits[i] = 1
            rng = split
            ones[context] += 1
            left_ones -= 1
            if use_column and rank < column_kept[column]:
                column_kept[column] = rank
            if rank < row_kept:
                row_kept = rank
        else:
            code -= split
            rng -= split
            zeros[context] += 1
            if use_column and rank > column_dropped[column]:
                column_dropped[column] = rank
            if rank > row_dropped:
                row_dropped = rank
        while rng < 0x1000000:
            rng = (rng << 8) & 0xFFFFFFFF
            code = ((code << 8) | (data[position] if position < length else 0)) & 0xFFFFFFFF
            position += 1
        column += 1
        if column == row_length:
            column = 0
    return np.frombuffer(bytes(bits), dtype=np.uint8).astype(bool)


def decode_mask(coder, coded, count, kept):
    """The mask of `count` weights, `kept` of them set, stored by `coder` (not the initial-scores coder, which needs
    the layer's regenerated scores: `decode_initial_scores`)."""
    if coder == RAW:
        return _check_packed(coded, count, kept)
    if coder == DEFLATE:
        return _check_packed(_inflate(coded, (count + 7) // 8), count, kept)
    if coder == ENUMERATIVE:
        return decode_enumerative(coded, count, kept)
    if coder == INITIAL_SCORES:
        raise ContainerError("the initial-scores coder needs the layer's regenerated initial scores")
    raise ContainerError(f"unknown mask coder {coder}")
