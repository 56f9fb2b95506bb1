"""How much support scoring adds to `arsum summarize` with the tiny test model (target: at most +20%).

Runs the real CLI in subprocesses, alternating `--support` and `--no-support`, on the seed release (the issue's
command) and on N SPA releases, and prints the medians side by side with their ratio. Also the in-process cost
per release once everything is loaded.

    python bench/bench_support.py [--runs 3] [--releases 40]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SPA = REPO.parent / "shared" / "eval" / "spa"
sys.path.insert(0, str(REPO / "tests"))


def run_cli(model: Path, inputs: list[str], support: bool, env: dict[str, str]) -> float:
    command = [sys.executable, "-m", "arsum", "summarize", "--model", str(model), "-f", "jsonl",
               "--support" if support else "--no-support", *inputs]
    start = time.perf_counter()
    subprocess.run(command, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def in_process(model: Path, inputs: list[str]) -> tuple[float, float, int]:
    """Seconds per release for summarize alone and for support alone, everything loaded (warm)."""
    from arsum.tasks.pipeline import (
        ModelOptions,
        Summarize,
        SummarizeOptions,
        SupportOptions,
    )
    from arsum.tasks.support import annotate_summary
    from arsum.text.inputs import load_releases

    releases = [r for r in load_releases(inputs) if not isinstance(r, Exception) and r.sentences]
    summarize = Summarize(SummarizeOptions(models=ModelOptions(model=str(model)), support=SupportOptions(enabled=False)),
                          notify=lambda message: None)
    summarize.summarize(releases[0])  # warm: model and encoder loaded, first-call costs paid
    encoder = summarize.supporter.encoder()
    start = time.perf_counter()
    results = [summarize.summarize(r) for r in releases]
    generate = time.perf_counter() - start
    start = time.perf_counter()
    for result in results:
        if result.english_summary is not None:
            annotate_summary(result.english_summary, result.release, encoder)
    support = time.perf_counter() - start
    return generate / len(releases), support / len(releases), len(releases)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--releases", type=int, default=40, help="also time the first N SPA files")
    args = parser.parse_args()

    import tinymodels

    scenarios = {"seed release (1)": [str(tinymodels.SEED_RELEASE)]}
    if SPA.is_dir():
        scenarios[f"SPA releases ({args.releases})"] = [str(f) for f in sorted(SPA.glob("*.txt"))[: args.releases]]
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    print(f"arsum summarize --model <tiny mT5> -f jsonl, --no-support vs --support, median of {args.runs} runs")
    print("| input | --no-support s | --support s | ratio | support adds |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        model = tinymodels.build_mt5(Path(tmp) / "tiny-mt5")
        run_cli(model, scenarios["seed release (1)"], True, env)  # warm the file cache
        for name, inputs in scenarios.items():
            timings: dict[bool, list[float]] = {True: [], False: []}
            for _ in range(args.runs):
                for support in (False, True):
                    timings[support].append(run_cli(model, inputs, support, env))
            without, with_ = statistics.median(timings[False]), statistics.median(timings[True])
            print(f"| {name} | {without:.2f} | {with_:.2f} | {with_ / without:.2f} | {100 * (with_ / without - 1):+.1f}% |")
        per_release_generate, per_release_support, n = in_process(model, scenarios[list(scenarios)[-1]])
    print("target: support adds at most 20%")
    print(f"in process, warm, {n} releases: summarize {1000 * per_release_generate:.1f} ms/release, "
          f"support {1000 * per_release_support:.1f} ms/release")
    print("load average (1/5/15 min) at end: " + " / ".join(f"{v:.2f}" for v in os.getloadavg())
          + f" on {os.cpu_count()} CPUs (other jobs on the machine slow every figure)")

if __name__ == "__main__":
    main()
