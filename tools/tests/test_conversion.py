"""pth2h5 output: every tensor, dtype, attribute and the layout of docs/hdf5-layout.md."""

import collections
import hashlib
import shutil
import subprocess

import h5py
import numpy as np
import pytest

import craft
from helpers import CHECKPOINTS, FIXTURES, assert_one_line_error, expected, expected_arrays, read_h5, run_cli
from pth2h5 import HDF5_DTYPES, ConversionError, convert, load_checkpoint, main

NUMPY_DTYPES = {  # what each torch dtype must be stored as
    "float32": "<f4", "float64": "<f8", "float16": "<f2", "bfloat16": "<f4", "int64": "<i8",
    "int32": "<i4", "int16": "<i2", "int8": "|i1", "uint8": "|u1", "bool": "|u1",
}


def converted(tmp_path, name, *options):
    out = tmp_path / (name + ".h5")
    assert main([str(FIXTURES / name), str(out), *options]) == 0
    return out


def write_zip(tmp_path, checkpoint, storages=None):
    path = tmp_path / "crafted.pth"
    path.write_bytes(craft.zip_checkpoint(checkpoint, storages or {}))
    return path


def float_tensor(key, values):
    """A crafted float32 tensor over its own storage `key`, and that storage."""
    values = np.asarray(values, dtype="<f4")
    return craft.tensor(craft.storage("FloatStorage", key, values.size), 0, values.shape, (1,)), values


@pytest.mark.parametrize("name", CHECKPOINTS)
def test_every_tensor_is_stored_bit_exactly_in_checkpoint_order(tmp_path, name):
    _, datasets = read_h5(converted(tmp_path, name))
    assert [dataset[0] for dataset in datasets] == [t["name"] for t in expected()["tensors"]]
    for (dataset_name, data, torch_dtype), spec in zip(datasets, expected()["tensors"]):
        want = np.asarray(expected_arrays()[dataset_name], dtype=HDF5_DTYPES[spec["torch_dtype"]], order="C")
        assert torch_dtype == spec["torch_dtype"]
        assert data.dtype.str == NUMPY_DTYPES[torch_dtype], dataset_name
        assert list(data.shape) == spec["shape"], dataset_name
        assert data.tobytes() == want.tobytes(), dataset_name  # bitwise: NaN, -0.0, subnormals


def test_legacy_and_zip_files_give_identical_content(tmp_path):
    legacy_attributes, legacy = read_h5(converted(tmp_path, "tiny.legacy.pth"))
    zip_attributes, zipped = read_h5(converted(tmp_path, "tiny.zip.pth"))
    for per_file in ("source_file", "source_sha256", "source_format"):
        del legacy_attributes[per_file], zip_attributes[per_file]
    assert legacy_attributes == zip_attributes
    assert len(legacy) == len(zipped)
    for (name_a, data_a, dtype_a), (name_b, data_b, dtype_b) in zip(legacy, zipped):
        assert (name_a, dtype_a, data_a.dtype, data_a.shape) == (name_b, dtype_b, data_b.dtype, data_b.shape)
        assert data_a.tobytes() == data_b.tobytes()


def test_strided_views_and_storage_offsets_are_resolved(tmp_path):
    data = {name: value for name, value, _ in read_h5(converted(tmp_path, "tiny.legacy.pth"))[1]}
    base = np.arange(12, dtype="<f4").reshape(3, 4) * 0.5
    np.testing.assert_array_equal(data["views.base"], base)
    np.testing.assert_array_equal(data["views.transposed"], base.T)
    np.testing.assert_array_equal(data["views.slice"], base[1:, 1:3])
    np.testing.assert_array_equal(data["views.column"], base[:, 2])


@pytest.mark.parametrize("name", CHECKPOINTS)
def test_root_attributes(tmp_path, name):
    attributes, _ = read_h5(converted(tmp_path, name))
    spec = expected()["files"][name]
    want = {
        "layout": "supermask-state-dict",
        "layout_version": 1,
        "converter": "pth2h5 1.0",
        "source_file": name,
        "source_sha256": hashlib.sha256((FIXTURES / name).read_bytes()).hexdigest(),
        "source_format": spec["source_format"],
        **spec["attributes"],
    }
    if spec["skipped_entries"]:
        want["skipped_entries"] = spec["skipped_entries"]
    assert attributes == want
    for key, value in want.items():
        kind = {int: np.int64, float: np.float64, str: str}[type(value)]
        assert type(attributes[key]) is kind, key


def test_hidden_networks_entries_become_typed_attributes(tmp_path):
    attributes, _ = read_h5(converted(tmp_path, "tiny.zip.pth"))
    assert attributes["arch"] == "TinyNet" and attributes["epoch"] == 1
    assert attributes["curr_acc1"] == "Not evaluated"  # a str in hidden-networks' initial checkpoint
    assert type(attributes["best_train_acc5"]) is np.float64  # a numpy.float64 in the checkpoint
    assert attributes["multigpu"] == 1 and type(attributes["multigpu"]) is np.int64  # a bool
    assert attributes["skipped_entries"] == "optimizer"
    assert "keep" not in attributes


def test_strings_are_fixed_length_utf8(tmp_path):
    with h5py.File(converted(tmp_path, "tiny.zip.pth"), "r") as h5:
        string_types = [h5.attrs.get_id(name).dtype for name in ("layout", "arch", "source_sha256")]
        string_types.append(h5["state_dict/conv1.weight"].attrs.get_id("torch_dtype").dtype)
        for dtype in string_types:
            info = h5py.check_string_dtype(dtype)
            assert info is not None and info.encoding == "utf-8" and info.length is not None


def test_layout_details(tmp_path):
    with h5py.File(converted(tmp_path, "tiny.legacy.pth"), "r") as h5:
        group = h5["state_dict"]
        assert group.id.get_create_plist().get_link_creation_order() & h5py.h5p.CRT_ORDER_TRACKED
        counter = group["bn1.num_batches_tracked"]
        assert counter.shape == () and counter.id.get_space().get_simple_extent_type() == h5py.h5s.SCALAR
        assert group["shapes.empty"].shape == (0, 3)
        for dataset in group.values():
            assert dataset.compression is None and dataset.chunks is None


@pytest.mark.skipif(shutil.which("h5dump") is None, reason="h5dump (hdf5-tools) not installed")
def test_system_h5dump_reads_the_file(tmp_path):
    out = converted(tmp_path, "tiny.legacy.pth")
    dump = subprocess.run(["h5dump", "-A", str(out)], capture_output=True, text=True, timeout=60)
    assert dump.returncode == 0, dump.stderr
    assert 'DATASET "conv1.scores"' in dump.stdout and '"supermask-state-dict"' in dump.stdout


@pytest.mark.parametrize("keep", ["0.3", "1", "1e-9"])
def test_keep_is_recorded(tmp_path, keep):
    attributes, _ = read_h5(converted(tmp_path, "tiny.zip.pth", "--keep", keep))
    assert type(attributes["keep"]) is np.float64 and attributes["keep"] == float(keep)


@pytest.mark.parametrize("keep", ["0", "-0.5", "1.0000001", "nan", "inf"])
def test_keep_outside_unit_interval_is_refused(tmp_path, keep):
    source = FIXTURES / "tiny.zip.pth"
    result = run_cli(source, tmp_path / "out.h5", "--keep", keep)
    assert result.returncode == 1
    assert_one_line_error(result.stderr, source, "--keep must be in (0, 1]")
    assert list(tmp_path.iterdir()) == []


def test_module_prefix_is_stripped_only_when_leading(tmp_path):
    weight, values = float_tensor("0", [1.0, 2.0])
    plain, _ = float_tensor("0", [1.0, 2.0])
    nested, _ = float_tensor("0", [1.0, 2.0])
    state_dict = collections.OrderedDict(
        [("module.conv.weight", weight), ("fc.weight", plain), ("block.module.weight", nested)])
    out = tmp_path / "out.h5"
    convert(write_zip(tmp_path, {"state_dict": state_dict}, {"0": values}), out)
    assert [name for name, _, _ in read_h5(out)[1]] == ["conv.weight", "fc.weight", "block.module.weight"]


def test_names_colliding_after_stripping_are_refused(tmp_path):
    weight, values = float_tensor("0", [1.0])
    state_dict = collections.OrderedDict([("module.w", weight), ("w", weight)])
    with pytest.raises(ConversionError, match="two entries named 'w'"):
        convert(write_zip(tmp_path, {"state_dict": state_dict}, {"0": values}), tmp_path / "out.h5")


def test_scalar_rules_for_top_level_entries(tmp_path):
    weight, values = float_tensor("0", [1.0])
    checkpoint = {
        "state_dict": {"w": weight},
        "flag": False,
        "huge": 2**70,  # does not fit int64
        "nothing": None,
        "layout": "not ours",  # a name the converter writes itself
        "lone surrogate \udc80": 1,
        "history": [1.0, 2.0],
    }
    out = tmp_path / "out.h5"
    convert(write_zip(tmp_path, checkpoint, {"0": values}), out)
    attributes, _ = read_h5(out)
    assert attributes["flag"] == 0 and type(attributes["flag"]) is np.int64
    assert attributes["layout"] == "supermask-state-dict"
    assert attributes["skipped_entries"] == "huge,nothing,layout,'lone surrogate \\udc80',history"


def test_checkpoint_without_state_dict_is_refused(tmp_path):
    source = write_zip(tmp_path, {"epoch": 3, "arch": "ResNet50"})
    result = run_cli(source, tmp_path / "out.h5")
    assert result.returncode == 1
    assert_one_line_error(result.stderr, source, "no state_dict in checkpoint (top-level entries: epoch, arch)")


@pytest.mark.parametrize("checkpoint, problem", [
    ({"state_dict": [1, 2]}, "state_dict is a list, not a dict"),
    ({"state_dict": {"w": 1.5}}, "state_dict entry 'w' is not a tensor"),
    ([1, 2], "checkpoint holds a list, not a dict"),
])
def test_malformed_state_dicts_are_refused(tmp_path, checkpoint, problem):
    with pytest.raises(ConversionError, match=problem):
        convert(write_zip(tmp_path, checkpoint), tmp_path / "out.h5")


def test_module_api_exposes_the_loader():
    checkpoint = load_checkpoint(FIXTURES / "tiny.legacy.pth")
    weight = checkpoint["state_dict"]["module.conv1.weight"]
    assert weight.torch_dtype == "float32" and weight.shape == (4, 3, 3, 3)
    np.testing.assert_array_equal(weight, expected_arrays()["conv1.weight"])
