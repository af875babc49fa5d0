"""torch-seed containers: PyTorch's generator in numpy (supermask.torch_init) and the initial-scores mask coder.

The generator is pinned to digests of tensors torch itself made (Tests/Fixtures/torch-init/manifest.json, from
allenai/hidden-networks' get_model) and to the test vectors of docs/torch-init.md; the coder to a supermask trained
by the original code and exported by the Swift writer (Tests/Fixtures/torch-coder).
"""
import hashlib
import json
import struct
import zlib
from fractions import Fraction

import numpy as np
import pytest
from conftest import REPOSITORY

import supermask
from supermask import torch_init
from supermask.architecture import Convolution
from supermask.masks import decode_initial_scores, rank_bins

MANIFEST = json.loads((REPOSITORY / "Tests" / "Fixtures" / "torch-init" / "manifest.json").read_text())
TRAINED = REPOSITORY / "Tests" / "Fixtures" / "torch-coder" / "fc-usc-trained"
TRAINED_RECORD = json.loads(TRAINED.with_suffix(".json").read_text())


def sha256(array):
    return hashlib.sha256(np.ascontiguousarray(array).astype("<f4").tobytes()).hexdigest()


def hexes(values):
    return " ".join(f"{v:08x}" for v in np.asarray(values).view(np.uint32))


def test_the_engine_and_uniform_follow_torch():
    assert hexes(torch_init.TorchGenerator(1).outputs(8)) == "6ac1f425 ff4780eb b8672f8c eebc1448 00077eff 20ccc389 4d65aacb ffc11e85"
    assert hexes(torch_init.TorchGenerator(1 + 2**32).outputs(2)) == "6ac1f425 ff4780eb"  # only 32 bits matter
    bound = 0.08247860988423224
    expected = {"torch2-avx2": "3d2e1296 bd151ca3 bc82fc42 3d1e916b bd9f0621 3d4a9a9a bc8b0059 3d2bdec3",
                "torch2-default": "3d2e1296 bd151ca3 bc82fc40 3d1e916a bd9f0621 3d4a9a9c bc8b0058 3d2bdec4",
                "torch13-avx2": "3d2e1296 bd151ca3 bc82fc40 3d1e916a bd9f0621 3d4a9a9c bc8b0058 3d2bdec4"}
    for profile, values in expected.items():
        assert hexes(torch_init.uniform(torch_init.TorchGenerator(1).outputs(8), -bound, bound, profile)) == values


@pytest.mark.parametrize("profile", ["torch2-avx2", "torch2-default"])
def test_normal_follows_torch(profile):
    if not torch_init.profile_available(profile):
        pytest.skip("needs glibc")
    values = torch_init.normal(torch_init.TorchGenerator(1).outputs(9408), 9408, 0.11664236870396087, profile)
    expected = {
        "torch2-avx2": ("be36384c bdb337d2 bd9c39ad be403d60", "3e3e63b5 3dc027b1 3e55de2e"),
        "torch2-default": ("be36384c bdb337d2 bd9c39ad be403d61", "3e3e63b5 3dc027b1 3e55de2f"),
    }[profile]
    assert hexes(values[:4]) == expected[0] and hexes(values[-3:]) == expected[1]


def test_the_emulated_fma_rounds_once():
    random = np.random.default_rng(5)
    a = random.standard_normal(20000).astype(np.float32)
    b = random.standard_normal(20000).astype(np.float32)
    c = random.standard_normal(20000).astype(np.float32) * np.float32(1e-3)
    # Cases whose float64 sum lands exactly on a float32 midpoint while the exact value does not: 1 + 2^-24 ± 2^-60.
    a[:2], b[:2], c[:2] = np.float32(2.0**-30), np.float32([2.0**-30, -(2.0**-30)]), np.float32(1 + 2.0**-23)
    result = torch_init.fma32(a, b, c)
    for index in list(range(2)) + list(range(2, 20000, 97)):
        exact = Fraction(float(a[index])) * Fraction(float(b[index])) + Fraction(float(c[index]))
        candidates = [np.float32(float(exact)), np.nextafter(np.float32(float(exact)), np.float32(np.inf)),
                      np.nextafter(np.float32(float(exact)), np.float32(-np.inf))]
        best = min(candidates, key=lambda v: (abs(Fraction(float(v)) - exact), int(np.float32(v).view(np.uint32)) & 1))
        assert result[index].view(np.uint32) == best.view(np.uint32), index


FC_CASES = [case for case in MANIFEST["cases"] if case["arch"] in ("FC", "Conv4")
            and not (case["arch"] == "Conv4" and case["init"] == "kaiming_normal")]


@pytest.mark.parametrize("case", FC_CASES, ids=[f"{c['arch']}-{c['init']}-{c['profile']}-{c['torch_seed']}" for c in FC_CASES])
def test_regenerated_weights_and_scores_equal_torchs(case):
    if not torch_init.profile_available(case["profile"]):
        pytest.skip("needs glibc")
    layers = case["layers"]
    convolutions = [Convolution(layer["name"], layer["shape"][1], layer["shape"][0], layer["shape"][2], 1, 0) for layer in layers]
    scale_fan = case["prune_rate"] if case["scale_fan"] else 0.0
    record = torch_init.TorchRecord(case["profile"], int(case["torch_seed"]), case["init"].replace("_", "-"), scale_fan,
                                    list(range(len(layers))))
    wanted = set(range(len(layers)))
    tensors = torch_init.regenerate(record, convolutions, want_weights=wanted, want_scores=wanted)
    for index, layer in enumerate(layers):
        weights, scores = tensors[index]
        assert sha256(weights) == layer["weight_sha256"], layer["name"]
        assert sha256(scores) == layer["scores_sha256"], layer["name"]


def test_rank_bins_are_quantiles_with_ties_by_position():
    values = np.float32([0.5, -0.5, 0, -0.0, 2, -1, 0.25, 1, 0.5, -3])
    ranks = np.array([3, 4, 0, 1, 8, 6, 2, 7, 5, 9])
    for log2_count in range(5):
        assert rank_bins(values, log2_count).tolist() == ((ranks << log2_count) // 10).tolist()


def test_the_trained_supermask_decodes_to_pytorchs_masks_and_weights():
    container = supermask.read(TRAINED.with_suffix(".smask"))
    assert container.torch.seed == int(TRAINED_RECORD["torch_seed"])
    assert container.torch.profile == TRAINED_RECORD["torch_profile"]
    assert ("torch_seed", TRAINED_RECORD["torch_seed"]) in container.metadata
    assert [layer.mask_coder for layer in container.layers] == [m["coder"] for m in TRAINED_RECORD["masks"]]
    assert "initial-scores" in {layer.mask_coder for layer in container.layers}
    for layer, expected in zip(container.layers, TRAINED_RECORD["masks"]):
        assert layer.name == expected["name"] and layer.weight_mode == "torch-seed"
        assert hashlib.sha256(layer.mask.astype(np.uint8).tobytes()).hexdigest() == expected["mask_sha256"], layer.name
        assert sha256(layer.weight) == expected["weight_sha256"], layer.name
        assert layer.coded_mask_bytes * 8 == expected["coded_bits"]
    sd = supermask.load_state_dict(TRAINED.with_suffix(".smask"))
    assert sorted(sd) == ["linear.0.scores", "linear.0.weight", "linear.2.scores", "linear.2.weight", "linear.4.scores",
                          "linear.4.weight"]


def test_the_trained_masks_code_below_the_bound():
    coded = sum(mask["coded_bits"] for mask in TRAINED_RECORD["masks"])
    assert coded <= 0.85 * TRAINED_RECORD["mask_bound_bits"]


def test_python_decodes_a_block_the_way_swift_coded_it():
    # The first layer's mask from the block alone, with scores and weights the numpy generator drew.
    container = supermask.read(TRAINED.with_suffix(".smask"))
    layer = container.layers[0]
    block = sections(TRAINED.with_suffix(".smask").read_bytes())[2][1]
    coded = mask_block(block)
    assert len(coded) == layer.coded_mask_bytes
    wanted = {0}
    weights, scores = torch_init.regenerate(container.torch, container.architecture.convolutions, wanted, wanted)[0]
    mask = decode_initial_scores(coded, layer.weight.size, int(layer.mask.sum()), scores, weights,
                                 container.architecture.convolutions[0].fan_in)
    assert np.array_equal(mask, layer.mask.reshape(-1))


def sections(data):
    """(kind, payload) of every section of a container."""
    result, offset = [], 28
    while offset < len(data):
        kind = data[offset:offset + 4]
        (length,) = struct.unpack_from("<Q", data, offset + 8)
        result.append((kind, data[offset + 16:offset + 16 + length]))
        offset += 16 + length + 4
    return result


def mask_block(payload):
    """The coded mask of a CONV payload: after the name, n, masked flag, k, ties, coder and raw size."""
    (name_length,) = struct.unpack_from("<I", payload, 0)
    offset = 4 + name_length + 8 + 1 + 8 + 8 + 1 + 8
    (length,) = struct.unpack_from("<Q", payload, offset)
    return payload[offset + 8:offset + 8 + length]


def rebuilt(parts):
    body = b""
    for index, (kind, payload) in enumerate(parts):
        head = kind + struct.pack("<IQ", index, len(payload))
        body += head + payload + struct.pack("<I", zlib.crc32(head + payload))
    header = b"\x89SMASK\r\n" + struct.pack("<HHIQ", 1, 0, len(parts), 28 + len(body))
    return header + struct.pack("<I", zlib.crc32(header)) + body


def refusal(path):
    with pytest.raises(supermask.ContainerError) as caught:
        supermask.read(path)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(str(path) + ": ")
    return line


def test_damaged_and_crafted_torch_seed_containers_are_refused_in_one_line(tmp_path):
    data = TRAINED.with_suffix(".smask").read_bytes()
    parts = sections(data)
    assert rebuilt(parts) == data
    path = tmp_path / "damaged.smask"
    # A flipped bit in the mask block: the section CRC.
    at = data.index(mask_block(parts[2][1])) + 50
    path.write_bytes(data[:at] + bytes([data[at] ^ 4]) + data[at + 1:])
    assert "section 2 (convolution 'linear.0'): CRC-32 mismatch" in refusal(path)
    # Valid CRCs, wrong content: an unknown profile, a block asking for 2^9 bins, coder 3 over stored weights.
    meta = parts[1][1].replace(b"torch2-avx2", b"torch9-avx2")
    path.write_bytes(rebuilt([parts[0], (b"META", meta)] + parts[2:]))
    assert "section 1 (metadata): unknown torch profile 'torch9-avx2'" in refusal(path)
    conv = bytearray(parts[2][1])
    block = bytes(conv).index(mask_block(bytes(conv)))
    conv[block] = 9
    path.write_bytes(rebuilt(parts[:2] + [(b"CONV", bytes(conv))] + parts[3:]))
    assert "convolution 'linear.0': the initial-scores mask asks for 2^9 score bins" in refusal(path)
    conv = bytearray(parts[2][1])
    conv[-9] = 4  # the weight mode: seed
    path.write_bytes(rebuilt(parts[:2] + [(b"CONV", bytes(conv))] + parts[3:]))
    assert "the initial-scores mask coder needs torch-seed weights, not seed" in refusal(path)
