"""The costliest checkpoints under 1 MB (fuzz/pickle_worst_cases.py): each is refused in one line, or
converted, as listed, in bounded time."""

import time

import pytest

from pickle_worst_cases import cases
from pth2h5 import ConversionError, convert

# The converter takes under 0.5 s of CPU on any case on the 2-core development machine; the bound
# leaves room for slower CI machines while still catching anything superlinear.
CPU_SECONDS = 2.0


CASES = cases()


@pytest.mark.parametrize("name, data, outcome", CASES, ids=[case[0] for case in CASES])
def test_each_worst_case_is_refused_or_converted_quickly(tmp_path, name, data, outcome):
    assert len(data) < 2**20
    source = tmp_path / "case.pth"
    source.write_bytes(data)
    started = time.process_time()
    try:
        result = "wrote" if convert(source, tmp_path / "case.h5") else "nothing"
    except ConversionError as exc:
        result = str(exc)
        assert "\n" not in result and result.startswith(f"{source}: ")
    assert time.process_time() - started < CPU_SECONDS
    assert outcome in result
