#!/usr/bin/env python3
"""Run one subnetwork through supermask and every CPU peer on this machine and print the ratios.

    python3 tools/bench_peers.py MODEL.pth [--batch-sizes 1,32] [--threads 1,2] [--runs 5]
    python3 tools/bench_peers.py --setup-venv DIR MODEL.pth ...   # peers installed into a venv of their own

MODEL is a hidden-networks checkpoint (.pth) with its converted .h5 next to it (tools/conformance.py
--keep-files writes both), or the .h5 with the .pth next to it. The peers run the same subnetwork stored
dense: every masked weight is multiplied by its mask once, then the model is an ordinary float32 network, run by
PyTorch eager, PyTorch channels-last, and, from an ONNX export of it, ONNX Runtime (intra_op_num_threads = threads),
OpenVINO (f32 precision hint, LATENCY hint, INFERENCE_NUM_THREADS = threads) and DeepSparse 1.8.0
(compile_model(onnx, batch_size, num_cores = threads), the one engine built for unstructured sparsity). supermask
runs `supermask bench --json`. A peer whose package is missing is skipped, with a note.

Every number is the median of --runs timed runs after a warm-up. The runners take turns run by run within each
(threads, batch size) setting: in every round each runner times one batch (supermask: one `supermask bench --runs 1`
process, which warms up first), so a change in the machine's load falls on all of them alike. Every table is
printed with the CPU (family, model, name, flags) and the load average after each row. Peak memory is each
runner's maximum resident set at batch 1 on one thread, measured in a fresh process.

--setup-venv DIR creates a virtual environment at DIR (if it has none yet), installs torch, onnx, onnxruntime,
openvino and deepsparse==1.8.0 into it with pip (DeepSparse 1.8.0 needs Python 3.8-3.11; 1.9.0 does not build),
and runs this script inside it.
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

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_BINARY = os.path.join(ROOT, ".build", "release", "supermask")
# What --setup-venv installs. DeepSparse 1.8.0 pins onnx <= 1.14.1; the other peers take what pip resolves.
VENV_PACKAGES = ["deepsparse==1.8.0", "openvino", "onnxruntime", "onnx", "torch"]
PEERS = ("onnxruntime", "openvino", "deepsparse", "torch", "torch_channels_last")
COLUMN_TITLES = {"supermask": "supermask", "onnxruntime": "ORT", "openvino": "OpenVINO", "deepsparse": "DeepSparse",
                 "torch": "torch", "torch_channels_last": "torch CL"}


def integer_list(text):
    values = [int(part) for part in text.split(",")]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers like 1,32; got {text!r}")
    return values


def setup_venv(directory):
    """Creates the venv at `directory` with the peers unless it exists, and returns its python."""
    python = os.path.join(directory, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", directory], check=True)
        subprocess.run([python, "-m", "pip", "install", *VENV_PACKAGES], check=True)
    return python


def without_option(argv, name):
    """`argv` without option `name` and its value."""
    result, skip = [], False
    for argument in argv:
        if skip or argument == name:
            skip = not skip
            continue
        if not argument.startswith(name + "="):
            result.append(argument)
    return result


def sibling(path, suffix):
    """`path` with its extension replaced by `suffix`, which must exist."""
    candidate = os.path.splitext(path)[0] + suffix
    if not os.path.exists(candidate):
        sys.exit(f"bench_peers: error: {path}: needs {candidate} next to it")
    return candidate


def cpu_description():
    """Family, model, name, cache sizes and flags of this machine's CPU, from /proc/cpuinfo and sysfs."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                key, _, value = line.partition(":")
                key = key.strip()
                if key and key not in fields:
                    fields[key] = value.strip()
                if not line.strip() and fields:
                    break
    except OSError:
        return {"name": "unknown"}
    caches = {}
    for index in range(8):
        base = f"/sys/devices/system/cpu/cpu0/cache/index{index}"
        try:
            with open(f"{base}/level") as level, open(f"{base}/type") as kind, open(f"{base}/size") as size:
                caches[f"L{level.read().strip()}{'d' if kind.read().strip() == 'Data' else ''}"] = size.read().strip()
        except OSError:
            break
    return {"name": fields.get("model name", "unknown"), "family": fields.get("cpu family"),
            "model": fields.get("model"), "stepping": fields.get("stepping"), "vcpus": os.cpu_count(),
            "caches": {k: v for k, v in caches.items() if k != "L1"}, "flags": fields.get("flags", "").split()}


def print_cpu(cpu):
    caches = ", ".join(f"{k} {v}" for k, v in sorted(cpu.get("caches", {}).items()))
    print(f"CPU: {cpu['name']} (family {cpu.get('family')}, model {cpu.get('model')}, stepping {cpu.get('stepping')}), "
          f"{cpu.get('vcpus')} vCPUs; {caches}")
    print(f"flags: {' '.join(cpu.get('flags', []))}")


def load_dense_subnetwork(pth, keep):
    """The checkpoint's network with masks applied once: plain float32 convolutions, eval mode."""
    import torch
    import torch.nn as nn
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import reference_models as rm
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
    return arch, rm.INPUT_SHAPES[arch], model.eval()


def export_onnx(model, shape, path):
    import torch
    x = torch.randn([1, *shape])
    options = {"dynamic_axes": {"input": {0: "batch"}, "logits": {0: "batch"}},
               "input_names": ["input"], "output_names": ["logits"], "opset_version": 13}
    try:
        with warnings.catch_warnings():
            # The TorchScript exporter is deprecated but needs no onnxscript; its graph is what we time.
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (x,), path, dynamo=False, **options)
    except TypeError:  # older torch without the dynamo switch
        torch.onnx.export(model, (x,), path, **options)


def random_batch(batch, shape):
    import numpy as np
    return np.random.default_rng(0).standard_normal([batch, *shape]).astype(np.float32)


# Each make_* returns a function that runs one batch, set up for `threads` threads and `batch` images.

def make_onnxruntime(onnx_path, batch, threads, shape, model=None):
    import onnxruntime as ort
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = ort.InferenceSession(onnx_path, options, providers=["CPUExecutionProvider"])
    x = random_batch(batch, shape)
    return lambda: session.run(None, {"input": x})


def make_openvino(onnx_path, batch, threads, shape, model=None):
    import openvino as ov
    core = ov.Core()
    network = core.read_model(onnx_path)
    network.reshape([batch, *shape])
    compiled = core.compile_model(network, "CPU", {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY",
                                                  "INFERENCE_PRECISION_HINT": "f32"})
    request = compiled.create_infer_request()
    x = random_batch(batch, shape)
    return lambda: request.infer({0: x})


def make_deepsparse(onnx_path, batch, threads, shape, model=None):
    from deepsparse import compile_model
    engine = compile_model(onnx_path, batch_size=batch, num_cores=threads)
    x = random_batch(batch, shape)
    return lambda: engine.run([x])


def make_torch(onnx_path, batch, threads, shape, model=None, channels_last=False):
    import torch
    torch.set_num_threads(threads)
    x = torch.randn([batch, *shape])
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.to(memory_format=torch.channels_last)
    else:
        model = model.to(memory_format=torch.contiguous_format)

    def run():
        with torch.inference_mode():
            model(x)
    return run


MAKERS = {"onnxruntime": make_onnxruntime, "openvino": make_openvino, "deepsparse": make_deepsparse,
          "torch": make_torch, "torch_channels_last": lambda *a, **k: make_torch(*a, **k, channels_last=True)}
MODULES = {"onnxruntime": "onnxruntime", "openvino": "openvino", "deepsparse": "deepsparse", "torch": "torch",
           "torch_channels_last": "torch"}


def timed(run):
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def resident_peak_bytes():
    """VmHWM of this process. (ru_maxrss would not do: Linux carries it over from the parent across fork+exec.)"""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def peak_memory_child(kind, pth, keep, onnx_path):
    """Entry point of the fresh process that measures one runner's peak memory at batch 1, 1 thread."""
    if kind == "torch":
        arch, shape, model = load_dense_subnetwork(pth, keep)
        run = make_torch(None, 1, 1, shape, model)
    else:
        # Only the exported model: a deployment of these engines never loads the PyTorch checkpoint.
        import onnx
        dims = onnx.load(onnx_path, load_external_data=False).graph.input[0].type.tensor_type.shape.dim[1:]
        run = MAKERS[kind](onnx_path, 1, 1, [d.dim_value for d in dims])
    for _ in range(3):
        run()
    print(resident_peak_bytes())


def peak_memory(kind, args, pth, h5, onnx_path):
    if kind == "supermask":
        command = [args.supermask, "bench", h5, "--batch-size", "1", "--threads", "1", "--runs", "3", "--json"]
        return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)["peak_memory_bytes"]
    command = [sys.executable, os.path.abspath(__file__), pth, "--peak-memory-child", kind, "--keep", repr(args.keep),
               "--onnx", onnx_path]
    return int(subprocess.run(command, check=True, capture_output=True, text=True).stdout.split()[-1])


def supermask_run(args, h5, batch, threads):
    """One `supermask bench` process timing one batch after its warm-up: (seconds, report)."""
    command = [args.supermask, "bench", h5, "--batch-size", str(batch), "--threads", str(threads), "--runs", "1",
               "--layers", "0", "--json"]
    report = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    return batch / report["results"][0]["images_per_second"], report


def measure_setting(args, h5, onnx_path, shape, model, peers, batch, threads):
    """Images/s of every runner at one setting, the runners taking turns run by run."""
    runs = {}
    for peer in peers:
        try:
            runs[peer] = MAKERS[peer](onnx_path, batch, threads, shape, model)
            runs[peer]()  # warm-up (and, for some engines, the lazy part of compilation)
        except Exception as error:  # a peer that cannot run this setting is reported, not fatal
            print(f"bench_peers: {peer} failed at batch {batch}, {threads} threads: {error}", file=sys.stderr)
    times = {name: [] for name in ["supermask", *runs]}
    report = None
    for _ in range(args.runs):
        seconds, report = supermask_run(args, h5, batch, threads)
        times["supermask"].append(seconds)
        for name, run in runs.items():
            times[name].append(timed(run))
    row = {"batch_size": batch, "threads": threads}
    for name, samples in times.items():
        row[name] = batch / statistics.median(samples)
        row[name + "_spread"] = [batch / max(samples), batch / min(samples)]
    row["loadavg"] = os.getloadavg()[0]
    return row, report


def print_table(rows, columns):
    titles = [COLUMN_TITLES[c] for c in columns]
    print("batch thr " + " ".join(f"{t:>10}" for t in titles) + "  ×DeepSparse  ×best(ORT,OV)  load")
    for r in rows:
        # Two decimals below 10 images/s, where one would hide the differences.
        cells = " ".join((f"{r[c]:>10.2f}" if r[c] < 10 else f"{r[c]:>10.1f}") if r.get(c) else f"{'-':>10}"
                         for c in columns)
        deepsparse = f"{r['supermask'] / r['deepsparse']:>11.2f}" if r.get("deepsparse") else f"{'-':>11}"
        dense = max([r[c] for c in ("onnxruntime", "openvino") if r.get(c)], default=None)
        dense_ratio = f"{r['supermask'] / dense:>14.2f}" if dense else f"{'-':>14}"
        print(f"{r['batch_size']:>5} {r['threads']:>3} {cells}  {deepsparse} {dense_ratio}  {r['loadavg']:>4.2f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model", help="checkpoint .pth (with its .h5 next to it) or .h5 (with its .pth)")
    parser.add_argument("--batch-sizes", type=integer_list, default=[1, 32])
    parser.add_argument("--threads", type=integer_list, default=[1, 2])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per runner and setting (median; at least 5)")
    parser.add_argument("--keep", type=float, default=0.3, help="fraction of weights kept (0.3 for released models)")
    parser.add_argument("--supermask", default=DEFAULT_BINARY, help="the supermask binary")
    parser.add_argument("--peers", default=",".join(PEERS), help=f"comma-separated subset of {','.join(PEERS)}")
    parser.add_argument("--setup-venv", metavar="DIR", help="install the peers into a venv at DIR and run there")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    parser.add_argument("--no-memory", action="store_true", help="skip the peak-memory processes")
    parser.add_argument("--peak-memory-child", choices=PEERS, help=argparse.SUPPRESS)
    parser.add_argument("--onnx", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.setup_venv:
        python = setup_venv(os.path.abspath(args.setup_venv))
        os.execv(python, [python, os.path.abspath(__file__), *without_option(sys.argv[1:], "--setup-venv")])

    pth = args.model if args.model.endswith((".pth", ".pt")) else sibling(args.model, ".pth")
    h5 = args.model if args.model.endswith(".h5") else sibling(args.model, ".h5")
    if args.peak_memory_child:
        peak_memory_child(args.peak_memory_child, pth, args.keep, args.onnx)
        return 0
    if args.runs < 1:
        sys.exit("bench_peers: error: --runs must be at least 1")

    requested = [p for p in args.peers.split(",") if p]
    unknown = [p for p in requested if p not in PEERS]
    if unknown:
        sys.exit(f"bench_peers: error: unknown peers {unknown}; choose from {','.join(PEERS)}")
    peers = [p for p in requested if importlib.util.find_spec(MODULES[p]) is not None]
    for p in requested:
        if p not in peers:
            print(f"bench_peers: {MODULES[p]} is not installed (try --setup-venv DIR); skipping {p}", file=sys.stderr)
    if importlib.util.find_spec("torch") is None:
        sys.exit("bench_peers: error: needs torch to read the checkpoint (pip install torch, or --setup-venv DIR)")

    cpu = cpu_description()
    arch, shape, model = load_dense_subnetwork(pth, args.keep)
    rows, reports = [], []
    with tempfile.TemporaryDirectory() as scratch:
        onnx_path = os.path.join(scratch, "model.onnx")
        export_onnx(model, shape, onnx_path)
        for threads in args.threads:
            for batch in args.batch_sizes:
                row, report = measure_setting(args, h5, onnx_path, shape, model, peers, batch, threads)
                print("bench_peers: " + ", ".join(f"{k} {v:.2f}" for k, v in row.items() if isinstance(v, float)),
                      file=sys.stderr, flush=True)
                rows.append(row)
                reports.append(report)
        kinds = ["supermask", *[p for p in peers if p != "torch_channels_last"]]
        memory = {} if args.no_memory else {kind: peak_memory(kind, args, pth, h5, onnx_path) for kind in kinds}

    versions = {}
    for name in ("torch", "onnxruntime", "openvino", "deepsparse"):
        if importlib.util.find_spec(name) is not None:
            try:
                versions[name] = __import__(name).__version__
            except Exception:
                versions[name] = "?"
    result = {"model": args.model, "arch": arch, "runs": args.runs, "cpu": cpu, "versions": versions,
              "results": rows, "peak_memory_bytes_batch1_1thread": memory, "loadavg": os.getloadavg(),
              "date": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()), "supermask_reports": reports}
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{arch} ({args.model}); images/s, median of {args.runs} interleaved runs; {result['date']}")
    print_cpu(cpu)
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions.items())
          + f"; supermask kernels: {reports[0]['instruction_set'] if reports and reports[0] else '?'}")
    print_table(rows, ["supermask", *peers])
    for kind, value in memory.items():
        print(f"peak memory (batch 1, 1 thread) {kind:<12} {value / 2 ** 20:8.1f} MiB")
    print(f"load average at the end: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
