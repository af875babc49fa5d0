"""`supermask convert X -o X.onnx` runs in ONNX Runtime with supermask's logits (needs the built executable)."""
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest
from conftest import REPOSITORY

from supermask import generator

ort = pytest.importorskip("onnxruntime")
SUPERMASK = Path(os.environ.get("SUPERMASK", REPOSITORY / ".build" / "debug" / "supermask"))
pytestmark = pytest.mark.skipif(not SUPERMASK.exists() and "SUPERMASK" not in os.environ,
                                reason="build supermask first (swift build), or set SUPERMASK")


def run(*arguments):
    return subprocess.run([str(SUPERMASK), *map(str, arguments)], check=True, capture_output=True, text=True)


def random_subnetwork(path, arch, init, keep, seed):
    """A network from `supermask init` with generator-drawn scores and BN statistics that are not the identity."""
    run("init", "--arch", arch, "--init", init, "--seed", seed, "-o", path)
    with h5py.File(path, "r+") as f:
        f.attrs["keep"] = keep
        group = f["state_dict"]
        for index, name in enumerate([k[:-len(".weight")] for k in list(group) if k.endswith(".weight")]):
            shape = group[name + ".weight"].shape
            group.create_dataset(name + ".scores", data=generator.weights("kaiming-normal", seed + 1, index, shape))
        for index, name in enumerate([k[:-len(".running_mean")] for k in list(group) if k.endswith(".running_mean")]):
            channels = group[name + ".running_mean"].shape
            draws = generator.weights("kaiming-normal", seed + 2, index, (2, channels[0], 1, 1)).reshape(2, -1)
            group[name + ".running_mean"][...] = draws[0] * 0.1
            group[name + ".running_var"][...] = 0.5 + np.abs(draws[1])


@pytest.mark.parametrize("arch,init,shape", [
    ("FC", "kaiming-normal", (3, 1, 28, 28)),
    ("Conv4", "signed-constant", (2, 3, 32, 32)),
    ("cResNet18", "signed-constant", (2, 3, 32, 32)),
    ("ResNet18", "signed-constant", (2, 3, 96, 80)),
])
def test_onnx_runtime_gives_supermasks_logits(tmp_path, arch, init, shape):
    checkpoint, container = tmp_path / "model.h5", tmp_path / "model.smask"
    random_subnetwork(checkpoint, arch, init, keep=0.3, seed=5)
    run("export", checkpoint, "-o", container)
    batch = generator.weights("kaiming-normal", 77, 0, shape)
    np.save(tmp_path / "input.npy", batch)
    run("infer", container, "--input", tmp_path / "input.npy", "--output", tmp_path / "logits.npy")
    expected = np.load(tmp_path / "logits.npy")
    out = run("convert", container, "-o", tmp_path / "model.onnx")
    assert "as a dense ONNX model (opset 13)" in out.stdout
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["input"]
    logits = session.run(["logits"], {"input": batch})[0]
    assert logits.shape == expected.shape
    assert np.abs(logits - expected).max() <= 1e-5 * np.abs(expected).max()
