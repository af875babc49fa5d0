"""The bounded pickle machine: what it reads, what it refuses, and every limit."""

import collections
import pickle
import struct
from dataclasses import replace

import numpy as np
import pytest

import craft
from boundedpickle import ForbiddenGlobal, PickleCallable, PickleError, PickleLimits, PickleMachine, escaped, shown
from torchglobals import STORAGE_TYPES, Budget, TorchGlobals
from torchpickle import CheckpointError, CheckpointLimits, load_checkpoint

PROTO2 = b"\x80\x02"


def allow_list() -> TorchGlobals:
    return TorchGlobals(Budget(2**20, "tensor bytes"), Budget(100, "tensors"))


def load(pickled: bytes, limits: PickleLimits = PickleLimits(), resolve=None):
    """The object of one pickle, read with the checkpoint allow-list."""
    machine = PickleMachine(resolve or allow_list().resolve, None, limits)
    obj, end = machine.load(pickled)
    assert end == len(pickled)
    return obj


PLAIN_DATA = {
    "text": "naïve \n\x1b", "bytes": b"\x00\xff", "ints": [0, -1, 255, 65536, -(2**31), 2**63 - 1, 2**200],
    "floats": (0.5, float("inf"), -0.0), "flags": [True, False, None], "nested": {"a": [{"b": ((),)}]},
    "set": {1, "two"}, "frozen": frozenset({3}), 7: "int key",
}


@pytest.mark.parametrize("protocol", range(0, 6))
def test_plain_data_reads_as_pickle_reads_it(protocol):
    pickled = pickle.dumps(PLAIN_DATA, protocol)
    assert load(pickled) == pickle.loads(pickled) == PLAIN_DATA


def test_shared_references_stay_shared():
    shared = [1, 2]
    loaded = load(pickle.dumps({"a": shared, "b": (shared, shared)}, 2))
    assert loaded["a"] is loaded["b"][0] is loaded["b"][1]


@pytest.mark.parametrize("pickled, problem", [
    (PROTO2 + b"}(K\x01K\x02\x86K\x03u.", "refusing a dict key or set element that is a tuple"),
    (PROTO2 + b"}(G?\xe0\x00\x00\x00\x00\x00\x00K\x03u.", "that is 0.5"),
    (PROTO2 + b"}\x8a\x09" + (2**63).to_bytes(9, "little") + b"K\x01s.", "that is an integer of"),
    (b"\x80\x04\x8f(]\x90.", "that is a list"),
    (b"\x80\x04(K\x01\x85\x91.", "that is a tuple"),
])
def test_dict_keys_and_set_elements_are_flat_str_or_64_bit_int(pickled, problem):
    with pytest.raises(PickleError, match=problem):
        load(pickled)


def test_64_bit_and_bool_keys_are_allowed():
    assert load(pickle.dumps({-(2**63): 1, 2**63 - 1: 2, True: 3}, 2)) == {-(2**63): 1, 2**63 - 1: 2, True: 3}


def nested_lists(depth: int) -> bytes:
    """[[[...]]] `depth` levels deep, built inner-first as a pickler would."""
    return PROTO2 + b"]" * depth + b"a" * (depth - 1) + b"."


def test_nesting_is_bounded():
    limits = PickleLimits(depth=5)
    assert load(nested_lists(5), limits) == [[[[[]]]]]
    with pytest.raises(PickleError, match="nesting deeper than 5 levels"):
        load(nested_lists(6), limits)
    with pytest.raises(PickleError, match="nesting deeper than 32 levels"):
        load(nested_lists(100_000))


def test_nesting_counts_through_containers_filled_later():
    # t = (L,) with L's depth still growing would hide depth; L is sealed when t is built instead.
    pickled = PROTO2 + b"]q\x00h\x00\x85q\x010h\x00]a."
    with pytest.raises(PickleError, match="refusing APPEND on a list that is already in use"):
        load(pickled)


@pytest.mark.parametrize("pickled", [
    PROTO2 + b"]q\x00h\x00a.",  # L.append(L)
    PROTO2 + b"}q\x00K\x01h\x00s.",  # D[1] = D
    PROTO2 + b"]q\x00]q\x01h\x00a0h\x01a.",  # A into B, then B into A
])
def test_cycles_are_refused(pickled):
    with pytest.raises(PickleError, match="contains itself|already in use"):
        load(pickled)


@pytest.mark.parametrize("field, pickled, problem", [
    ("opcodes", PROTO2 + b"N0" * 60 + b"N.", "more than 100 pickle opcodes"),
    ("objects", PROTO2 + b"(" + b"N" * 101 + b"l.", "more than 100 objects"),
    ("memo", b"\x80\x04N" + b"\x94" * 101 + b".", "more than 100 memo entries"),
])
def test_counters_are_bounded(field, pickled, problem):
    with pytest.raises(PickleError, match=problem):
        load(pickled, replace(PickleLimits(), **{field: 100}))


def test_limits_cover_every_pickle_of_one_machine():
    machine = PickleMachine(allow_list().resolve, None, PickleLimits(opcodes=10))
    machine.load(PROTO2 + b"NN0.")  # 5 opcodes
    with pytest.raises(PickleError, match="more than 10 pickle opcodes"):
        machine.load(PROTO2 + b"NN0N0.")


def test_calls_pay_for_the_elements_they_receive():
    # One 1000-element list handed to set() 1000 times is a million element visits for ~4000 opcodes.
    pickled = PROTO2 + b"cbuiltins\nset\nq\x00](" + b"K\x01" * 1000 + b"e\x85q\x01" + b"h\x00h\x01R0" * 1000 + b"N."
    with pytest.raises(PickleError, match="more than 500000 pickle opcodes"):
        load(pickled)


@pytest.mark.parametrize("pickled, value", [
    (PROTO2 + b"\x8a\x20" + b"\xff" * 31 + b"\x7f.", 2**255 - 1),
    (b"L" + b"9" * 77 + b"L\n.", int("9" * 77)),
    (b"I01\n.", True),
])
def test_ints_up_to_the_limit_load(pickled, value):
    assert load(pickled) == value


@pytest.mark.parametrize("pickled, problem", [
    (PROTO2 + b"\x8a\x21" + b"\x00" * 33 + b".", "an integer of 33 bytes"),
    (PROTO2 + b"\x8b" + struct.pack("<i", 2**31 - 1) + b".", "an integer of 2147483647 bytes"),
    (PROTO2 + b"\x8b" + struct.pack("<i", -1) + b".", "negative LONG4 length"),
    (b"I" + b"1" * 100 + b"\n.", "an integer literal of 100 characters"),
    (b"F" + b"1" * 100 + b"\n.", "a float literal of 100 characters"),
])
def test_huge_numbers_are_refused_before_decoding(pickled, problem):
    with pytest.raises(PickleError, match=problem):
        load(pickled)


@pytest.mark.parametrize("pickled, name", [
    (b"(cbuiltins\nset\ni.", "INST"),
    (b"(cbuiltins\nset\no.", "OBJ"),
    (PROTO2 + b"cbuiltins\nset\n)\x81.", "NEWOBJ"),
    (b"\x80\x04cbuiltins\nset\n)}\x92.", "NEWOBJ_EX"),
    (PROTO2 + b"\x82\x01.", "EXT1"),
    (b"\x80\x05\x97.", "NEXT_BUFFER"),
])
def test_opcodes_that_create_arbitrary_objects_are_refused(pickled, name):
    with pytest.raises(PickleError, match=f"refusing pickle opcode {name} "):
        load(pickled)


@pytest.mark.parametrize("pickled, problem", [
    (PROTO2 + b"\xff.", "unknown opcode 0xff"),
    (PROTO2 + b"0.", "no MARK"),
    (PROTO2 + b"t.", "no MARK"),
    (PROTO2 + b".", "stack underflow"),
    (PROTO2 + b"N", "ends before its STOP"),
    (PROTO2 + b"X\xff\xff\xff\x00abc.", "runs past the end"),
    (PROTO2 + b"h\x07.", "memo index 7 was never stored"),
    (b"\x80\x06N.", "unsupported pickle protocol 6"),
    (b"S'unquoted\n.", "without matching quotes"),
    (PROTO2 + b"X\x01\x00\x00\x00\xff.", "not utf-8"),
    (PROTO2 + b"N)R.", "refusing to call a NoneType"),
    (PROTO2 + b"ctorch\nFloatStorage\n)R.", "refusing to call torch.FloatStorage"),
    (PROTO2 + b"cbuiltins\nset\nNR.", "builtins.set called with a NoneType for arguments"),
    (PROTO2 + b"NN]a.", "APPEND on a NoneType"),
])
def test_malformed_pickles_are_one_line_errors(pickled, problem):
    with pytest.raises(PickleError, match=problem) as caught:
        load(pickled)
    assert "\n" not in str(caught.value)


def test_globals_outside_the_allow_list_are_refused_and_escaped():
    with pytest.raises(ForbiddenGlobal) as caught:
        load(b"c\x1b[2Jos\nsystem\n.")
    assert str(caught.value) == r"refusing pickle global \x1b[2Jos.system (not on the allow-list; nothing was run)"


def test_build_on_an_allow_list_constant_is_refused_and_changes_nothing(tmp_path):
    float_storage = STORAGE_TYPES["FloatStorage"]
    hostile = tmp_path / "hostile.zip.pth"
    hostile.write_bytes(craft.zip_checkpoint({"t": craft.Call(craft.Global("torch", "FloatStorage"), ())}, {}))
    rewrite = PROTO2 + b"ctorch\nFloatStorage\n}X\x09\x00\x00\x00raw_dtypeX\x03\x00\x00\x00<f8sb."
    with pytest.raises(PickleError, match="refusing BUILD on torch.FloatStorage"):
        load(rewrite)
    assert STORAGE_TYPES["FloatStorage"] is float_storage and float_storage.raw_dtype == "<f4"
    # A benign file read afterwards in the same process still gets float32 values.
    benign = tmp_path / "benign.zip.pth"
    values = np.array([1.5, -2.0], "<f4")
    storage = craft.storage("FloatStorage", "0", 2)
    benign.write_bytes(craft.zip_checkpoint({"state_dict": {"w": craft.tensor(storage, 0, (2,), (1,))}}, {"0": values}))
    np.testing.assert_array_equal(load_checkpoint(benign)["state_dict"]["w"], values)


def ordered_dict_with_state(extra: bytes = b"") -> bytes:
    """OrderedDict() with a torch-like `_metadata` state, then `extra` opcodes before STOP."""
    return (PROTO2 + b"ccollections\nOrderedDict\n)Rq\x00}X\x09\x00\x00\x00_metadata}sb" + extra + b".")


def test_build_applies_once_to_a_fresh_object():
    assert load(ordered_dict_with_state()) == collections.OrderedDict()
    with pytest.raises(PickleError, match="refusing BUILD on a OrderedDict"):
        load(ordered_dict_with_state(b"}b"))
    with pytest.raises(PickleError, match="refusing BUILD on a OrderedDict"):
        load(PROTO2 + b"ccollections\nOrderedDict\n)Rq\x00h\x00\x850}b.")  # after it was used in a tuple
    with pytest.raises(PickleError, match="refusing BUILD on a list"):
        load(PROTO2 + b"]}b.")


@pytest.mark.parametrize("state, problem", [
    (b"(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t", None),
    (b"(K\x03X\x01\x00\x00\x00<N)NJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t", "unsupported numpy dtype state"),
    (b"N", "unsupported numpy dtype state"),
    (b"(K\x03X\x01\x00\x00\x00<NNN]J\xff\xff\xff\xffK\x00t", None),
    (b"(]X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t", "unsupported numpy dtype state"),
])
def test_numpy_dtype_state_is_only_a_byte_order(state, problem):
    pickled = PROTO2 + b"cnumpy\ndtype\nX\x02\x00\x00\x00f8\x89\x88\x87R" + state + b"b."
    if problem is None:
        assert load(pickled).dtype == np.dtype("<f8")
    else:
        with pytest.raises(CheckpointError, match=problem):
            load(pickled)


def test_callables_see_only_what_the_pickle_built():
    seen = []
    callable_ = PickleCallable("test.f", lambda *args: seen.append(args) or "result")
    resolve = {("test", "f"): callable_}.get
    assert load(PROTO2 + b"ctest\nf\nK\x01X\x01\x00\x00\x00a\x86R.", resolve=lambda m, n: resolve((m, n))) == "result"
    assert seen == [(1, "a")]


@pytest.mark.parametrize("value, text", [
    ("a\nb\x1b[0m", r"'a\nb\x1b[0m'"), (b"\x00", r"b'\x00'"), (7, "7"), (2**200, "an integer of 204 bits"),
    ((1, 2), "a tuple"), ("x" * 70, "'" + "x" * 60 + "'..."),
])
def test_values_are_quoted_escaped_and_short(value, text):
    assert shown(value) == text


def test_escaped_text_has_no_control_characters():
    assert escaped("\u2028\x85\t\x7f") == r"\u2028\x85\t\x7f"


@pytest.mark.parametrize("fmt", ["legacy", "zip"])
def test_the_defaults_hold_a_wide_resnet_101_checkpoint_six_times_over(tmp_path, fmt):
    checkpoint, storages = craft.resnet_checkpoint(legacy=fmt == "legacy")
    writer = craft.legacy_checkpoint if fmt == "legacy" else craft.zip_checkpoint
    path = tmp_path / f"wrn101.{fmt}.pth"
    path.write_bytes(writer(checkpoint, storages))
    defaults = CheckpointLimits()
    sixth = PickleLimits(opcodes=defaults.pickle.opcodes // 6, objects=defaults.pickle.objects // 6,
                         memo=defaults.pickle.memo // 6, depth=defaults.pickle.depth // 6,
                         int_bytes=defaults.pickle.int_bytes // 2)
    loaded = load_checkpoint(path, replace(defaults, pickle=sixth, tensors=defaults.tensors // 6))
    state_dict = loaded["state_dict"]
    assert type(state_dict) is collections.OrderedDict and len(state_dict) == 522
    assert list(state_dict)[:3] == ["module.conv1.weight", "module.conv1.scores", "module.bn1.running_mean"]
    assert len(loaded["optimizer"]["state"]) == 105 and loaded["optimizer"]["param_groups"][0]["lr"] == 0.1
