"""Speed of `arsum check --aligned` on a 4,000-line pair file, beside the bare encoder on the same lines.

Run from the repository root:  python bench/bench_check.py [--lines 4000]

The pair file is FLORES-200 devtest + TICO-19 lines (../shared/eval/parallel/), repeated up to --lines, written
to a temporary folder. Measured: the whole command in a fresh process (start-up, encoder load, encoding, numbers
check, JSON lines out), and, as the baseline, encoder load + one encode call of the same Arabic and English
lines in this process. The ratio says what the command adds to the encoding it cannot avoid. CPU seconds are
given beside wall seconds: on a shared machine the wall time mostly measures the other jobs.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARALLEL = ROOT.parent / "shared" / "eval" / "parallel"
SETS = ("flores200_devtest", "tico19_test")


def pair_lines(count: int) -> tuple[list[str], list[str]]:
    ar: list[str] = []
    en: list[str] = []
    for name in SETS:
        ar += (PARALLEL / name / "source.ar").read_text(encoding="utf-8").splitlines()
        en += (PARALLEL / name / "reference.en").read_text(encoding="utf-8").splitlines()
    reps = -(-count // len(ar))
    return (ar * reps)[:count], (en * reps)[:count]


def load() -> str:
    return " / ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=4000)
    args = parser.parse_args()
    ar, en = pair_lines(args.lines)
    print(f"{os.cpu_count()} CPUs; load average (1/5/15 min) at start: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        src, ref = Path(tmp) / "source.ar", Path(tmp) / "reference.en"
        src.write_text("\n".join(ar) + "\n", encoding="utf-8")
        ref.write_text("\n".join(en) + "\n", encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
        t = time.perf_counter()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run = subprocess.run(
            [sys.executable, "-m", "arsum", "check", "--aligned", str(src), str(ref), "-f", "jsonl"],
            env=env, capture_output=True, text=True, check=False,
        )
        command_s = time.perf_counter() - t
        cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
        command_cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
        records = run.stdout.count("\n")
        flagged = run.stdout.count('"flags": ["')
    from arsum.tasks.support import get_encoder

    t, cpu = time.perf_counter(), time.process_time()
    encoder = get_encoder()
    encoder.encode(ar + en)
    encode_s, encode_cpu = time.perf_counter() - t, time.process_time() - cpu
    print("| what | lines | wall s | CPU s (all threads) | lines/s (wall) |\n|---|---|---|---|---|")
    print(f"| `arsum check --aligned ... -f jsonl` (exit {run.returncode}, {records} records, {flagged} flagged) "
          f"| {args.lines} | {command_s:.1f} | {command_cpu:.1f} | {args.lines / command_s:.0f} |")
    print(f"| baseline: encoder load + encode the same {2 * args.lines} sentences | {args.lines} | {encode_s:.1f} | "
          f"{encode_cpu:.1f} | {args.lines / encode_s:.0f} |")
    backend = getattr(getattr(encoder, "_model", None), "_model", None)
    applied = getattr(backend, "_threadpool", None) is not None
    print(f"\nratio command / baseline: {command_s / encode_s:.2f}; encoder threads: "
          f"{getattr(encoder, 'threads', 'n/a')} ({'applied through threadpoolctl' if applied else 'NOT applied'}); "
          f"load average at end: {load()}")


if __name__ == "__main__":
    main()
