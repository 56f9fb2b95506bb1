"""summarize and translate on a Ray cluster, with Ray Data (imported only with --ray; `pip install 'arsum[ray]'`).

The plan: the driver lists the input files (local, or any URI pyarrow reads: s3://, gs://, hdfs://); Ray tasks
read and parse them into releases (bad inputs become ErrorRecords); a pool of actors, each holding the models
once, runs the same pipeline core as the single-process CLI (`process_stream` over `Summarize`/`Translate`) and
returns the JSON line of every record; the driver writes them into DIR (outdir.py) as shards, each written to a
temporary name and renamed, so a shard is there whole or not at all. A rerun reads the ids already in DIR and skips them.
"""

from __future__ import annotations

import json
import os
import pickle
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arsum.errors import InputError, UsageError
from arsum.reporting import SILENT, Reporter
from arsum.tasks.outdir import (
    InputOptions,
    Job,
    OutputDir,
    RunSummary,
    _models_of,
    expand,
    read_any,
)
from arsum.tasks.pipeline import Notify, process_stream
from arsum.tasks.results import ErrorRecord, to_dict
from arsum.text.release import Release

BATCH_SIZE = 64  # releases an actor gets per call: it windows them itself exactly as the CLI does
READ_CPUS = 0  # reading and parsing is light: it must never wait for a core the model actors hold ...
READ_TASKS = 2  # ... so the number of reading tasks at once is capped instead


@dataclass(frozen=True)
class Cluster:
    """Where and how wide: `address` is local, auto (RAY_ADDRESS) or a cluster address."""

    address: str = "local"
    workers: int | None = None  # None: as many as the cluster's CPUs (or GPUs) allow
    gpus_per_worker: float = 0.0
    threads_per_worker: int = 1
    batch_size: int = BATCH_SIZE


def _row(item: Release | ErrorRecord) -> dict[str, Any]:
    return {"id": item.id, "item": pickle.dumps(item)}


class _Reader:
    """Ray task body: one input path in, a row per release or error out; ids already in DIR are left out."""

    def __init__(self, options: InputOptions, done: frozenset[str]) -> None:
        self.options = options
        self.done = done

    def __call__(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        rows = []
        for item in read_any(row["path"], self.options):
            record = ErrorRecord.from_error(item) if isinstance(item, InputError) else item
            if record.id not in self.done:
                rows.append(_row(record))
        return rows


# --------------------------------------------------------------------------- the actors


class Worker:
    """A Ray actor: builds the task (and so loads its models) once, then turns batches of releases into JSON lines."""

    def __init__(self, job: Job, threads: int) -> None:
        os.environ["ARSUM_THREADS"] = str(threads)
        self.notices: list[str] = []
        self.process = job.build(self.notices.append)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        items = [pickle.loads(raw) for raw in batch["item"]]
        releases = [item for item in items if isinstance(item, Release)]
        records: list[Any] = [item for item in items if isinstance(item, ErrorRecord)]
        records += process_stream(releases, self.process, on_error=_never)
        notices, self.notices[:] = list(self.notices), []
        return {
            "id": [r.id if isinstance(r, ErrorRecord) else r.release.id for r in records],
            "error": [isinstance(r, ErrorRecord) for r in records],
            "line": [json.dumps(to_dict(r), ensure_ascii=False) for r in records],
            "notices": ["\n".join(notices) if i == 0 else "" for i in range(len(records))],
        }


def _never(error: InputError) -> None:  # pragma: no cover - errors are records before they reach the actors
    raise error


# --------------------------------------------------------------------------- the run


def _connect(address: str) -> bool:
    """Join or start Ray; True when this call started it (and so must shut it down)."""
    try:
        import ray
    except ImportError:
        raise UsageError("--ray needs Ray: pip install 'arsum[ray]'") from None
    if ray.is_initialized():
        return False
    settings: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
    if address == "local":
        ray.init(**settings)
    else:
        ray.init(address=None if address == "auto" else address, **settings)
    return True


def _pool_size(cluster: Cluster) -> int:
    if cluster.workers is not None:
        return cluster.workers
    import ray

    resources = ray.cluster_resources()
    if cluster.gpus_per_worker:
        return max(1, int(resources.get("GPU", 0) // cluster.gpus_per_worker))
    return max(1, int(resources.get("CPU", 1) // cluster.threads_per_worker))


def run_ray(
    job: Job,
    paths: Sequence[str],
    output_dir: Path,
    *,
    cluster: Cluster = Cluster(),
    inputs: InputOptions = InputOptions(),  # noqa: B008 - frozen
    reporter: Reporter = SILENT,
    notify: Notify = lambda message: None,
    worker: type = Worker,
) -> RunSummary:
    """Run `job` over every release of `paths` on Ray, writing DIR; returns this run's counts.

    Input errors become error records (and `notify` lines); ids already in DIR are skipped. `worker` is
    the actor class (tests pass one that fails on purpose).
    """
    started = time.perf_counter()
    out = OutputDir(output_dir, job, cluster, paths)
    summary = RunSummary()
    driver_errors: list[ErrorRecord] = []
    files: list[str] = []
    for item in expand(paths, inputs.input_format):
        if isinstance(item, InputError):
            driver_errors.append(ErrorRecord.from_error(item))
        else:
            files.append(item)
    owned = _connect(cluster.address)
    status = "interrupted"
    try:
        _error_lines(driver_errors, out, summary, notify)
        if files:
            _stream(job, files, out, cluster, inputs, summary, reporter, notify, worker)
        status = "complete"
    finally:
        summary.seconds = time.perf_counter() - started
        out.close(summary, status)
        if owned:
            import ray

            ray.shutdown()
    return summary


def _error_lines(records: Iterable[ErrorRecord], out: OutputDir, summary: RunSummary, notify: Notify) -> None:
    lines = []
    for record in records:
        summary.errors += 1
        notify(f"{record.source}: {record.message}")
        if record.id not in out.errors:
            out.errors.add(record.id)
            lines.append(json.dumps(to_dict(record), ensure_ascii=False))
    out.write(lines, errors=True)


def _stream(
    job: Job,
    files: list[str],
    out: OutputDir,
    cluster: Cluster,
    inputs: InputOptions,
    summary: RunSummary,
    reporter: Reporter,
    notify: Notify,
    worker: type,
) -> None:
    import logging

    import ray.data

    logging.getLogger("ray.data").setLevel(logging.ERROR)  # its per-run INFO lines would break the one-line rule
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False  # the driver draws its own, through the reporter
    context.enable_operator_progress_bars = False
    context.print_on_execution_start = False
    # Errors are re-read (and reported) on a rerun; only results already written are skipped before the actors.
    done = frozenset(out.results)
    dataset = (
        ray.data.from_items([{"path": path} for path in files], override_num_blocks=min(len(files), 200))
        .flat_map(_Reader(inputs, done), num_cpus=READ_CPUS, concurrency=READ_TASKS)
        .map_batches(
            worker,
            fn_constructor_kwargs={"job": job, "threads": cluster.threads_per_worker},
            batch_size=cluster.batch_size,
            compute=ray.data.ActorPoolStrategy(size=_pool_size(cluster)),
            num_cpus=cluster.threads_per_worker,
            num_gpus=cluster.gpus_per_worker or None,
        )
    )
    seen_notices: set[str] = set()
    with reporter.track("releases", total=None) as tracker:
        for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
            for notice in (n for text in batch["notices"] for n in str(text).splitlines()):
                if notice not in seen_notices:
                    seen_notices.add(notice)
                    notify(notice)
            _take(batch, out, summary, notify, tracker)
    summary.skipped = len(done)


def _take(batch: dict[str, Any], out: OutputDir, summary: RunSummary, notify: Notify, tracker: Any) -> None:
    """Write one block of results and errors, each id once (a retried block may come back twice)."""
    results, errors = [], []
    for rid, is_error, line in zip(batch["id"], batch["error"], batch["line"]):
        rid, line = str(rid), str(line)
        if is_error:
            record = json.loads(line)
            summary.errors += 1
            notify(f"{record['source']}: {record['message']}")
            if rid not in out.errors:
                out.errors.add(rid)
                errors.append(line)
        elif rid not in out.results:
            out.results.add(rid)
            summary.models.update(_models_of(line))
            results.append(line)
    out.write(results, errors=False)
    out.write(errors, errors=True)
    summary.written += len(results)
    tracker.advance(len(results))

