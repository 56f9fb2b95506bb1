"""What one Tab costs: a shell completion request (a new arsum process each time) against `arsum --help`.

    python bench/bench_completion.py [--runs 20]

zsh requests for a sub-command, a model name (`-m`, reads models.toml) and a language (`--to`, names from CLDR),
interleaved round-robin with `arsum --help` from the same package copy (bench_startup.package_copy, bytecode
compiled); wall-clock medians and the children's CPU time (user + system, steadier on a loaded machine), and each
median's ratio to `--help`'s.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_startup import ENTRY, package_copy  # noqa: E402

REQUESTS = {
    "arsum --help": None,
    "Tab: arsum tr": "arsum tr",
    "Tab: arsum summarize -m ": "arsum summarize -m ",
    "Tab: arsum translate --to f": "arsum translate --to f",
}


def run(argv: list[str], env: dict[str, str], cwd: str) -> tuple[float, float]:
    """(wall ms, CPU ms) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    wall = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="arsum-completion-") as tmp:
        folder = package_copy(Path(tmp) / "warm", compiled=True)
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "XDG_CACHE_HOME": f"{tmp}/cache",
               "XDG_CONFIG_HOME": f"{tmp}/config", "PYTHONPATH": str(folder)}
        env.pop("ARSUM_CONFIG", None)
        variants = {}
        for name, words in REQUESTS.items():
            extra = {} if words is None else {"_ARSUM_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": words}
            argv = [sys.executable, "-c", ENTRY] + (["--help"] if words is None else [])
            variants[name] = (argv, {**env, **extra})
        for argv, variant_env in variants.values():
            run(argv, variant_env, str(folder))
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}
        load_before = os.getloadavg()
        for _ in range(args.runs):
            for name, (argv, variant_env) in variants.items():
                times[name].append(run(argv, variant_env, str(folder)))
        load_after = os.getloadavg()
    base_wall = statistics.median(w for w, _ in times["arsum --help"])
    base_cpu = statistics.median(c for _, c in times["arsum --help"])
    print(f"python {sys.version.split()[0]}, {args.runs} runs each, interleaved")
    print(f"load average before {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, "
          f"after {load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}")
    print(f"{'request':<30} {'wall median ms':>14} {'x --help':>8} {'CPU median ms':>13} {'x --help':>8}")
    for name, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(f"{name:<30} {wall:14.1f} {wall / base_wall:7.2f}x {cpu:13.1f} {cpu / base_cpu:7.2f}x")


if __name__ == "__main__":
    main()
