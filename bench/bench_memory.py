"""Peak memory of `arsum summarize` over one long JSON-lines stream: does it stay flat as releases pile up?

  python bench/bench_memory.py [--releases 2000] [--checkpoints 100,500,1000,2000] [--write]

Builds N JSON-lines records by cycling the releases of ../shared/eval/spa (`{"id", "text"}`, the text as
published, headline first) and streams them through the stdin of one `arsum summarize --input-format jsonl
-f jsonl` process, reading its output as it comes. Two measurements per mode:

* in one N-release run, the process's resident set size (psutil, polled every 10 ms) at the moment the
  checkpoint-th output line arrives, and its maximum so far;
* the exact peak RSS (ru_maxrss from os.wait4) of separate complete runs over the first 100 and over all N.

Modes: --no-english (the extractive path), and the default English path with no model downloaded (a fresh,
empty HF cache: arsum looks the model up once, says so once and goes on). With --write the table goes to
bench/out/results_memory.md (copied into bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
SPA_DIR = ROOT.parent / "shared" / "eval" / "spa"
RESULTS = ROOT / "bench" / "out" / "results_memory.md"  # section 5 of bench/RESULTS.md is copied from it
MODES = {"no-english": ["--no-english"], "english-no-model": []}


def records(n: int) -> Iterator[bytes]:
    """n JSON lines cycling over the eval releases; ids stay unique."""
    files = sorted(SPA_DIR.glob("*.txt"))
    if not files:
        sys.exit(f"no releases under {SPA_DIR}")
    texts = [(f.stem, f.read_text(encoding="utf-8")) for f in files]
    for i in range(n):
        stem, text = texts[i % len(texts)]
        yield (json.dumps({"id": f"{stem}-{i}", "text": text}, ensure_ascii=False) + "\n").encode("utf-8")


def command(mode: str) -> list[str]:
    return [sys.executable, "-m", "arsum", "summarize", "--input-format", "jsonl", "-f", "jsonl", *MODES[mode]]


def isolated_env(home: Path) -> dict[str, str]:
    """A fresh, empty model cache and config folder, offline: 'no model downloaded' whatever this machine holds."""
    env = {k: v for k, v in os.environ.items() if k != "ARSUM_CONFIG"}
    env.update(
        HF_HOME=str(home / "hf"), HF_HUB_CACHE=str(home / "hf" / "hub"), XDG_CACHE_HOME=str(home / "cache"),
        XDG_CONFIG_HOME=str(home / "config"), HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
    )
    return env


def _feed(proc: subprocess.Popen, n: int) -> None:
    assert proc.stdin is not None
    try:
        for line in records(n):
            proc.stdin.write(line)
        proc.stdin.close()
    except BrokenPipeError:
        pass


def run_with_checkpoints(mode: str, n: int, checkpoints: Sequence[int], env: dict[str, str]) -> dict[str, object]:
    """One streamed run of n releases: RSS when each checkpoint's output line arrives, max RSS so far, rc."""
    proc = subprocess.Popen(command(mode), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
    ps = psutil.Process(proc.pid)
    peak = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not stop.is_set():
            try:
                peak = max(peak, ps.memory_info().rss)
            except psutil.Error:
                return
            time.sleep(0.01)

    feeder = threading.Thread(target=_feed, args=(proc, n), daemon=True)
    poller = threading.Thread(target=poll, daemon=True)
    feeder.start()
    poller.start()
    started = time.perf_counter()
    at: dict[int, dict[str, float]] = {}
    lines = 0
    assert proc.stdout is not None
    for _ in proc.stdout:
        lines += 1
        if lines in checkpoints:
            try:
                rss = ps.memory_info().rss
            except psutil.Error:
                rss = 0
            at[lines] = {"rss_mb": rss / 2**20, "max_rss_so_far_mb": max(peak, rss) / 2**20,
                         "seconds": time.perf_counter() - started}
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    feeder.join()
    poller.join()
    stderr = proc.stderr.read().decode() if proc.stderr else ""
    return {"mode": mode, "releases": n, "lines": lines, "rc": proc.returncode, "checkpoints": at,
            "ru_maxrss_mb": usage.ru_maxrss / 1024, "seconds": time.perf_counter() - started, "stderr": stderr}


def complete_run_peak(mode: str, n: int, env: dict[str, str]) -> dict[str, object]:
    """Exact peak RSS of one complete run (kernel's ru_maxrss for that child alone)."""
    proc = subprocess.Popen(command(mode), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env)
    feeder = threading.Thread(target=_feed, args=(proc, n), daemon=True)
    started = time.perf_counter()
    feeder.start()
    _, status, usage = os.wait4(proc.pid, 0)
    feeder.join()
    return {"mode": mode, "releases": n, "rc": os.waitstatus_to_exitcode(status), "ru_maxrss_mb": usage.ru_maxrss / 1024,
            "seconds": time.perf_counter() - started}


def report(streamed: list[dict], peaks: list[dict], n: int, checkpoints: Sequence[int]) -> str:
    cmd = " ".join(["python -m arsum", *command("no-english")[3:]])
    out = [
        "# Memory over a long JSON-lines stream",
        "",
        f"`python bench/bench_memory.py --releases {n} --write` ({time.strftime('%Y-%m-%d')}; "
        f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB RAM, other jobs sharing the machine).",
        "",
        f"Input: {n} JSON lines `{{\"id\", \"text\"}}` cycling over the {len(list(SPA_DIR.glob('*.txt')))} releases "
        "of `../shared/eval/spa/`, streamed into the stdin of one process:",
        "",
        f"    {cmd}            # mode no-english",
        f"    {cmd.replace(' --no-english', '')}   # mode english-no-model (empty HF cache, offline)",
        "",
        "## Peak RSS of complete runs (ru_maxrss of the arsum process, from wait4)",
        "",
        "| mode | releases | exit | peak RSS (MB) | wall (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for p in peaks:
        out.append(f"| {p['mode']} | {p['releases']} | {p['rc']} | {p['ru_maxrss_mb']:.1f} | {p['seconds']:.1f} |")
    out += [
        "",
        f"## Inside one {n}-release run (psutil, RSS when the k-th output line arrives)",
        "",
        "| mode | after k releases | RSS (MB) | max RSS so far (MB) | elapsed (s) |",
        "|---|---:|---:|---:|---:|",
    ]
    for s in streamed:
        for k in checkpoints:
            c = s["checkpoints"].get(k)
            if c:
                out.append(f"| {s['mode']} | {k} | {c['rss_mb']:.1f} | {c['max_rss_so_far_mb']:.1f} | {c['seconds']:.1f} |")
        out.append(f"| {s['mode']} | end (exit {s['rc']}, {s['lines']} lines) | | {s['ru_maxrss_mb']:.1f} (ru_maxrss) "
                   f"| {s['seconds']:.1f} |")
    out += ["", "stderr of the english-no-model run (once per run, not per release):", ""]
    for s in streamed:
        if s["stderr"].strip():
            out += [f"    {line}" for line in s["stderr"].strip().splitlines()[:3]]
    out.append("")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--releases", type=int, default=2000)
    ap.add_argument("--checkpoints", default="100,500,1000,2000")
    ap.add_argument("--write", action="store_true", help=f"write {RESULTS.relative_to(ROOT)}")
    args = ap.parse_args()
    checkpoints = [int(x) for x in args.checkpoints.split(",") if int(x) <= args.releases]
    streamed, peaks = [], []
    with tempfile.TemporaryDirectory(prefix="arsum-bench-memory-") as home:
        env = isolated_env(Path(home))
        for mode in MODES:
            for n in (100, args.releases):
                peaks.append(complete_run_peak(mode, n, env))
                print(json.dumps(peaks[-1]), file=sys.stderr)
            streamed.append(run_with_checkpoints(mode, args.releases, checkpoints, env))
            print(json.dumps({k: v for k, v in streamed[-1].items() if k != "stderr"}), file=sys.stderr)
    text = report(streamed, peaks, args.releases, checkpoints)
    print(text)
    if args.write:
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
