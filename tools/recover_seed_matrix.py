#!/usr/bin/env python3
"""Run `supermask recover-seed` with no hint on checkpoints made by hidden-networks' code and check each answer.

Each MODEL.h5 is named as a case of Tests/Fixtures/seed-recovery/manifest.json (e.g. resnet50-ukn-avx2-unseeded,
made by tools/make_seed_recovery_fixtures.py --checkpoints DIR), which records the torch seed torch drew it from.
One JSON line per model goes to --out: the seed found and the one expected, the profile named, the seconds and
candidates the search reports, and the load average before and after; a summary line per model to stdout.

Usage: python3 tools/recover_seed_matrix.py --supermask BINARY [--out results.jsonl] MODEL.h5 ...
"""
import argparse
import json
import os
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--supermask", required=True)
    parser.add_argument("--out", default="recover-seed-matrix.jsonl")
    parser.add_argument("models", nargs="+")
    options = parser.parse_args()
    with open(os.path.join(ROOT, "Tests", "Fixtures", "seed-recovery", "manifest.json")) as file:
        truth = {case["name"]: case for case in json.load(file)["cases"]}
    failures = 0
    with open(options.out, "a") as out:
        for path in options.models:
            name = os.path.basename(path)[:-len(".h5")]
            case = truth[name]
            load_before = open("/proc/loadavg").read().split()[0]
            result = subprocess.run([options.supermask, "recover-seed", path, "--json"], capture_output=True, text=True)
            load_after = open("/proc/loadavg").read().split()[0]
            record = json.loads(result.stdout) if result.stdout.strip() else {}
            expected = int(case["torch_seed"]) & 0xFFFFFFFF
            row = {"name": name, "status": result.returncode, "torch_seed": record.get("torch_seed"),
                   "expected": expected, "ok": result.returncode == 0 and record.get("torch_seed") == expected,
                   "profile": record.get("profile"), "built_with": case["profile"], "seconds": record.get("seconds"),
                   "candidates": record.get("candidates"), "load_before": load_before, "load_after": load_after,
                   "error": result.stderr.strip()[-300:] if result.returncode else ""}
            failures += not row["ok"]
            out.write(json.dumps(row) + "\n")
            print(f"{name:36} {'ok  ' if row['ok'] else 'FAIL'} seed {row['torch_seed']} profile {row['profile']} "
                  f"{row['seconds']} s, load {load_before}→{load_after}", flush=True)
    raise SystemExit(1 if failures else 0)


if __name__ == "__main__":
    main()
