#!/usr/bin/env bash
# Fuzzes supermask's readers with libFuzzer and AddressSanitizer (docs/security.md, "Fuzzing").
#
#   tools/fuzz.sh TARGET SECONDS     TARGET: smask npy hdf5 image idx zoo manifest, or all (each for SECONDS)
#
# Builds the Fuzzing package if needed, then fuzzes the target for SECONDS from its committed seeds
# (Fuzzing/Corpus/TARGET) and the corpus earlier runs grew, and prints one line: executions, seconds, crashes.
# A crash, a trap, a hang past 20 s or an allocation past 4 GB is kept as a reproducer (one per distinct stack,
# tools/fuzz_triage.py) and makes the exit status 1; the run goes on to the end either way (libFuzzer's fork mode,
# one fuzzing process at a time). Crashes inside libhdf5 are counted apart: supermask runs libhdf5 in a child
# process, whose crash the parent reports in one line.
#
# Environment:
#   FUZZ_WORK        grown corpora, reproducers and logs (default: .build-fuzz, which git ignores)
#   FUZZ_ARTIFACTS   the crashes folder (default: $FUZZ_WORK/crashes); reproducers go to FUZZ_ARTIFACTS/TARGET/
#   FUZZ_MINIMIZE    seconds to minimise each distinct reproducer (default: 0, keep it as found)
#   FUZZ_SKIP_BUILD  1: use the binaries already built
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: tools/fuzz.sh {smask|npy|hdf5|image|idx|zoo|manifest|all} SECONDS" >&2; exit 2; }
[[ $# -eq 2 && $2 =~ ^[0-9]+$ && $2 -gt 0 ]] || usage

# target → executable, and the largest input the fuzzer makes (each above its largest seed).
declare -A executable=(
    [smask]=FuzzSmask [npy]=FuzzNPY [hdf5]=FuzzHDF5 [image]=FuzzImage [idx]=FuzzIDX
    [zoo]=FuzzZooRegistry [manifest]=FuzzBundleManifest
)
declare -A max_len=(
    [smask]=32768 [npy]=16384 [hdf5]=131072 [image]=32768 [idx]=16384 [zoo]=16384 [manifest]=8192
)
# target → the library whose crashes a child process contains.
declare -A contained=([hdf5]=libhdf5)
targets=(smask npy hdf5 image idx zoo manifest)
if [[ $1 == all ]]; then
    selected=("${targets[@]}")
elif [[ -n ${executable[$1]:-} ]]; then
    selected=("$1")
else
    usage
fi
seconds=$2

work=$(realpath -m "${FUZZ_WORK:-.build-fuzz}")
artifacts=$(realpath -m "${FUZZ_ARTIFACTS:-$work/crashes}")
# The HDF5, registry and manifest targets write each input to a file: in memory (/dev/shm) that is ten times faster
# than on a disk other jobs are writing to. libFuzzer's fork mode keeps its job files there too.
if [[ -d /dev/shm && -w /dev/shm ]]; then scratch_base=/dev/shm/supermask-fuzz.$$; else scratch_base=$work/tmp/scratch.$$; fi
trap 'rm -rf "$scratch_base"' EXIT

# SwiftPM's --sanitize=fuzzer makes it link with libFuzzer's main, but the Swift driver keeps only the last -sanitize
# option when compiling, so --sanitize=fuzzer --sanitize=address would instrument for ASan without coverage: the
# sanitizers go to swiftc and clang directly (C targets too, for coverage and ASan in the kernels and decoders).
build=(swift build --package-path Fuzzing -c release --sanitize=fuzzer
       -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=fuzzer-no-link,address)
if [[ ${FUZZ_SKIP_BUILD:-0} != 1 ]]; then
    "${build[@]}" 2>&1 | { grep -v "Cannot export local symbol" || true; } >&2
fi
bin=$("${build[@]}" --show-bin-path)

# Swift's own crash reporter off: it reads the crashed process's memory from a helper thread, which ASan reports as
# an overflow instead of the trap that started it. Leak detection off, in ASan and in libFuzzer (which would run
# every input twice): the Swift runtime's metadata caches and libhdf5's library state live as long as the process
# by design, and a reader that leaks per input shows up as rss growth past -rss_limit_mb instead. Without
# libFuzzer's leak detection its -malloc_limit_mb is not enforced either, so ASan refuses allocations above 4 GB.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="detect_leaks=0:max_allocation_size_mb=4096:symbolize=1:${ASAN_OPTIONS:-}"
# The symbolizer of the toolchain that built the targets, which also reads Swift's debug information.
symbolizer="$(dirname "$(realpath "$(command -v swift)")")/llvm-symbolizer"
if [[ -x $symbolizer ]]; then export ASAN_SYMBOLIZER_PATH=$symbolizer; fi

# CPU seconds (user + system) used so far by the processes this script waited for, into cpu_now: on a shared
# machine the CPU time a run got says more than its wall time. `times` must run in this shell, not a subshell.
children_cpu() {
    times >"$work/logs/times"
    cpu_now=$(tail -1 "$work/logs/times" | awk 'function sec(t) { split(t, p, "m"); return p[1] * 60 + p[2] }
        { printf "%.0f", sec($1) + sec($2) }')
}

status=0
for target in "${selected[@]}"; do
    corpus="$work/corpus/$target"
    crashes="$artifacts/$target"
    scratch="$scratch_base/$target"
    log="$work/logs/$target.log"
    marker="$work/logs/$target.start"
    mkdir -p "$corpus" "$crashes" "$scratch" "$work/logs"
    touch "$marker"
    options=(-max_total_time="$seconds" -rss_limit_mb=4096 -timeout=20
             -max_len="${max_len[$target]}" -artifact_prefix="$crashes/" -print_final_stats=1
             -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 -detect_leaks=0 -print_funcs=0)
    dictionary="Fuzzing/Dictionaries/$target.dict"
    [[ -f $dictionary ]] && options+=(-dict="$dictionary")
    start=$SECONDS
    children_cpu
    cpu_start=$cpu_now
    set +e
    TMPDIR="$scratch" "$bin/${executable[$target]}" "${options[@]}" "$corpus" "Fuzzing/Corpus/$target" >"$log" 2>&1
    code=$?
    set -e
    elapsed=$((SECONDS - start))
    children_cpu
    cpu=$((cpu_now - cpu_start))
    # Executions: the last progress line of fork mode ("#123456: cov: … exec/s: …").
    executions=$(sed -n 's/^#\([0-9][0-9]*\): .*/\1/p' "$log" | tail -1)
    executions=${executions:-0}
    mapfile -t found < <(find "$crashes" -maxdepth 1 -newer "$marker" -type f \
        \( -name 'crash-*' -o -name 'oom-*' -o -name 'timeout-*' -o -name 'leak-*' \) ! -name '*.txt')
    findings=0
    inside=0
    if [[ ${#found[@]} -gt 0 ]]; then
        triage=(python3 tools/fuzz_triage.py --binary "$bin/${executable[$target]}" --target "$target"
                --minimize "${FUZZ_MINIMIZE:-0}")
        [[ -n ${contained[$target]:-} ]] && triage+=(--contained "${contained[$target]}")
        # Replayed with the same scratch location: libhdf5's crashes can depend on the heap layout a path gives.
        read -r findings inside < <(TMPDIR="$scratch" "${triage[@]}" "${found[@]}") || true
        findings=${findings:-${#found[@]}}  # the triage failed: every reproducer counts
        inside=${inside:-0}
    fi
    rm -rf "$scratch"
    line="fuzz $target: $executions executions in $elapsed s ($((executions / (elapsed > 0 ? elapsed : 1)))/s; $cpu CPU-s), $findings crashes"
    [[ $inside -gt 0 ]] && line+=" (and $inside inside ${contained[$target]}, contained by its child process)"
    # Fork mode exits with 1 after any crash, contained or not: the triage judges those; any other failure counts.
    if [[ $findings -gt 0 || ($code -ne 0 && ${#found[@]} -eq 0) ]]; then
        status=1
        [[ $code -ne 0 && ${#found[@]} -eq 0 ]] && line+="; libFuzzer exited with status $code"
        echo "$line; reproducers and reports in $crashes, log in $log" >&2
    else
        echo "$line"
    fi
done
exit $status
