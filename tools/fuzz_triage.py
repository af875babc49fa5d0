#!/usr/bin/env python3
"""Sorts the reproducers a fuzz run left: one per distinct crash, and those a child process contains.

tools/fuzz.sh calls this after each target. Every new reproducer is run once more through the fuzz target to get
its sanitizer report; the report's kind and first frames outside the sanitizer and fuzzer runtimes are its
signature. Of reproducers with the same signature only the first is kept (with its report beside it, as
NAME.txt); the others are deleted. A crash whose first frame is inside a library that supermask runs in a child
process (--contained, e.g. libhdf5, docs/security.md) and that does not involve memory supermask allocated is moved
to contained/: the parent survives it and reports one line, so it is not a supermask finding.

Prints one line per distinct crash on stderr, then "FINDINGS CONTAINED" (two counts) on stdout for the script, and
exits 1 if any crash is not contained.
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys

# Frames of the machinery that reports a crash rather than of the code that crashed.
RUNTIME = re.compile(
    r"compiler-rt/lib|libclang_rt|/libc\.so|libc_start|sysdeps/|__sanitizer|__asan|__interceptor|fuzzer::|"
    r"LLVMFuzzerTestOneInput|Swift runtime failure|<unknown module>| in _start "
)
FRAME = re.compile(r"^\s*#\d+ 0x[0-9a-f]+\s+(?:in (\S+)(?: (\S+))?|\((\S+?)\+(0x[0-9a-f]+)\))")
KINDS = [
    re.compile(r"SUMMARY: AddressSanitizer: ([\w-]+)"),
    re.compile(r"ERROR: AddressSanitizer: ([\w-]+)"),
    re.compile(r"ERROR: libFuzzer: (out-of-memory|timeout|deadly signal)"),
]
SWIFT_TRAP = re.compile(r"Swift runtime failure: ([^/\n]+?)\s*(?:/|$)", re.M)


def reproduce(binary, artifact, seconds):
    """The fuzz target's output on `artifact` alone."""
    try:
        run = subprocess.run(
            [binary, "-timeout=20", "-rss_limit_mb=4096", "-detect_leaks=0", artifact],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=seconds)
        return run.stdout.decode("utf-8", "replace")
    except subprocess.TimeoutExpired as expired:
        return (expired.stdout or b"").decode("utf-8", "replace") + "\nERROR: libFuzzer: timeout (triage)\n"


def frame_name(line):
    """`function (file)` of a stack frame line, `module+offset` when it has no symbol, None for other lines."""
    match = FRAME.match(line)
    if not match:
        return None
    function, location, module, offset = match.groups()
    if function:
        place = os.path.basename((location or "").strip("()").split("+")[0].split(":")[0])
        return f"{function} ({place})" if place else function
    return f"{os.path.basename(module)}+{offset}"


def demangled(names):
    """Swift symbols as people read them, when the toolchain's demangler is at hand."""
    demangler = shutil.which("swift-demangle") or "/opt/swift/usr/bin/swift-demangle"
    if not names or not os.path.exists(demangler):
        return names
    run = subprocess.run([demangler, "--simplified", "--compact"], input="\n".join(names).encode(),
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    lines = run.stdout.decode("utf-8", "replace").splitlines()
    return lines if len(lines) == len(names) else names


def analyse(report):
    """(kind, crash-site frames, frames of the allocation if ASan names one) of a sanitizer report."""
    kind = "unreproduced"
    for pattern in KINDS:
        match = pattern.search(report)
        if match:
            kind = match.group(1)
            break
    trap = SWIFT_TRAP.search(report)
    if trap:
        kind = f"Swift trap: {trap.group(1).strip()}"
    if kind == "out-of-memory":
        # libFuzzer's -rss_limit_mb (single allocations above 4 GB are ASan's allocation-size-too-big).
        kind = "out-of-memory (rss)"
    lines = report.splitlines()
    start = next((i for i, line in enumerate(lines) if "ERROR:" in line), 0)
    crash, allocation, section = [], [], "crash"
    for line in lines[start:]:
        if re.search(r"(allocated|freed) by thread", line):
            section = "allocation" if "allocated" in line else "freed"
            continue
        if line.startswith("SUMMARY:"):
            break
        name = frame_name(line)
        if name is None or RUNTIME.search(line):
            continue
        if section == "crash" and len(crash) < 3:
            crash.append(name)
        elif section == "allocation":
            allocation.append(line)
    return kind, crash, allocation


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--contained", help="regex: a first frame matching it is inside a child-process library")
    parser.add_argument("--minimize", type=int, default=0, help="seconds to minimise each distinct reproducer")
    parser.add_argument("artifacts", nargs="*")
    args = parser.parse_args()

    seen = {}
    replayed_hangs = 0
    for artifact in sorted(args.artifacts, key=os.path.getmtime):
        # Replaying a hang takes 20 s: after ten, further hangs are kept as one finding without a replay.
        hang = os.path.basename(artifact).startswith("timeout-")
        if hang and replayed_hangs >= 10:
            kind, crash, allocation, report = "timeout (not replayed)", [], [], ""
        else:
            replayed_hangs += hang
            # A crash that follows from the heap state earlier inputs left may need a second try, or not recur.
            for _ in range(3):
                report = reproduce(args.binary, artifact, 60)
                kind, crash, allocation = analyse(report)
                if kind != "unreproduced":
                    break
        signature = (kind, tuple(crash))
        contained = bool(
            args.contained and crash and re.search(args.contained, crash[0])
            and not any(re.search(r"Supermask|/Sources/", line) for line in allocation))
        if signature in seen:
            os.remove(artifact)
            seen[signature]["count"] += 1
            continue
        directory = os.path.dirname(artifact)
        if contained:
            directory = os.path.join(directory, "contained")
            os.makedirs(directory, exist_ok=True)
            moved = os.path.join(directory, os.path.basename(artifact))
            shutil.move(artifact, moved)
            artifact = moved
        # Hangs and memory growth take 20 s or more per try: they are kept as found.
        if args.minimize and not contained and not kind.startswith(("unreproduced", "timeout", "out-of-memory (rss)")):
            minimized = artifact + ".min"
            try:
                subprocess.run(
                    [args.binary, "-minimize_crash=1", f"-max_total_time={args.minimize}", "-timeout=20",
                     "-detect_leaks=0", "-rss_limit_mb=4096",
                     f"-exact_artifact_path={minimized}", artifact],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=args.minimize + 120)
            except subprocess.TimeoutExpired:
                pass
            if os.path.exists(minimized) and os.path.getsize(minimized) < os.path.getsize(artifact):
                with open(minimized, "rb") as handle:
                    digest = hashlib.sha1(handle.read()).hexdigest()
                prefix = os.path.basename(artifact).split("-")[0]
                smaller = os.path.join(os.path.dirname(artifact), f"{prefix}-{digest}")
                os.replace(minimized, smaller)
                os.remove(artifact)
                artifact = smaller
                report = reproduce(args.binary, artifact, 60)
            elif os.path.exists(minimized):
                os.remove(minimized)
        with open(artifact + ".txt", "w") as handle:
            handle.write(report)
        seen[signature] = {"artifact": artifact, "contained": contained, "count": 1}

    findings = 0
    for (kind, crash), entry in seen.items():
        findings += 0 if entry["contained"] else 1
        where = " < ".join(demangled(list(crash))) or "no frame"
        label = "contained: " if entry["contained"] else ""
        print(f"fuzz {args.target}: {label}{kind} at {where} ({entry['count']}×, {entry['artifact']})", file=sys.stderr)
    contained = sum(1 for entry in seen.values() if entry["contained"])
    print(f"{findings} {contained}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
