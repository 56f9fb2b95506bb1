"""What a resumable local run costs: `summarize --output-dir DIR` against `summarize -o FILE -f jsonl`, the same
releases, in one process each (start-up included), interleaved rounds, medians; then a rerun into the full DIR
(every release skipped before the model: the cost of resuming when nothing is left).

Extractive only (`--no-english`): no model time hides the folder's own cost (shards, fsync, manifest, checks).

    python bench/bench_outdir.py [--releases 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT / "seeds" / "azerbaijan_nato_dialogue.txt"


def corpus(folder: Path, count: int) -> None:
    """`count` files: the seed's paragraphs rotated and cut, each with a numbered title (as tests/conftest.py)."""
    title, *body = [line for line in SEED.read_text(encoding="utf-8").splitlines() if line.strip()]
    folder.mkdir(parents=True)
    for i in range(count):
        paragraphs = body[i % len(body):] + body[: i % len(body)]
        (folder / f"r{i:05d}.txt").write_text("\n".join([f"{title} {i + 1}", *paragraphs[: 3 + i % 5]]) + "\n",
                                              encoding="utf-8")


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(args: list[str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one `arsum ARGS` process: on shared cores the CPU time is the steadier."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cpu = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "arsum", *args], capture_output=True, text=True, env=env, check=False)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"arsum {' '.join(args)}: exit {done.returncode}\n{done.stderr}")
    return seconds, _children_cpu() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--releases", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-outdir-") as tmp:
        root = Path(tmp)
        corpus(root / "in", args.releases)
        times: dict[str, list[tuple[float, float]]] = {"-o FILE": [], "--output-dir": [], "rerun (all skipped)": []}
        load = os.getloadavg()
        for _ in range(args.rounds):
            (root / "out.jsonl").unlink(missing_ok=True)
            shutil.rmtree(root / "out", ignore_errors=True)
            common = ["summarize", str(root / "in"), "--no-english"]
            times["-o FILE"].append(timed([*common, "-f", "jsonl", "-o", str(root / "out.jsonl")]))
            times["--output-dir"].append(timed([*common, "--output-dir", str(root / "out")]))
            times["rerun (all skipped)"].append(timed([*common, "--output-dir", str(root / "out")]))
        load_after = os.getloadavg()
    base = [statistics.median(v[k] for v in times["-o FILE"]) for k in (0, 1)]
    print(f"{args.releases} releases, {args.rounds} interleaved rounds, loadavg {load[0]:.2f} before, "
          f"{load_after[0]:.2f} after")
    print("| run | wall median s | x -o | CPU median s | x -o |\n|---|---:|---:|---:|---:|")
    for name, values in times.items():
        wall, cpu = (statistics.median(v[k] for v in values) for k in (0, 1))
        print(f"| {name} | {wall:.2f} | {wall / base[0]:.2f}x | {cpu:.2f} | {cpu / base[1]:.2f}x |")


if __name__ == "__main__":
    main()
