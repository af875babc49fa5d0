"""The architecture header of a container (docs/format.md §4): the whole layer tree as data."""
from dataclasses import dataclass, field
from typing import List, Tuple, Union

from ._bytes import ByteReader
from .errors import ContainerError, escaped

MAXIMUM_NESTING = 8
MAXIMUM_DIMENSION = 1 << 20
MAXIMUM_WEIGHT_COUNT = 1 << 30
INPUT_RULES = {0: "exact", 1: "any-size", 2: "any-shape-same-count"}


@dataclass(frozen=True)
class Convolution:
    """A bias-free 2-D convolution; its parameters are `<name>.weight` (and `<name>.scores` when masked)."""
    name: str
    in_channels: int
    out_channels: int
    kernel: int
    stride: int
    padding: int

    @property
    def weight_shape(self) -> Tuple[int, int, int, int]:
        return (self.out_channels, self.in_channels, self.kernel, self.kernel)

    @property
    def weight_count(self) -> int:
        return self.out_channels * self.in_channels * self.kernel * self.kernel

    @property
    def fan_in(self) -> int:
        return self.in_channels * self.kernel * self.kernel


@dataclass(frozen=True)
class BatchNorm:
    """A batch normalisation over `channels` channels, in evaluation mode."""
    name: str
    channels: int


@dataclass(frozen=True)
class Simple:
    """A layer without parameters: `relu`, `max-pool`, `average-pool`, `global-average-pool` or `flatten`."""
    kind: str
    kernel: int = 0
    stride: int = 0
    padding: int = 0


@dataclass(frozen=True)
class Residual:
    """`relu(body(x) + shortcut(x))`; an empty shortcut is the identity."""
    body: list
    shortcut: list


Layer = Union[Convolution, BatchNorm, Simple, Residual]


@dataclass
class Architecture:
    """A network's structure: name, input shape (C, H, W), which other inputs it takes, classes, layers."""
    name: str
    input_shape: Tuple[int, int, int]
    input_rule: str
    minimum_side: int
    class_count: int
    layers: List[Layer] = field(default_factory=list)

    @property
    def convolutions(self) -> List[Convolution]:
        """Every convolution in state-dict order: depth first, body before shortcut."""
        return [layer for layer in _walk(self.layers) if isinstance(layer, Convolution)]

    @property
    def batch_norms(self) -> List[BatchNorm]:
        """Every batch norm in state-dict order."""
        return [layer for layer in _walk(self.layers) if isinstance(layer, BatchNorm)]


def _walk(layers):
    for layer in layers:
        yield layer
        if isinstance(layer, Residual):
            yield from _walk(layer.body)
            yield from _walk(layer.shortcut)


def _dimension(reader, what):
    value = reader.u32(what)
    if not 1 <= value <= MAXIMUM_DIMENSION:
        raise ContainerError(f"{what} is {value}, outside 1…{MAXIMUM_DIMENSION}")
    return value


def _layers(reader, depth):
    if depth > MAXIMUM_NESTING:
        raise ContainerError(f"residual blocks nest deeper than {MAXIMUM_NESTING}")
    count = reader.u32("a layer count")
    if count > reader.remaining:
        raise ContainerError(f"layer count {count} exceeds the {reader.remaining} bytes left")
    layers = []
    for _ in range(count):
        tag = reader.u8("a layer tag")
        if tag == 1:
            name = reader.string("a convolution name")
            what = f"convolution '{escaped(name)}'"
            dims = [_dimension(reader, what) for _ in range(4)]
            padding = reader.u32(what)
            if padding >= dims[2]:
                raise ContainerError(f"{what} has padding {padding} for kernel {dims[2]}")
            layers.append(Convolution(name, dims[0], dims[1], dims[2], dims[3], padding))
        elif tag == 2:
            name = reader.string("a batch-norm name")
            layers.append(BatchNorm(name, _dimension(reader, f"batch norm '{escaped(name)}'")))
        elif tag == 3:
            layers.append(Simple("relu"))
        elif tag == 4:
            kernel, stride = _dimension(reader, "a max pool"), _dimension(reader, "a max pool")
            padding = reader.u32("a max pool")
            if padding > kernel // 2:
                raise ContainerError(f"max pool padding {padding} exceeds half its kernel {kernel}")
            layers.append(Simple("max-pool", kernel, stride, padding))
        elif tag == 5:
            layers.append(Simple("average-pool", _dimension(reader, "an average pool")))
        elif tag == 6:
            layers.append(Simple("global-average-pool"))
        elif tag == 7:
            layers.append(Simple("flatten"))
        elif tag == 8:
            body = _layers(reader, depth + 1)
            layers.append(Residual(body, _layers(reader, depth + 1)))
        else:
            raise ContainerError(f"unknown layer tag {tag}")
    return layers


def decode_architecture(payload) -> Architecture:
    """The architecture in an `ARCH` payload, with the limits of docs/format.md §4 enforced."""
    reader = ByteReader(payload)
    name = reader.string("the architecture name")
    rank = reader.u32("the input rank")
    if rank != 3:
        raise ContainerError(f"input rank is {rank}, expected 3 (channels, height, width)")
    input_shape = tuple(_dimension(reader, "the input shape") for _ in range(3))
    rule = reader.u8("the input rule")
    minimum_side = reader.u32("the input rule")
    if rule not in INPUT_RULES:
        raise ContainerError(f"unknown input rule {rule}")
    class_count = _dimension(reader, "the class count")
    layers = _layers(reader, 0)
    reader.expect_end("the layer list")
    architecture = Architecture(name, input_shape, INPUT_RULES[rule], minimum_side, class_count, layers)
    total = 0
    for convolution in architecture.convolutions:
        total += convolution.weight_count
        if total > MAXIMUM_WEIGHT_COUNT:
            raise ContainerError(f"the architecture claims more than the {MAXIMUM_WEIGHT_COUNT} weights supermask accepts")
    seen = set()
    for layer in architecture.convolutions + architecture.batch_norms:
        if layer.name in seen:
            raise ContainerError(f"the layer name '{escaped(layer.name)}' is used twice")
        seen.add(layer.name)
    return architecture
