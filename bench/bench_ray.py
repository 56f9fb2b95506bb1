"""--ray local against one process, on this machine: releases/s with Ray's start-up included, per-release overhead.

Two workloads: `summarize --no-english` (no model: Ray's own overhead laid bare) and `translate` with a small
random Marian (bench/benchmodels.py's `--quick` shape: real loading and generation, a model in every actor).
Every Ray run starts and stops its own local Ray instance, as `arsum … --ray local` does.

    python bench/bench_ray.py [--copies 2] [--translate 40]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from benchmodels import build

from arsum.tasks.distributed import Cluster, run_ray
from arsum.tasks.outdir import Job
from arsum.tasks.pipeline import (
    ModelOptions,
    SummarizeOptions,
    SupportOptions,
    TranslateOptions,
)
from arsum.tasks.results import to_dict
from arsum.text.inputs import load_releases

SPA = ROOT.parent / "shared" / "eval" / "spa"


def corpus(folder: Path, files: list[Path], copies: int) -> Path:
    folder.mkdir(parents=True)
    for copy in range(copies):
        for path in files:
            (folder / f"{copy}-{path.name}").write_bytes(path.read_bytes())
    return folder


def single(job: Job, folder: Path) -> tuple[float, int]:
    from arsum.tasks.pipeline import process_stream

    started = time.perf_counter()
    process = job.build(lambda message: None)
    count = sum(1 for r in process_stream(load_releases([str(folder)]), process, print) if to_dict(r))
    return time.perf_counter() - started, count


def on_ray(job: Job, folder: Path, workers: int, out: Path) -> tuple[float, int]:
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    summary = run_ray(job, [str(folder)], out, cluster=Cluster("local", workers=workers))
    return time.perf_counter() - started, summary.written


def ray_start_stop() -> float:
    import ray

    started = time.perf_counter()
    ray.init(include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    ray.shutdown()
    return time.perf_counter() - started


def measure(name: str, job: Job, folder: Path, work: Path) -> list[dict]:
    rows = []
    seconds, count = single(job, folder)
    base = count / seconds
    rows.append({"workload": name, "run": "single process", "releases": count, "seconds": seconds, "rel_s": base})
    for workers in (1, 2):
        seconds, written = on_ray(job, folder, workers, work / f"out-{name}-{workers}")
        assert written == count, (written, count)
        rows.append({"workload": name, "run": f"--ray local, {workers} worker(s)", "releases": written,
                     "seconds": seconds, "rel_s": written / seconds})
    for row in rows:
        row["ratio"] = row["rel_s"] / base
        row["overhead_ms"] = 1000 * (row["seconds"] - rows[0]["seconds"]) / row["releases"]
        row["loadavg"] = os.getloadavg()
        print(json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=2, help="copies of the 119 SPA releases (--no-english)")
    parser.add_argument("--translate", type=int, default=40, help="SPA releases translated")
    args = parser.parse_args()
    os.environ.setdefault("ARSUM_THREADS", "1")
    files = sorted(SPA.glob("*.txt"))
    with tempfile.TemporaryDirectory(prefix="bench-ray-") as tmp:
        work = Path(tmp)
        print(json.dumps({"ray_init_and_shutdown_s": ray_start_stop(), "loadavg": os.getloadavg()}), flush=True)
        no_english = Job("summarize", SummarizeOptions(english=False))
        rows = measure("summarize --no-english", no_english, corpus(work / "a", files, args.copies), work)
        texts = [p.read_text(encoding="utf-8") for p in files]
        model = build("marian", work / "marian", texts, small=True)
        translate = Job("translate", TranslateOptions(models=ModelOptions(model=str(model), device="cpu"),
                                                      support=SupportOptions(enabled=False)))
        rows += measure("translate (small Marian)", translate, corpus(work / "b", files[: args.translate], 1), work)
    print("| workload | run | releases | seconds | releases/s | ratio | overhead ms/release |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['workload']} | {r['run']} | {r['releases']} | {r['seconds']:.1f} | {r['rel_s']:.1f} | "
              f"{r['ratio']:.2f} | {r['overhead_ms']:.0f} |")


if __name__ == "__main__":
    main()
