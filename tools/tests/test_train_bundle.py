"""The committed MNIST bundle (models/mnist/) and tools/mnist_data.py's IDX reader; numpy only, no torch."""
import gzip
import json
from pathlib import Path

import numpy as np
import pytest

import mnist_data

BUNDLE = Path(__file__).resolve().parents[2] / "models" / "mnist"


@pytest.fixture(scope="module")
def manifest():
    return json.loads((BUNDLE / "manifest.json").read_text())


def test_test_split_is_mnist_and_reproducibly_gzipped():
    images, labels = mnist_data.load("test", BUNDLE)
    assert images.shape == (10000, 28, 28) and labels.shape == (10000,)
    # The first test image is a 7, the last a 6 (the standard t10k order).
    assert labels[0] == 7 and labels[-1] == 6
    assert np.bincount(labels, minlength=10).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        header = (BUNDLE / name).read_bytes()[:10]
        # gzip -n: no file name (FLG bit 3 clear) and a zero time stamp, so the bytes do not depend on when.
        assert header[:3] == b"\x1f\x8b\x08" and header[3] & 0x08 == 0 and header[4:8] == b"\0\0\0\0"


def test_manifest_layout(manifest):
    assert list(manifest) == ["format", "version", "dataset", "models"]
    assert manifest["format"] == "supermask-demo-bundle" and manifest["version"] == 1
    dataset = manifest["dataset"]
    assert list(dataset) == ["name", "split", "images", "labels", "count", "normalize", "source"]
    assert dataset["count"] == 10000 and dataset["normalize"] == {"mean": 0.1307, "std": 0.3081}
    assert [model["name"] for model in manifest["models"]] == ["fc-usc", "fc-ukn", "fc-dense"]
    for model in manifest["models"]:
        assert list(model) == ["name", "file", "kind", "architecture", "init", "seed", "keep", "pytorch", "training"]
        assert (BUNDLE / model["file"]).is_file()
        assert (BUNDLE / model["file"]).read_bytes()[:4] != b"\x89HDF"  # a .smask container, not an .h5
        pytorch = model["pytorch"]
        assert 0 <= pytorch["correct"] <= 10000 and pytorch["accuracy"] == pytorch["correct"] / 10000
        assert list(model["training"]) == ["epochs", "optimizer", "lr", "batch_size", "train_images", "seconds", "torch"]


def test_subnetworks_are_within_a_few_points_of_the_dense_baseline(manifest):
    models = {model["name"]: model for model in manifest["models"]}
    dense = models["fc-dense"]
    assert dense["kind"] == "dense" and dense["keep"] == 1.0 and dense["pytorch"]["accuracy"] > 0.95
    for name, init in (("fc-usc", "signed-constant"), ("fc-ukn", "kaiming-normal")):
        model = models[name]
        assert model["kind"] == "subnetwork" and model["init"] == init and 0 < model["keep"] < 1
        assert model["pytorch"]["accuracy"] > dense["pytorch"]["accuracy"] - 0.03
        # The random weights the mask was found in, unmasked, are at chance.
        assert model["pytorch"]["random_weights_correct"] < 2000


def test_normalize_is_torchvisions():
    pixels = np.array([[0, 1, 128, 255]], dtype=np.uint8).repeat(196, axis=0).reshape(1, 28, 28)
    x = mnist_data.normalize(pixels)
    assert x.dtype == np.float32 and x.shape == (1, 1, 28, 28)
    expected = ((np.array([0, 1, 128, 255], dtype=np.float32) / np.float32(255) - np.float32(0.1307))
                / np.float32(0.3081))
    assert x[0, 0, 0, :4].tolist() == expected.tolist()
    assert x[0, 0, 0, 0] == pytest.approx(-0.42421296, abs=1e-7)


@pytest.mark.parametrize("data,problem", [
    (b"\x01\x00\x08\x01", "bad magic"),
    (b"\x00\x00\x0d\x01\x00\x00\x00\x01\x00\x00\x00\x00", "not unsigned byte"),
    (b"\x00\x00\x08\x03\x00\x00", "truncated header"),
    (b"\x00\x00\x08\x01\x00\x00\x00\x03\x01\x02", "2 value bytes, the header declares 3"),
])
def test_bad_idx_files_are_refused(data, problem):
    with pytest.raises(mnist_data.MNISTError, match=problem):
        mnist_data.read_idx(data, "x.idx")


def test_idx_values_and_shape():
    data = b"\x00\x00\x08\x02\x00\x00\x00\x02\x00\x00\x00\x03" + bytes(range(6))
    assert mnist_data.read_idx(data).tolist() == [[0, 1, 2], [3, 4, 5]]


def test_a_corrupted_test_split_is_refused(tmp_path):
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        data = bytearray(gzip.decompress((BUNDLE / name).read_bytes()))
        if "labels" in name:
            data[100] ^= 1
        (tmp_path / name).write_bytes(gzip.compress(bytes(data)))
    with pytest.raises(mnist_data.MNISTError, match="SHA-256"):
        mnist_data.load("test", tmp_path)
