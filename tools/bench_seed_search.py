#!/usr/bin/env python3
"""Time `supermask recover-seed` over all 2^32 seeds: the budgets of docs/seed-recovery.md.

Each model should hold the last seed a search tests (``--seed 4294967295``, made by
tools/make_seed_recovery_fixtures.py --worst-case), so that recovering it scans every seed and ends with the seed
verified. Runs each model --runs times (interleaved, so a change in the machine's load hits every model alike) and
prints, per model, the median wall time, the median CPU time (user + system, of the process and its children), the
seeds per second per thread, and the 1-minute load average before and after every run: the machine may be shared,
and then CPU time / threads says what the search takes on idle cores better than wall time.

Usage: python3 tools/bench_seed_search.py MODEL.h5 [MODEL.h5 ...] [--runs 5] [--threads N]
                                          [--supermask .build/release/supermask] [--json results.json]
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu_name():
    fields = {}
    with open("/proc/cpuinfo") as file:
        for line in file:
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    return f"{fields.get('model name', '?')} (family {fields.get('cpu family', '?')}, model {fields.get('model', '?')})"


def load_average():
    with open("/proc/loadavg") as file:
        return float(file.read().split()[0])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--supermask", default=os.path.join(ROOT, ".build", "release", "supermask"))
    parser.add_argument("--json", help="also write every run here")
    options = parser.parse_args()
    print(f"CPU: {cpu_name()}, {os.cpu_count()} cores; {options.threads} threads; {options.runs} runs per model")
    runs = {model: [] for model in options.models}
    for run in range(options.runs):
        for model in options.models:
            before = load_average()
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            result = subprocess.run(
                [options.supermask, "recover-seed", model, "--json", "--threads", str(options.threads)],
                capture_output=True, text=True, check=False)
            after = load_average()
            used = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = used.ru_utime + used.ru_stime - usage.ru_utime - usage.ru_stime
            if result.returncode != 0:
                sys.exit(f"{model}: recover-seed failed\n{result.stderr}")
            record = json.loads(result.stdout)
            record.update(load_before=before, load_after=after, cpu_seconds=cpu)
            runs[model].append(record)
            print(f"run {run + 1} {os.path.basename(model)}: seed {record['torch_seed']}, {record['seconds']:.1f} s, {cpu:.1f} CPU s, "
                  f"{record['candidates']} seeds, load {before:.2f} → {after:.2f}", flush=True)
    print()
    print(f"{'model':40} {'init':16} {'median s':>9} {'min s':>7} {'max s':>7} {'CPU s':>7} {'M seeds/s/thread':>17} "
          f"{'ns/seed/thread':>15}  load before → after")
    for model, records in runs.items():
        seconds = [record["seconds"] for record in records]
        median = statistics.median(seconds)
        cpu = statistics.median(record["cpu_seconds"] for record in records)
        per_thread = records[0]["candidates"] / median / options.threads
        loads = ", ".join(f"{record['load_before']:.1f}→{record['load_after']:.1f}" for record in records)
        print(f"{os.path.basename(model):40} {records[0]['init']:16} {median:9.1f} {min(seconds):7.1f} "
              f"{max(seconds):7.1f} {cpu:7.1f} {per_thread / 1e6:17.2f} {1e9 / per_thread:15.1f}  {loads}")
        print(f"{'':40} {records[0]['kernels']}")
    if options.json:
        with open(options.json, "w") as file:
            json.dump({"cpu": cpu_name(), "threads": options.threads, "runs": runs}, file, indent=1)


if __name__ == "__main__":
    main()
