#!/usr/bin/env python3
"""Write the pth2h5 test fixtures into tools/tests/fixtures/ (developers only; needs torch).

    python3 tools/make_converter_fixtures.py

Checkpoints are written by the real `torch.save`, shaped like what hidden-networks' main.py saves
(a DataParallel-wrapped model: `module.` keys, frozen conv weights plus trainable scores, non-affine
BatchNorm buffers, an SGD state whose lr is a numpy.float64):

- tiny.legacy.pth, tiny.zip.pth: the full checkpoint dict, legacy (`_use_new_zipfile_serialization
  =False`, as torch 1.3 wrote the released files) and zip. Besides the model it holds one tensor per
  dtype, views sharing one storage (a transpose, a slice with a storage offset, a column), an empty
  tensor and an nn.Parameter; `best_train_acc5` is a numpy.float64, `multigpu` a bool and
  `curr_acc1` the string "Not evaluated", as in hidden-networks' initial checkpoint.
- state-dict.zip.pth: the bare state dict, still `module.`-prefixed.
- model-key.legacy.pth: {"model": state dict without the prefix, "epoch": 1}.
- expected.npz: every tensor as numpy, keyed by dataset name (bfloat16 widened to float32).
- expected.json: dataset order, torch dtypes and shapes; per file the expected root attributes;
  per malicious file the pickle global the converter must name when refusing it.
- malicious/*.pth: pickles that would run code (each payload creates a file `pwned-<name>` in the
  working directory), crafted without torch by tests/craft.py, in both formats.

The zip files carry a random serialization id and legacy storage keys are memory addresses, so
rerunning changes the bytes but not the content.
"""

import collections
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

TOOLS = Path(__file__).resolve().parent
FIXTURES = TOOLS / "tests" / "fixtures"
sys.path.insert(0, str(TOOLS / "tests"))
import craft  # noqa: E402  (the test helper, shared so fixtures and tests build pickles alike)


class SubnetConv(nn.Conv2d):
    """Like hidden-networks' SubnetConv: a frozen random weight plus trainable scores."""

    def __init__(self, in_channels, out_channels, kernel_size, **kwargs):
        super().__init__(in_channels, out_channels, kernel_size, bias=False, **kwargs)
        self.scores = nn.Parameter(torch.randn_like(self.weight))
        self.weight.requires_grad_(False)

    def forward(self, x):
        return F.conv2d(x, self.weight * self.scores, stride=self.stride, padding=self.padding)


class TinyNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = SubnetConv(3, 4, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(4, affine=False)
        self.fc = SubnetConv(4, 2, 1)

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        return self.fc(F.adaptive_avg_pool2d(x, 1)).flatten(1)


def trained_model_and_optimizer():
    """One SGD step, as main.py would take: BN statistics move, scores get momentum buffers."""
    model = nn.DataParallel(TinyNet())  # on a CPU-only machine this only adds the `module.` prefix
    scores = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.SGD([{"params": [], "weight_decay": 0}, {"params": scores}],
                                lr=0.1, momentum=0.875, weight_decay=2**-15)
    for group in optimizer.param_groups:
        group["lr"] = np.float64(0.05)  # main.py's cosine schedule assigns numpy floats
    model.train()
    loss = F.cross_entropy(model(torch.randn(2, 3, 5, 5)), torch.tensor([0, 1]))
    loss.backward()
    optimizer.step()
    return model, optimizer


def extra_tensors():
    """Tensors that cover every storage dtype, shared-storage views, edge values and shapes."""
    inf, nan = float("inf"), float("nan")
    base = torch.arange(12, dtype=torch.float32).reshape(3, 4) * 0.5
    return {
        "module.views.base": base,
        "module.views.transposed": base.t(),
        "module.views.slice": base[1:, 1:3],  # storage offset 5, strides (4, 1)
        "module.views.column": base[:, 2],  # storage offset 2, stride 4
        "module.dtypes.float64": torch.tensor([0.0, -0.0, 1e-310, inf, -inf, nan, 1 / 3], dtype=torch.float64),
        "module.dtypes.float16": torch.tensor([0.0, -0.0, 6e-8, 65504.0, -inf, nan, 1 / 3], dtype=torch.float16),
        "module.dtypes.bfloat16": torch.tensor([[1 / 3, -1e38, inf], [nan, 1e-40, -0.0]], dtype=torch.bfloat16),
        "module.dtypes.int64": torch.tensor([-(2**63), -1, 2**63 - 1], dtype=torch.int64),
        "module.dtypes.int32": torch.tensor([-(2**31), -1, 0, 2**31 - 1], dtype=torch.int32),
        "module.dtypes.int16": torch.tensor([-(2**15), 2**15 - 1], dtype=torch.int16),
        "module.dtypes.int8": torch.tensor([-128, 0, 127], dtype=torch.int8),
        "module.dtypes.uint8": torch.tensor([0, 1, 255], dtype=torch.uint8),
        "module.dtypes.bool": torch.tensor([[True, False], [False, True]]),
        "module.shapes.empty": torch.zeros(0, 3),
        "module.shapes.parameter": nn.Parameter(torch.randn(2)),  # pickled via _rebuild_parameter
    }


def tiny_checkpoint():
    model, optimizer = trained_model_and_optimizer()
    state_dict = model.state_dict()  # an OrderedDict with `_metadata`, like the released files
    state_dict.update(extra_tensors())
    return {
        "epoch": 1,
        "arch": "TinyNet",
        "state_dict": state_dict,
        "best_acc1": 12.5,
        "best_acc5": 50.0,
        "best_train_acc1": 25.0,
        "best_train_acc5": np.float64(75.0),
        "optimizer": optimizer.state_dict(),
        "curr_acc1": "Not evaluated",
        "multigpu": True,
    }


def as_numpy(tensor: torch.Tensor) -> np.ndarray:
    tensor = tensor.detach()
    return (tensor.float() if tensor.dtype == torch.bfloat16 else tensor).numpy()


def torch_dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def write_checkpoints(checkpoint) -> dict:
    """torch.save the four checkpoint files; return their expected root attributes by file name."""
    state_dict = checkpoint["state_dict"]
    unprefixed = collections.OrderedDict((k.removeprefix("module."), v) for k, v in state_dict.items())
    torch.save(checkpoint, FIXTURES / "tiny.legacy.pth", _use_new_zipfile_serialization=False)
    torch.save(checkpoint, FIXTURES / "tiny.zip.pth")
    torch.save(state_dict, FIXTURES / "state-dict.zip.pth")
    torch.save({"model": unprefixed, "epoch": 1}, FIXTURES / "model-key.legacy.pth",
               _use_new_zipfile_serialization=False)

    tiny_attributes = {name: (int(value) if isinstance(value, bool) else value)
                       for name, value in checkpoint.items() if name not in ("state_dict", "optimizer")}
    tiny_attributes["best_train_acc5"] = float(tiny_attributes["best_train_acc5"])
    tiny = {"attributes": tiny_attributes, "skipped_entries": "optimizer"}
    return {
        "tiny.legacy.pth": {"source_format": "legacy", **tiny},
        "tiny.zip.pth": {"source_format": "zip", **tiny},
        "state-dict.zip.pth": {"source_format": "zip", "attributes": {}, "skipped_entries": None},
        "model-key.legacy.pth": {"source_format": "legacy", "attributes": {"epoch": 1}, "skipped_entries": None},
    }


def check_with_torch(files, arrays):
    """Every file loads with torch.load and holds the expected values."""
    for name in files:
        loaded = torch.load(FIXTURES / name, weights_only=False)
        state_dict = loaded.get("state_dict", loaded.get("model", loaded))
        for key, value in state_dict.items():
            expected = arrays[key.removeprefix("module.")]
            assert np.array_equal(as_numpy(value), expected, equal_nan=True), (name, key)


def malicious_payloads():
    """(name, refused global, payload object). Each payload would create `pwned-<name>` in the cwd."""
    Global = craft.Global
    return [
        ("os-system", "os.system", Global("os", "system")("touch pwned-os-system")),
        ("posix-system", "posix.system", Global("posix", "system")("touch pwned-posix-system")),
        ("builtins-eval", "builtins.eval",
         Global("builtins", "eval")("open('pwned-builtins-eval', 'w').close()")),
        ("builtin-exec", "__builtin__.exec",
         Global("__builtin__", "exec")("open('pwned-builtin-exec', 'w').close()")),
        ("subprocess-popen", "subprocess.Popen",
         Global("subprocess", "Popen")(["touch", "pwned-subprocess-popen"])),
        ("getattr-import", "builtins.getattr",
         Global("builtins", "getattr")(Global("builtins", "__import__")("os"), "system")("touch pwned-getattr-import")),
        ("numpy-runstring", "numpy.testing._private.utils.runstring",
         Global("numpy.testing._private.utils", "runstring")("open('pwned-numpy-runstring', 'w').close()", {})),
        ("copyreg-reconstructor", "copy_reg._reconstructor",
         Global("copy_reg", "_reconstructor")(Global("subprocess", "Popen"), Global("subprocess", "Popen"),
                                              ["touch", "pwned-copyreg-reconstructor"])),
    ]


def write_malicious_files() -> dict:
    """Write malicious/*.pth; return the refused global by file name."""
    directory = FIXTURES / "malicious"
    directory.mkdir()
    refused = {}
    for name, global_name, payload in malicious_payloads():
        checkpoint = {"state_dict": collections.OrderedDict(), "epoch": payload}
        files = {
            f"{name}.legacy.pth": craft.legacy_checkpoint(checkpoint, {}),
            f"{name}.zip.pth": craft.zip_checkpoint(checkpoint, {}),
        }
        for file_name, data in files.items():
            (directory / file_name).write_bytes(data)
            refused[file_name] = global_name
    # The same, but as STACK_GLOBAL (protocol 4) and hidden in the legacy header's sys-info pickle.
    system = craft.Global("os", "system")
    (directory / "stack-global.zip.pth").write_bytes(
        craft.zip_checkpoint({"epoch": system("touch pwned-stack-global")}, {}, protocol=4))
    (directory / "header-sys-info.legacy.pth").write_bytes(
        craft.legacy_checkpoint({}, {}, sys_info=system("touch pwned-header-sys-info")))
    refused.update({"stack-global.zip.pth": "os.system", "header-sys-info.legacy.pth": "os.system"})
    return refused


def main():
    torch.manual_seed(20191129)
    shutil.rmtree(FIXTURES, ignore_errors=True)
    FIXTURES.mkdir(parents=True)
    checkpoint = tiny_checkpoint()
    state_dict = checkpoint["state_dict"]
    arrays = {key.removeprefix("module."): as_numpy(value) for key, value in state_dict.items()}
    files = write_checkpoints(checkpoint)
    check_with_torch(files, arrays)
    np.savez(FIXTURES / "expected.npz", **arrays)
    expected = {
        "tensors": [{"name": key.removeprefix("module."), "torch_dtype": torch_dtype_name(value.dtype),
                     "shape": list(value.shape)} for key, value in state_dict.items()],
        "files": files,
        "malicious": write_malicious_files(),
    }
    (FIXTURES / "expected.json").write_text(json.dumps(expected, indent=1) + "\n")
    total = sum(path.stat().st_size for path in FIXTURES.rglob("*") if path.is_file())
    print(f"wrote {sum(1 for p in FIXTURES.rglob('*') if p.is_file())} files, {total} bytes, into {FIXTURES}")


if __name__ == "__main__":
    main()
