"""tools/bench_peers.py's own logic (the benchmarks themselves need torch and the peers, never CI)."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
import bench_peers  # noqa: E402


def test_setup_venv_is_not_forwarded_to_the_script_run_inside_the_venv():
    argv = ["m.pth", "--setup-venv", "/tmp/v", "--runs", "7", "--setup-venv=/tmp/w", "--threads", "1"]
    assert bench_peers.without_option(argv, "--setup-venv") == ["m.pth", "--runs", "7", "--threads", "1"]


def test_the_table_divides_supermask_by_deepsparse_and_by_the_faster_dense_engine(capsys):
    row = {"batch_size": 32, "threads": 2, "supermask": 30.0, "onnxruntime": 10.0, "openvino": 15.0,
           "deepsparse": 20.0, "loadavg": 1.25}
    bench_peers.print_table([row], ["supermask", "onnxruntime", "openvino", "deepsparse"])
    header, line = capsys.readouterr().out.splitlines()
    assert header.split()[2:6] == ["supermask", "ORT", "OpenVINO", "DeepSparse"]
    # × DeepSparse = 30 / 20, × best of ORT and OpenVINO = 30 / 15.
    assert line.split() == ["32", "2", "30.0", "10.0", "15.0", "20.0", "1.50", "2.00", "1.25"]


def test_a_missing_peer_is_a_dash_not_a_ratio(capsys):
    row = {"batch_size": 1, "threads": 1, "supermask": 12.0, "onnxruntime": 8.0, "loadavg": 0.5}
    bench_peers.print_table([row], ["supermask", "onnxruntime", "deepsparse"])
    line = capsys.readouterr().out.splitlines()[1]
    assert line.split() == ["1", "1", "12.0", "8.00", "-", "-", "1.50", "0.50"]


@pytest.mark.skipif(not os.path.exists("/proc/cpuinfo"), reason="needs Linux's /proc/cpuinfo")
def test_the_cpu_description_names_family_model_and_flags():
    cpu = bench_peers.cpu_description()
    with open("/proc/cpuinfo") as info:
        text = info.read()
    assert f"cpu family\t: {cpu['family']}" in text
    assert f"model\t\t: {cpu['model']}" in text
    assert cpu["flags"] and all(flag in text for flag in cpu["flags"][:5])
