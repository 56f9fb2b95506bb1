"""summarize and translate on a Ray cluster, with Ray Data (imported only with --ray; `pip install 'arsum[ray]'`).

The plan: the driver lists the input files (local, or any URI pyarrow reads: s3://, gs://, hdfs://); Ray tasks
read and parse them into releases (bad inputs become ErrorRecords); a pool of actors, each holding the models
once, runs the same pipeline core as the single-process CLI (`process_stream` over `Summarize`/`Translate`) and
returns the JSON line of every record; the driver writes them into DIR (outdir.py) as shards, each written to a
temporary name and renamed, so a shard is there whole or not at all. A rerun reads the ids already in DIR and skips them.
"""

from __future__ import annotations

import contextlib
import json
import os
import pickle
import signal
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from arsum.errors import EXIT_INPUT, ArsumError, InputError, UsageError
from arsum.reporting import SILENT, Reporter
from arsum.tasks.outdir import (
    RAY_LOG,
    InputFile,
    InputOptions,
    Job,
    OutputDir,
    RunSummary,
    Writer,
    duplicate_error,
    folder_run,
    read_file,
)
from arsum.tasks.pipeline import Notify, process_stream
from arsum.tasks.results import ErrorRecord, to_dict
from arsum.text.release import Release
from arsum.text.releases import join_parts

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


def _row(kind: str, rid: str, item: Release | ErrorRecord | None) -> dict[str, Any]:
    return {"kind": kind, "id": rid, "item": pickle.dumps(item)}


class _Reader:
    """Ray task body: one input file in, a row per release or error out; ids already in DIR become `skip` rows
    (counted by the driver, never sent to a model)."""

    def __init__(self, options: InputOptions, done: frozenset[str]) -> None:
        self.options = options
        self.done = done

    def __call__(self, row: dict[str, Any]) -> list[dict[str, Any]]:
        rows = []
        items = read_file(InputFile(row["path"], row["name"]), self.options)
        for item in join_parts(items) if self.options.join else items:  # files are read apart: parts within one
            if isinstance(item, InputError):
                record = ErrorRecord.from_error(item)
                rows.append(_row("error", record.id, record))
            elif item.id in self.done:
                rows.append(_row("skip", item.id, None))
            else:
                rows.append(_row("release", item.id, item))
        return rows


# --------------------------------------------------------------------------- the actors


class Worker:
    """A Ray actor: builds the task (and so loads its models) once, then turns batches of releases into JSON lines."""

    def __init__(self, job: Job, threads: int) -> None:
        os.environ["ARSUM_THREADS"] = str(threads)
        self.notices: list[str] = []
        self.failure: ArsumError | None = None
        try:
            self.process = job.build(self.notices.append)
        except ArsumError as error:  # a bad --model or config: said by the driver as one line, not a Ray traceback
            self.failure = error

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        try:
            if self.failure is not None:
                raise self.failure
            return self._records(batch)
        except ArsumError as error:
            return {"kind": ["fatal"], "id": [type(error).__name__], "source": [str(error.exit_code)],
                    "line": [str(error)], "notices": [""]}

    def _records(self, batch: dict[str, Any]) -> dict[str, list[Any]]:
        kinds = [str(kind) for kind in batch["kind"]]
        items = [pickle.loads(raw) for raw in batch["item"]]
        releases = [item for kind, item in zip(kinds, items) if kind == "release"]
        rows: list[tuple[str, str, str, str]] = [
            (kind, str(rid), "", "") for kind, rid in zip(kinds, batch["id"]) if kind == "skip"
        ]
        rows += [("error", item.id, item.source, json.dumps(to_dict(item), ensure_ascii=False))
                 for kind, item in zip(kinds, items) if kind == "error"]
        rows += [("result", r.release.id, r.release.source, json.dumps(to_dict(r), ensure_ascii=False))
                 for r in process_stream(releases, self.process, on_error=_never)]
        notices, self.notices[:] = list(self.notices), []
        return {
            "kind": [row[0] for row in rows],
            "id": [row[1] for row in rows],
            "source": [row[2] for row in rows],
            "line": [row[3] for row in rows],
            "notices": ["\n".join(notices) if i == 0 else "" for i in range(len(rows))],
        }


class WorkerError(ArsumError):
    """An ArsumError a worker met (a model that cannot load): its line and exit status, as in one process."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def _never(error: InputError) -> None:  # pragma: no cover - errors are records before they reach the actors
    raise error


# --------------------------------------------------------------------------- the run


@contextlib.contextmanager
def _ray_lines_to(log: Path) -> Iterator[None]:
    """Ray's own output (its C++ core's log lines, its processes' native dumps, its Python warnings and log
    records, its error reports on stdout) goes to DIR/ray-driver.log instead of the user's terminal;
    ARSUM_RAY_LOGS=1 lets it through. arsum's own lines keep the real stderr. Ray is imported before, so its log
    handlers hold the stream that now leads to the log."""
    if os.environ.get("ARSUM_RAY_LOGS", "") not in ("", "0"):
        yield
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module=r"ray(\.|$)")
        try:
            fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError:  # the log cannot be kept: the terminal still gets nothing of Ray's
            fd = os.open(os.devnull, os.O_WRONLY)
        previous = sys.stderr
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError, AttributeError):
                stream.flush()
        saved = {target: os.dup(target) for target in (1, 2)}
        for target in saved:
            os.dup2(fd, target)
        os.close(fd)
        sys.stderr = open(saved[2], "w", encoding="utf-8", errors="backslashreplace", buffering=1, closefd=False)  # noqa: SIM115
        try:
            yield
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError, AttributeError):
                    stream.flush()
            for target, copy in saved.items():
                os.dup2(copy, target)
                os.close(copy)
            sys.stderr = previous


def _import_ray() -> None:
    try:
        import ray
        import ray.data  # noqa: F401 - its loggers are made now, on the stderr of the moment
    except ImportError:
        raise UsageError("--ray needs Ray: pip install 'arsum[ray]'") from None


def _connect(address: str) -> bool:
    """Join or start Ray; True when this call started it (and so must shut it down).

    ray.init installs its own SIGTERM handler (exit 15, a native stack dump): arsum's is put back, so SIGTERM
    ends a Ray run as it ends one process (the finally blocks run, exit 143)."""
    try:
        import ray
    except ImportError:
        raise UsageError("--ray needs Ray: pip install 'arsum[ray]'") from None
    if ray.is_initialized():
        return False
    main = threading.current_thread() is threading.main_thread()
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGTERM, signal.SIGINT)} if main else {}
    settings: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
    try:
        if address == "local":
            ray.init(**settings)
        else:
            ray.init(address=None if address == "auto" else address, **settings)
    except ConnectionError as err:
        raise UsageError(f"--ray {address}: {str(err).strip().splitlines()[0][:200] if str(err).strip() else 'cannot connect'}") from None
    finally:
        for signum, handler in handlers.items():
            if handler is not None:
                signal.signal(signum, handler)
    return True


def _pool_size(cluster: Cluster) -> int:
    if cluster.workers is not None:
        return cluster.workers
    import ray

    resources = ray.cluster_resources()
    if cluster.gpus_per_worker:
        return max(1, int(resources.get("GPU", 0) // cluster.gpus_per_worker))
    return max(1, int(resources.get("CPU", 1) // cluster.threads_per_worker))


def _arsum_cause(error: BaseException) -> ArsumError | None:
    """The ArsumError a worker raised, out of the Ray exceptions wrapped around it."""
    seen: set[int] = set()
    stack: list[BaseException | None] = [error]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ArsumError) and type(current).__module__.startswith("arsum."):
            return current
        stack += [getattr(current, "cause", None), current.__cause__, current.__context__]
    return None


def run_ray(
    job: Job,
    paths: Sequence[str],
    output_dir: Path,
    *,
    cluster: Cluster = Cluster(),
    inputs: InputOptions = InputOptions(),  # noqa: B008 - frozen
    reporter: Reporter = SILENT,
    notify: Notify = lambda message: None,
    report: Notify | None = None,
    worker: type = Worker,
) -> RunSummary:
    """Run `job` over every release of `paths` on Ray, writing DIR; returns this run's counts.

    Input errors become error records (and `notify` lines); ids already in DIR are skipped. `worker` is
    the actor class (tests pass one that fails on purpose). An ArsumError raised in a worker (a model that
    cannot load) is raised here as itself, one line, as in one process.
    """
    out = OutputDir(output_dir, job, cluster, paths, inputs)
    with folder_run(out, paths, inputs, reporter, notify, report or notify) as (writer, planned):
        writer.flush()  # the inputs that could not be listed, before Ray starts
        if planned:
            _import_ray()
            with _ray_lines_to(output_dir / RAY_LOG):
                owned = _connect(cluster.address)
                try:
                    _stream(job, planned, out, cluster, inputs, writer, notify, worker)
                except Exception as error:
                    cause = _arsum_cause(error)
                    if cause is None:
                        raise
                    raise cause from None
                finally:
                    if owned:
                        import ray

                        ray.shutdown()
    return writer.summary


def _stream(
    job: Job,
    files: list[InputFile],
    out: OutputDir,
    cluster: Cluster,
    inputs: InputOptions,
    writer: Writer,
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
        ray.data.from_items([{"path": f.path, "name": f.name} for f in files], override_num_blocks=min(len(files), 200))
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
    try:
        for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
            for notice in (n for text in batch["notices"] for n in str(text).splitlines()):
                if notice not in seen_notices:
                    seen_notices.add(notice)
                    notify(notice)
            _take(batch, out, writer)
            writer.flush()
    finally:
        writer.flush()


def _take(batch: dict[str, Any], out: OutputDir, writer: Writer) -> None:
    """One block of results and errors, each id once: a retried block may come back twice (the same source);
    the same id from another source is refused with an error record naming both."""
    for kind, rid, source, line in zip(batch["kind"], batch["id"], batch["source"], batch["line"]):
        kind, rid, source, line = str(kind), str(rid), str(source), str(line)
        if kind == "fatal":
            raise WorkerError(line, int(source) if source.isdigit() else EXIT_INPUT)
        if kind == "skip":
            writer.summary.skipped += 1
        elif kind == "error":
            record = json.loads(line)
            writer.error(ErrorRecord(record["id"], record["source"], record["message"]))
        else:
            first = out.claim(rid, source)
            if first is None:
                writer.result(line)
            elif first != source:
                writer.error(duplicate_error(rid, source, first))
