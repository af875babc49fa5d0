"""Reading a `.smask` container (docs/format.md) into a small object model.

The reader checks what the Swift reader checks, in the same order: magic, header CRC, version, length,
section count; per section its length against the bytes left, its CRC, its index and its kind; every record
against the architecture header. No length from the file is used before it is checked.
"""
import os
import stat
import zlib
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from . import generator, torch_init
from ._bytes import ByteReader
from .architecture import Architecture, BatchNorm, Convolution, decode_architecture
from .errors import ContainerError, escaped
from .masks import CODER_NAMES, INITIAL_SCORES, decode_initial_scores, decode_mask
from .torch_init import TorchRecord
from .weights import MODE_NAMES, SEED, TORCH_SEED, decode_kept, scatter

MAGIC = b"\x89SMASK\r\n"
MAJOR_VERSION = 1
HEADER_SIZE = 28
SECTION_HEADER_SIZE = 16
# 2^30 weights (docs/format.md §4) as fp32 with a margin for masks and batch norms.
MAXIMUM_FILE_BYTES = 5 << 30
KINDS = {b"ARCH": "architecture", b"META": "metadata", b"CONV": "convolution", b"NORM": "batch norm", b"END!": "end"}


@dataclass
class Generator:
    """The seeded generator of docs/generator.md that seed-mode layers are regenerated with."""
    identifier: str
    seed: int
    init: str


@dataclass
class Layer:
    """One convolution as the container stores it."""
    convolution: Convolution
    weight: np.ndarray
    """float32, shape (out, in, kh, kw); dropped weights are 0 unless the mode regenerates them (seed, torch-seed)."""
    mask: Optional[np.ndarray]
    """bool, same shape, True = kept; None for a dense layer."""
    weight_mode: str
    mask_coder: Optional[str]
    ties_at_threshold: int
    coded_mask_bytes: int

    @property
    def name(self) -> str:
        return self.convolution.name

    @property
    def kept_count(self) -> int:
        return int(self.mask.sum()) if self.mask is not None else self.weight.size


@dataclass
class Norm:
    """One batch norm's running statistics and, when affine, its scale (γ) and shift (β)."""
    batch_norm: BatchNorm
    running_mean: np.ndarray
    running_var: np.ndarray
    weight: Optional[np.ndarray] = None
    bias: Optional[np.ndarray] = None

    @property
    def name(self) -> str:
        return self.batch_norm.name


@dataclass
class Container:
    """A decoded `.smask` file: architecture, keep fraction, generator, metadata, layers and batch norms."""
    architecture: Architecture
    keep: Optional[float]
    generator: Optional[Generator]
    metadata: List[Tuple[str, object]] = field(default_factory=list)
    layers: List[Layer] = field(default_factory=list)
    norms: List[Norm] = field(default_factory=list)
    file_bytes: int = 0
    torch: Optional[TorchRecord] = None
    """PyTorch's generator that torch-seed layers are regenerated with (docs/torch-init.md), if the file names one."""

    @property
    def weight_modes(self) -> Dict[str, str]:
        return {layer.name: layer.weight_mode for layer in self.layers}


def _crc(data):
    return zlib.crc32(bytes(data)) & 0xFFFFFFFF


def _header(data):
    if data[:8] != MAGIC:
        raise ContainerError("not a .smask container (wrong magic number)")
    if len(data) < HEADER_SIZE:
        raise ContainerError(f"truncated: {len(data)} bytes, shorter than the {HEADER_SIZE}-byte header")
    reader = ByteReader(data, 8, HEADER_SIZE)
    major, minor = reader.u16("the header"), reader.u16("the header")
    sections, length, stored = reader.u32("the header"), reader.u64("the header"), reader.u32("the header")
    computed = _crc(data[:HEADER_SIZE - 4])
    if stored != computed:
        raise ContainerError(f"header: CRC-32 mismatch (stored 0x{stored:08x}, computed 0x{computed:08x}); the file is corrupt")
    if major != MAJOR_VERSION:
        raise ContainerError(f"container version {major}.{minor} is not supported; this reader reads version {MAJOR_VERSION}.x")
    if length != len(data):
        problem = "truncated" if length > len(data) else "has trailing bytes"
        raise ContainerError(f"{problem}: the header says {length} bytes, the file has {len(data)}")
    if sections < 3 or sections > len(data) // SECTION_HEADER_SIZE:
        raise ContainerError(f"header: implausible section count {sections}")
    return sections


def _section(reader, index):
    start = reader.position
    kind = bytes(reader.take(4, "the section header"))
    stored_index = reader.u32("the section header")
    payload = reader.block("the payload")
    covered = reader.position - start
    stored = reader.u32("the section's CRC-32")
    computed = _crc(reader._data[start:start + covered])
    if stored != computed:
        raise ContainerError(f"CRC-32 mismatch (stored 0x{stored:08x}, computed 0x{computed:08x}); the file is corrupt")
    if stored_index != index:
        raise ContainerError(f"the section says it is number {stored_index}")
    if kind not in KINDS:
        raise ContainerError(f"unknown section kind 0x{int.from_bytes(kind, 'little'):08x}")
    return KINDS[kind], payload


def _torch_record(reader, convolutions):
    """The torch record after generator flag 2 (docs/format.md §3), checked against the architecture."""
    profile = reader.string("the torch profile")
    seed = reader.u64("the torch seed")
    init = reader.string("the torch init")
    prune_rate = reader.f64("the scale_fan prune rate")
    count = reader.u32("the construction order's length")
    if count != len(convolutions):
        raise ContainerError(f"the construction order lists {count} convolutions; the architecture has {len(convolutions)}")
    order = [reader.u32("the construction order") for _ in range(count)]
    record = TorchRecord(escaped(profile), seed, escaped(init), prune_rate, order)
    if not 0 <= prune_rate < 1:  # also refuses a NaN
        raise ContainerError(f"scale_fan prune rate {prune_rate} is outside [0, 1)")
    torch_init.check_record(record, convolutions)
    return record


def _metadata(payload, convolutions):
    reader = ByteReader(payload)
    has_keep, keep = reader.u8("the keep flag"), reader.f64("the keep fraction")
    if has_keep not in (0, 1):
        raise ContainerError(f"keep flag {has_keep} is not 0 or 1")
    if has_keep and not (0 < keep <= 1):
        raise ContainerError(f"keep fraction {keep} is outside (0, 1]")
    has_generator = reader.u8("the generator flag")
    seeded = torch = None
    if has_generator == 2:
        torch = _torch_record(reader, convolutions)
    elif has_generator == 1:
        identifier = reader.string("the generator")
        if identifier != generator.IDENTIFIER:
            raise ContainerError(f"generator '{escaped(identifier)}' is unknown; this reader regenerates {generator.IDENTIFIER}")
        seed = reader.u64("the seed")
        init = reader.string("the init")
        if init not in ("kaiming-normal", "signed-constant"):
            raise ContainerError(f"unknown init '{escaped(init)}'")
        seeded = Generator(identifier, seed, init)
    elif has_generator == 2:
        # torch-seed weights (docs/torch-init.md) would need PyTorch's generator and math reproduced in numpy.
        raise ContainerError("the weights are stored as a torch seed (generator flag 2), which this reader does not "
                             "regenerate; export the model with --weights fp32 or signed for it")
    elif has_generator != 0:
        raise ContainerError(f"generator flag {has_generator} is not 0, 1 or 2")
    count = reader.u32("the entry count")
    if count > reader.remaining // 6:
        raise ContainerError(f"entry count {count} exceeds what {reader.remaining} bytes can hold")
    entries = []
    for _ in range(count):
        key = reader.string("an entry name")
        kind = reader.u8(f"the type of '{escaped(key)}'")
        if kind == 0:
            entries.append((key, reader.i64(f"'{escaped(key)}'")))
        elif kind == 1:
            entries.append((key, reader.f64(f"'{escaped(key)}'")))
        elif kind == 2:
            entries.append((key, reader.string(f"'{escaped(key)}'")))
        else:
            raise ContainerError(f"entry '{escaped(key)}' has unknown type {kind}")
    reader.expect_end("the metadata")
    return (keep if has_keep else None), seeded, torch, entries


def _convolution(payload, convolution, index, seeded, torch):
    reader = ByteReader(payload)
    name = reader.string("the layer name")
    n = reader.u64("the weight count")
    if name != convolution.name or n != convolution.weight_count:
        raise ContainerError(
            f"the record is '{escaped(name)}' with {n} weights but the architecture header has "
            f"'{escaped(convolution.name)}' with {convolution.weight_count}")
    masked = reader.u8("the mask flag")
    if masked > 1:
        raise ContainerError(f"mask flag {masked} is not 0 or 1")
    kept = reader.u64("the kept count")
    if kept > n or (not masked and kept != n):
        raise ContainerError(f"kept count {kept} is impossible for {n} weights")
    ties = reader.u64("the tie count")
    if ties > n:
        raise ContainerError(f"tie count {ties} exceeds the {n} weights")
    mask, coder, coded_bytes, pending = None, None, 0, None
    if masked:
        coder = reader.u8("the mask coder")
        if coder not in CODER_NAMES:
            raise ContainerError(f"unknown mask coder {coder}")
        raw_size = reader.u64("the raw mask size")
        if raw_size != (n + 7) // 8:
            raise ContainerError(f"raw mask size {raw_size} is not ⌈{n}/8⌉")
        coded = reader.block("the mask")
        coded_bytes = len(coded)
        # Masks coded with the initial scores wait for the torch stream (`_regenerate`).
        mask = None if coder == INITIAL_SCORES else decode_mask(coder, coded, n, kept)
        pending = (coded, kept) if coder == INITIAL_SCORES else None
    mode = reader.u8("the weight mode")
    if mode not in MODE_NAMES:
        raise ContainerError(f"unknown weight mode {mode}")
    stored = reader.block("the weights")
    reader.expect_end("the record")
    if coder == INITIAL_SCORES and mode != TORCH_SEED:
        raise ContainerError(f"the initial-scores mask coder needs torch-seed weights, not {MODE_NAMES[mode]}")
    if mode == TORCH_SEED:
        if torch is None:
            raise ContainerError("torch-seed weights but the metadata names no torch generator")
        if len(stored):
            raise ContainerError(f"torch-seed mode stores no weights, yet {len(stored)} bytes follow")
        weight = np.zeros(n, dtype=np.float32)  # regenerated once every section is read
    elif mode == SEED:
        if seeded is None:
            raise ContainerError("seed weights but the metadata names no generator")
        if len(stored):
            raise ContainerError(f"seed mode stores no weights, yet {len(stored)} bytes follow")
        weight = generator.weights(seeded.init, seeded.seed, index, convolution.weight_shape).reshape(-1)
    else:
        weight = scatter(decode_kept(stored, mode, kept), mask, n)
    shape = convolution.weight_shape
    layer = Layer(convolution, weight.reshape(shape), None if mask is None else mask.reshape(shape), MODE_NAMES[mode],
                  None if coder is None else CODER_NAMES[coder], ties, coded_bytes)
    return layer, pending


def _regenerate(torch, layers, pending, convolutions, metadata):
    """Fills in the torch-seed layers' weights and decodes the masks coded with the initial scores, drawing the
    stream once; reports the record as the `torch_*` metadata entries, as the Swift reader does."""
    regenerated = {index for index, layer in enumerate(layers) if layer.weight_mode == "torch-seed"}
    if not regenerated:
        return metadata
    conditioned = set(pending)
    tensors = torch_init.regenerate(torch, convolutions, want_weights=regenerated, want_scores=conditioned)
    for index in regenerated:
        layer = layers[index]
        weights, scores = tensors[index]
        layer.weight = weights.reshape(layer.convolution.weight_shape)
        if index in conditioned:
            coded, kept = pending[index]
            try:
                mask = decode_initial_scores(coded, layer.convolution.weight_count, kept, scores, weights,
                                             layer.convolution.fan_in)
            except ContainerError as error:
                raise ContainerError(f"convolution '{escaped(layer.name)}': {error.message}") from None
            layer.mask = mask.reshape(layer.convolution.weight_shape)
    keys = {key for key, _ in torch.metadata_entries}
    return [entry for entry in metadata if entry[0] not in keys] + torch.metadata_entries


def _batch_norm(payload, norm):
    reader = ByteReader(payload)
    name = reader.string("the layer name")
    channels = reader.u32("the channel count")
    if name != norm.name or channels != norm.channels:
        raise ContainerError(
            f"the record is '{escaped(name)}' with {channels} channels but the architecture header has "
            f"'{escaped(norm.name)}' with {norm.channels}")
    affine = reader.u8("the affine flag")
    if affine > 1:
        raise ContainerError(f"affine flag {affine} is not 0 or 1")

    def floats(what):
        return np.frombuffer(reader.take(4 * channels, what), dtype="<f4").astype(np.float32)

    result = Norm(norm, floats("the running mean"), floats("the running variance"))
    if affine:
        result.weight, result.bias = floats("the scale"), floats("the shift")
    reader.expect_end("the record")
    for what, values in (("running mean", result.running_mean), ("running variance", result.running_var),
                         ("scale", result.weight), ("shift", result.bias)):
        if values is not None and not np.isfinite(values).all():
            raise ContainerError(f"the {what} holds a value that is not finite")
    if (result.running_var < 0).any():
        raise ContainerError("the running variance is negative")
    return result


def _expected_section(index, convolutions, batch_norms):
    """The kind of section `index` and its name in messages, as the architecture (once read) lays them out."""
    if index == 0:
        return "architecture", "architecture"
    if index == 1:
        return "metadata", "metadata"
    if index - 2 < len(convolutions):
        return "convolution", f"convolution '{escaped(convolutions[index - 2].name)}'"
    if index - 2 - len(convolutions) < len(batch_norms):
        return "batch norm", f"batch norm '{escaped(batch_norms[index - 2 - len(convolutions)].name)}'"
    return "end", "end"


def decode(data) -> Container:
    """The container in `data` (bytes); raises `ContainerError` naming the section and layer of any damage."""
    data = memoryview(bytes(data))
    section_count = _header(data)
    reader = ByteReader(data, HEADER_SIZE)
    architecture = keep = seeded = torch = None
    metadata, layers, norms, pending = [], [], [], {}
    convolutions, batch_norms = [], []
    for index in range(section_count):
        expected, name = _expected_section(index, convolutions, batch_norms)
        try:
            kind, payload = _section(reader, index)
            if kind != expected:
                raise ContainerError(f"a {kind} section where the architecture header puts the {expected} section")
            if kind == "architecture":
                architecture = decode_architecture(payload)
                convolutions, batch_norms = architecture.convolutions, architecture.batch_norms
                needed = 3 + len(convolutions) + len(batch_norms)
                if needed != section_count:
                    raise ContainerError(f"the header counts {section_count} sections but the architecture needs {needed}")
            elif kind == "metadata":
                keep, seeded, torch, metadata = _metadata(payload, convolutions)
            elif kind == "convolution":
                layer, coded = _convolution(payload, convolutions[index - 2], index - 2, seeded, torch)
                if coded is not None:
                    pending[len(layers)] = coded
                layers.append(layer)
            elif kind == "batch norm":
                norms.append(_batch_norm(payload, batch_norms[index - 2 - len(convolutions)]))
            elif len(payload):
                raise ContainerError(f"the end section has a {len(payload)}-byte payload")
        except ContainerError as error:
            raise ContainerError(f"section {index} ({name}): {error.message}") from None
    reader.expect_end("the end section")
    if torch is not None:
        metadata = _regenerate(torch, layers, pending, convolutions, metadata)
    return Container(architecture, keep, seeded, metadata, layers, norms, len(data), torch)


def read(path) -> Container:
    """The container in the file at `path`; errors name the file."""
    path = os.fspath(path)
    try:
        # Checked before opening too: opening a FIFO for reading would wait for a writer.
        if not stat.S_ISREG(os.stat(path).st_mode):
            raise ContainerError("not a regular file", path)
        with open(path, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size > MAXIMUM_FILE_BYTES:
                raise ContainerError(f"{size} bytes is more than any container can hold ({MAXIMUM_FILE_BYTES})", path)
            data = handle.read(MAXIMUM_FILE_BYTES + 1)
    except OSError as error:
        raise ContainerError(error.strerror or "cannot read the file", path) from None
    try:
        return decode(data)
    except ContainerError as error:
        raise error.in_file(path) from None
