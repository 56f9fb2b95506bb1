"""What the checks of `models import` cost against a plain copy of the same bytes (issue 23).

    python bench/bench_import.py [--mb 256] [--rounds 3]

A model folder (a real tiny Marian's config and tokenizer, plus one weights file of --mb random megabytes, so
the bytes are what a real model's are: incompressible) is, in every round and in this order: copied with
shutil.copytree (the baseline: what any install must at least do), imported as a plain folder, exported to an
archive, and the archive imported into an empty cache. Imports skip the conversion (--no-convert), which costs the
same with or without the checks. Reports wall and CPU (this process) medians and their ratios to the copy, with the
load average.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="arsum-bench-import-"))
    os.environ.update(HF_HUB_OFFLINE="1", XDG_CACHE_HOME=str(work / "cache"), HF_HUB_CACHE=str(work / "hub"))
    import warnings

    import tinymodels

    from arsum.models.config import load_config
    from arsum.models.install import export_model, import_model

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = tinymodels.build_marian(work / "tiny")
    (model / "model.safetensors").unlink()
    with (model / "pytorch_model.bin").open("wb") as out:  # not loaded here: only its bytes count
        for _ in range(args.mb):
            out.write(os.urandom(1 << 20))
    config = load_config()
    hub_id = "bench-org/bench-model"
    steps = ("copy", "import FOLDER", "export", "import ARCHIVE")
    times: dict[str, list[float]] = {step: [] for step in steps}
    cpu: dict[str, list[float]] = {step: [] for step in steps}
    load_before = os.getloadavg()
    for round_ in range(args.rounds):
        for path in (work / "copy", work / "hub", work / "cache", work / "x.tar"):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)
        start, start_cpu = time.perf_counter(), time.process_time()
        shutil.copytree(model, work / "copy")
        times["copy"].append(time.perf_counter() - start)
        cpu["copy"].append(time.process_time() - start_cpu)
        start, start_cpu = time.perf_counter(), time.process_time()
        import_model(config, model, name=hub_id, convert=False)
        times["import FOLDER"].append(time.perf_counter() - start)
        cpu["import FOLDER"].append(time.process_time() - start_cpu)
        start, start_cpu = time.perf_counter(), time.process_time()
        export_model(config, hub_id, work / "x.tar")
        times["export"].append(time.perf_counter() - start)
        cpu["export"].append(time.process_time() - start_cpu)
        shutil.rmtree(work / "hub")
        start, start_cpu = time.perf_counter(), time.process_time()
        import_model(config, work / "x.tar", convert=False)
        times["import ARCHIVE"].append(time.perf_counter() - start)
        cpu["import ARCHIVE"].append(time.process_time() - start_cpu)
        print(f"round {round_ + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), file=sys.stderr)
    load_after = os.getloadavg()
    base, base_cpu = statistics.median(times["copy"]), statistics.median(cpu["copy"])
    print(f"{args.mb} MB of weights, {args.rounds} rounds, load average {load_before[0]:.2f} before, "
          f"{load_after[0]:.2f} after\n")
    print("| step | wall median s | x copy | wall min-max s | CPU median s | x copy |\n|---|---:|---:|---:|---:|---:|")
    for name, values in times.items():
        median, median_cpu = statistics.median(values), statistics.median(cpu[name])
        print(f"| {name} | {median:.2f} | {median / base:.2f}x | {min(values):.2f}-{max(values):.2f} | "
              f"{median_cpu:.2f} | {median_cpu / base_cpu:.2f}x |")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
