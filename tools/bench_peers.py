#!/usr/bin/env python3
"""Run one subnetwork through supermask, ONNX Runtime and PyTorch on this machine and print the ratios.

    python3 tools/bench_peers.py MODEL.pth [--batch-sizes 1,32] [--threads 1,2] [--runs 5]

MODEL is a hidden-networks checkpoint (.pth) with its converted .h5 next to it (tools/conformance.py
--keep-files writes both), or the .h5 with the .pth next to it. The peers run the same subnetwork stored
dense: every masked weight is multiplied by its mask once, then the model is an ordinary float32 network
(PyTorch eager, PyTorch channels-last, and an ONNX export run by ONNX Runtime with intra_op_num_threads set
to the thread count). supermask runs `supermask bench --json` with the same batch sizes and threads. Every
number is the median of --runs timed runs after one warm-up. The runners take turns per (threads, batch size)
setting — supermask, then ONNX Runtime, then PyTorch — so that a change in the machine's load during the run
falls on all of them alike; each row records the load average after it.
Peak memory is each runner's maximum resident set at batch 1 on one thread, measured in a fresh process.
"""

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
import warnings

import torch
import torch.nn as nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import reference_models as rm  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "supermask")


def integer_list(text):
    values = [int(part) for part in text.split(",")]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers like 1,32; got {text!r}")
    return values


def sibling(path, suffix):
    """`path` with its extension replaced by `suffix`, which must exist."""
    candidate = os.path.splitext(path)[0] + suffix
    if not os.path.exists(candidate):
        sys.exit(f"bench_peers: error: {path}: needs {candidate} next to it")
    return candidate


def load_dense_subnetwork(pth, keep):
    """The checkpoint's network with masks applied once: plain float32 convolutions, eval mode."""
    checkpoint = torch.load(pth, map_location="cpu", weights_only=False)
    arch = checkpoint["arch"]
    if arch not in rm.ARCHS:
        sys.exit(f"bench_peers: error: {pth}: unknown arch {arch!r}")
    model = rm.ARCHS[arch]()
    rm.load_prefixed_state_dict(model, checkpoint["state_dict"])
    rm.set_keep(model, keep)
    with torch.no_grad():
        for _, module in rm.subnet_layers(model):
            module.weight.mul_(module.mask())
            # An ordinary convolution from now on: no mask product in every forward pass.
            module.forward = types.MethodType(nn.Conv2d.forward, module)
            del module.scores
    return arch, model.eval()


def median_images_per_second(run, batch, runs):
    run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return batch / statistics.median(times)


def torch_runner(model, batch, shape, channels_last):
    x = torch.randn([batch, *shape])
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)

    def run():
        with torch.inference_mode():
            model(x)
    return run


def export_onnx(model, shape, path):
    x = torch.randn([1, *shape])
    options = {"dynamic_axes": {"input": {0: "batch"}, "logits": {0: "batch"}},
               "input_names": ["input"], "output_names": ["logits"], "opset_version": 17}
    try:
        with warnings.catch_warnings():
            # The TorchScript exporter is deprecated but needs no onnxscript; its graph is what we time.
            warnings.simplefilter("ignore", DeprecationWarning)
            torch.onnx.export(model, (x,), path, dynamo=False, **options)
    except TypeError:  # older torch without the dynamo switch
        torch.onnx.export(model, (x,), path, **options)


def ort_session(path, threads):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])


def ort_runner(session, batch, shape):
    import numpy as np
    x = np.random.default_rng(0).standard_normal([batch, *shape]).astype(np.float32)
    return lambda: session.run(None, {"input": x})


def peak_memory_child(kind, pth, keep, onnx_path):
    """Entry point of the fresh process that measures one runner's peak memory at batch 1, 1 thread."""
    if kind == "onnxruntime":
        # Only the exported model: a deployment of ONNX Runtime never loads the PyTorch checkpoint.
        session = ort_session(onnx_path, 1)
        run = ort_runner(session, 1, session.get_inputs()[0].shape[1:])
    else:
        torch.set_num_threads(1)
        arch, model = load_dense_subnetwork(pth, keep)
        run = torch_runner(model, 1, rm.INPUT_SHAPES[arch], channels_last=False)
    for _ in range(3):
        run()
    print(resident_peak_bytes())


def resident_peak_bytes():
    """VmHWM of this process. (ru_maxrss would not do: Linux carries it over from the parent across fork+exec.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def peak_memory(kind, pth, keep, onnx_path, binary, h5):
    if kind == "supermask":
        command = [binary, "bench", h5, "--batch-size", "1", "--threads", "1", "--runs", "3", "--json"]
        return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)["peak_memory_bytes"]
    command = [sys.executable, os.path.abspath(__file__), pth, "--peak-memory-child", kind, "--keep", repr(keep),
               "--onnx", onnx_path]
    return int(subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="checkpoint .pth (with its .h5 next to it) or .h5 (with its .pth)")
    parser.add_argument("--batch-sizes", type=integer_list, default=[1, 32])
    parser.add_argument("--threads", type=integer_list, default=[1, 2])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep", type=float, default=0.3, help="fraction of weights kept (0.3 for released models)")
    parser.add_argument("--supermask", default=DEFAULT_BINARY, help="the supermask binary")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory processes")
    parser.add_argument("--peak-memory-child", choices=["torch", "onnxruntime"], help=argparse.SUPPRESS)
    parser.add_argument("--onnx", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    pth = args.model if args.model.endswith((".pth", ".pt")) else sibling(args.model, ".pth")
    h5 = args.model if args.model.endswith(".h5") else sibling(args.model, ".h5")
    if args.peak_memory_child:
        peak_memory_child(args.peak_memory_child, pth, args.keep, args.onnx)
        return 0

    def supermask_bench(batch, threads):
        command = [args.supermask, "bench", h5, "--batch-size", str(batch), "--threads", str(threads),
                   "--runs", str(args.runs), "--json"]
        return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)

    arch, model = load_dense_subnetwork(pth, args.keep)
    shape = rm.INPUT_SHAPES[arch]
    have_ort = importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None
    if not have_ort:
        print("bench_peers: onnxruntime/onnx not installed (pip install onnxruntime onnx); skipping ONNX Runtime",
              file=sys.stderr)
    rows = []
    reports = []
    with tempfile.TemporaryDirectory() as scratch:
        onnx_path = os.path.join(scratch, "model.onnx")
        if have_ort:
            export_onnx(model, shape, onnx_path)
        for threads in args.threads:
            torch.set_num_threads(threads)
            session = ort_session(onnx_path, threads) if have_ort else None
            for batch in args.batch_sizes:
                report = supermask_bench(batch, threads)
                reports.append(report)
                row = {"batch_size": batch, "threads": threads,
                       "supermask": report["results"][0]["images_per_second"]}
                row["onnxruntime"] = median_images_per_second(
                    ort_runner(session, batch, shape), batch, args.runs) if have_ort else None
                row["torch"] = median_images_per_second(torch_runner(model, batch, shape, False), batch, args.runs)
                row["torch_channels_last"] = median_images_per_second(
                    torch_runner(model, batch, shape, True), batch, args.runs)
                model = model.to(memory_format=torch.contiguous_format)
                row["loadavg"] = os.getloadavg()[0]
                rows.append(row)
        kinds = ("supermask", "onnxruntime", "torch") if have_ort else ("supermask", "torch")
        memory = {} if args.no_memory else {
            kind: peak_memory(kind, pth, args.keep, onnx_path, args.supermask, h5) for kind in kinds}

    result = {"model": args.model, "arch": arch, "runs": args.runs, "results": rows,
              "peak_memory_bytes_batch1_1thread": memory, "loadavg": os.getloadavg(),
              "supermask_reports": reports}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{arch} ({args.model}); images/s, median of {args.runs} runs; loadavg {os.getloadavg()[0]:.2f}")
    header = (f"{'batch':>5} {'thr':>3} {'supermask':>10} {'ORT':>8} {'torch':>8} {'torch CL':>8} {'×ORT':>6} "
              f"{'×torch':>7} {'load':>5}")
    print(header)
    for r in rows:
        best_torch = max(r["torch"], r["torch_channels_last"])
        ort = f"{r['onnxruntime']:>8.1f}" if r["onnxruntime"] else f"{'-':>8}"
        ort_ratio = f"{r['supermask'] / r['onnxruntime']:>6.2f}" if r["onnxruntime"] else f"{'-':>6}"
        print(f"{r['batch_size']:>5} {r['threads']:>3} {r['supermask']:>10.1f} {ort} "
              f"{r['torch']:>8.1f} {r['torch_channels_last']:>8.1f} {ort_ratio} "
              f"{r['supermask'] / best_torch:>7.2f} {r['loadavg']:>5.2f}")
    for kind, value in memory.items():
        print(f"peak memory (batch 1, 1 thread) {kind:<12} {value / 2 ** 20:8.1f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
