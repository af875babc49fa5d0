"""A container as the state dict of hidden-networks' own model classes."""
from collections import OrderedDict

import numpy as np

from .architecture import BatchNorm, Convolution, Residual
from .container import Container, read
from .errors import ContainerError


def _walk(layers):
    for layer in layers:
        if isinstance(layer, Residual):
            yield from _walk(layer.body)
            yield from _walk(layer.shortcut)
        elif isinstance(layer, (Convolution, BatchNorm)):
            yield layer


def original_kept_count(keep, count):
    """How many of `count` weights hidden-networks' GetSubnet keeps at prune rate `keep`: n - int((1 - k) * n)."""
    return count - int((1.0 - keep) * count)


def state_dict(container: Container, prefix=""):
    """The container's tensors under the original code's keys, in its order, as numpy arrays.

    Every masked convolution gets `scores` of 1.0 where the mask keeps a weight and 0.0 where it drops one, so
    the original top-k rule at the container's keep fraction selects exactly the stored mask. Batch norms get
    `num_batches_tracked` = 0 (a container does not store the counter, and evaluation does not read it).
    """
    layers = {layer.name: layer for layer in container.layers}
    norms = {norm.name: norm for norm in container.norms}
    masked = [layer for layer in container.layers if layer.mask is not None]
    if masked and len(masked) != len(container.layers):
        dense = next(layer.name for layer in container.layers if layer.mask is None)
        raise ContainerError(f"layer '{dense}' is dense while others are masked; hidden-networks' models cannot express that")
    if masked and container.keep is None:
        raise ContainerError("the masks have no keep fraction, so no scores can reproduce them")
    result = OrderedDict()
    for item in _walk(container.architecture.layers):
        if isinstance(item, Convolution):
            layer = layers[item.name]
            result[f"{prefix}{item.name}.weight"] = layer.weight
            if layer.mask is not None:
                expected = original_kept_count(container.keep, layer.weight.size)
                if layer.kept_count != expected:
                    raise ContainerError(
                        f"layer '{item.name}' keeps {layer.kept_count} weights, but the original code keeps {expected} "
                        f"of {layer.weight.size} at prune rate {container.keep}")
                result[f"{prefix}{item.name}.scores"] = layer.mask.astype(np.float32)
        else:
            norm = norms[item.name]
            if norm.weight is not None:
                result[f"{prefix}{item.name}.weight"] = norm.weight
                result[f"{prefix}{item.name}.bias"] = norm.bias
            result[f"{prefix}{item.name}.running_mean"] = norm.running_mean
            result[f"{prefix}{item.name}.running_var"] = norm.running_var
            result[f"{prefix}{item.name}.num_batches_tracked"] = np.array(0, dtype=np.int64)
    return result


def load_state_dict(path, prefix=""):
    """The `.smask` file at `path` as a `dict[str, numpy.ndarray]` in hidden-networks' key layout.

    Load it into the original code's model with
    `model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}, strict=True)`; pass
    `prefix="module."` for a model wrapped in `DataParallel`, as main.py wraps it.
    """
    container = read(path)
    try:
        return state_dict(container, prefix)
    except ContainerError as error:
        raise error.in_file(str(path)) from None
