"""Read supermask's `.smask` containers (docs/format.md) with numpy alone.

    import supermask
    sd = supermask.load_state_dict("resnet50-usc.smask")     # hidden-networks' keys, numpy arrays
    model.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()}, strict=True)

    c = supermask.read("resnet50-usc.smask")                  # architecture, layers, masks, metadata
    c.layers[0].mask                                          # numpy bool array, True = kept
"""
from .architecture import Architecture, BatchNorm, Convolution, Residual, Simple
from .container import Container, Generator, Layer, Norm, decode, read
from .errors import ContainerError
from .state_dict import load_state_dict, state_dict

__all__ = [
    "Architecture", "BatchNorm", "Container", "ContainerError", "Convolution", "Generator", "Layer", "Norm",
    "Residual", "Simple", "decode", "load_state_dict", "read", "state_dict",
]
__version__ = "1.0.0"
