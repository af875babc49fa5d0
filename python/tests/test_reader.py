"""The reader against containers the Swift writer made (make_fixtures.py), rebuilt independently with numpy."""
import json

import numpy as np
import pytest
from conftest import FIXTURES, REPOSITORY

import supermask
from supermask import generator
from supermask.state_dict import original_kept_count

FC_SHAPES = {"linear.0": (300, 784, 1, 1), "linear.2": (100, 300, 1, 1), "linear.4": (10, 100, 1, 1)}
RECORDS = json.loads((FIXTURES / "fixtures.json").read_text())


def original_mask(scores, keep):
    """hidden-networks' GetSubnet: sort |scores| ascending (stably: ties by flat index), zero the first
    int((1 - k) * n), keep the rest."""
    flat = np.abs(scores.reshape(-1))
    order = np.argsort(flat, kind="stable")
    mask = np.ones(flat.size, dtype=bool)
    mask[order[:int((1.0 - keep) * flat.size)]] = False
    return mask.reshape(scores.shape)


def expected_layers(record):
    """Every layer's (weights the forward pass uses, mask) as the writer was given them, with its rounding."""
    result = {}
    for index, (name, shape) in enumerate(FC_SHAPES.items()):
        weights = generator.weights(record["init"], record["seed"], index, shape)
        rule = record["scores"][index]
        if rule == "random":
            scores = generator.weights("kaiming-normal", record["score_seed"], index, shape)
        else:
            scores = (np.arange(weights.size, dtype=np.float32) / weights.size).reshape(shape)
        mask = original_mask(scores, record["keep"])
        if record["weights"] == "fp16":
            weights = weights.astype(np.float16).astype(np.float32)
        elif record["weights"] == "bf16":
            bits = weights.view(np.uint32).astype(np.uint64)
            rounded = ((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16).astype(np.uint32) << 16
            weights = rounded.astype(np.uint32).view(np.float32)
        result[name] = (weights, mask)
    return result


@pytest.mark.parametrize("record", RECORDS, ids=[r["file"] for r in RECORDS])
def test_every_layer_is_the_writers_bit_for_bit(record):
    container = supermask.read(FIXTURES / record["file"])
    assert container.architecture.name == "FC"
    assert container.keep == record["keep"]
    expected = expected_layers(record)
    assert [layer.name for layer in container.layers] == list(FC_SHAPES)
    for layer in container.layers:
        weights, mask = expected[layer.name]
        assert layer.weight_mode == record["weights"]
        assert np.array_equal(layer.mask, mask), layer.name
        used = np.where(mask, weights, np.float32(0))
        got = np.where(layer.mask, layer.weight, np.float32(0))
        assert np.array_equal(got.view(np.uint32), used.view(np.uint32)), layer.name
        if record["weights"] == "seed":
            assert np.array_equal(layer.weight.view(np.uint32), weights.view(np.uint32)), "seed mode regenerates all"


def test_the_fixtures_cover_every_coder_and_weight_mode():
    seen = {(layer.mask_coder, layer.weight_mode) for r in RECORDS for layer in supermask.read(FIXTURES / r["file"]).layers}
    assert {coder for coder, _ in seen} == {"raw", "deflate", "enumerative"}
    assert {mode for _, mode in seen} == {"fp32", "fp16", "bf16", "signed", "seed"}


@pytest.mark.parametrize("record", RECORDS, ids=[r["file"] for r in RECORDS])
def test_scores_make_the_original_rule_select_the_stored_mask(record):
    container = supermask.read(FIXTURES / record["file"])
    sd = supermask.load_state_dict(FIXTURES / record["file"])
    assert list(sd) == [f"{name}.{kind}" for name in FC_SHAPES for kind in ("weight", "scores")]
    for layer in container.layers:
        scores = sd[layer.name + ".scores"]
        assert scores.dtype == np.float32 and scores.shape == layer.weight.shape
        assert np.array_equal(original_mask(scores, container.keep), layer.mask)
        assert int(layer.mask.sum()) == original_kept_count(container.keep, layer.weight.size)
        assert sd[layer.name + ".weight"].dtype == np.float32


def test_a_prefix_names_the_keys_as_data_parallel_does():
    sd = supermask.load_state_dict(FIXTURES / RECORDS[0]["file"], prefix="module.")
    assert all(key.startswith("module.linear.") for key in sd)


def test_the_bundled_demo_models_read_with_their_batch_norms_absent_and_seed_weights():
    usc = supermask.read(REPOSITORY / "models" / "mnist" / "fc-usc.smask")
    assert usc.generator.seed == 2020 and usc.generator.init == "signed-constant"
    assert [layer.kept_count for layer in usc.layers] == [117600, 15000, 500]
    dense = supermask.load_state_dict(REPOSITORY / "models" / "mnist" / "fc-dense.smask")
    assert sorted(dense) == ["linear.0.weight", "linear.2.weight", "linear.4.weight"]


def test_a_mask_the_original_rule_cannot_select_is_refused(tmp_path):
    container = supermask.read(FIXTURES / RECORDS[0]["file"])
    container.keep = 0.5
    with pytest.raises(supermask.ContainerError, match="keeps 11760 weights, but the original code keeps 117600"):
        supermask.state_dict(container)
