"""summarize and translate on a Ray cluster, with Ray Data (imported only with --ray; `pip install 'arsum[ray]'`).

The plan: the driver lists the input files (local, or any URI pyarrow reads: s3://, gs://, hdfs://); Ray tasks
read and parse them into releases (bad inputs become ErrorRecords); a pool of actors, each holding the models
once, runs the same pipeline core as the single-process CLI (`process_stream` over `Summarize`/`Translate`) and
returns the JSON line of every record; the driver writes them into DIR as shards, each written to a temporary
name and renamed, so a shard is there whole or not at all. A rerun reads the ids already in DIR and skips them.
"""

from __future__ import annotations

import json
import os
import pickle
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from arsum import __version__
from arsum.errors import InputError, OutputError, UsageError
from arsum.reporting import SILENT, Reporter
from arsum.tasks.pipeline import (
    Notify,
    Process,
    Summarize,
    SummarizeOptions,
    Translate,
    TranslateOptions,
    process_stream,
)
from arsum.tasks.results import ErrorRecord, to_dict
from arsum.text.inputs import (
    DEFAULT_MAX_BYTES,
    InputFormat,
    expand_inputs,
    input_names,
    input_releases,
    releases_from_bytes,
)
from arsum.text.release import Release

MANIFEST = "manifest.json"
RESULT_SHARDS = "part-*.jsonl"
ERROR_SHARDS = "errors-*.jsonl"
BATCH_SIZE = 64  # releases an actor gets per call: it windows them itself exactly as the CLI does
READ_CPUS = 0  # reading and parsing is light: it must never wait for a core the model actors hold ...
READ_TASKS = 2  # ... so the number of reading tasks at once is capped instead

Command = Literal["summarize", "translate"]


@dataclass(frozen=True)
class Job:
    """What every actor builds once: the command and its options (picklable: no reporter, no callbacks)."""

    command: Command
    options: SummarizeOptions | TranslateOptions

    def build(self, notify: Notify) -> Process:
        if self.command == "summarize":
            assert isinstance(self.options, SummarizeOptions)
            return Summarize(self.options, notify)
        assert isinstance(self.options, TranslateOptions)
        return Translate(self.options, notify)

    def settings(self) -> dict[str, Any]:
        """The options as JSON, recorded in the manifest; a rerun into the same DIR must match them."""
        options = asdict(replace(self.options, models=replace(self.options.models, reporter=SILENT)))
        options["models"].pop("reporter", None)
        return json.loads(json.dumps(options, default=str))


@dataclass(frozen=True)
class InputOptions:
    input_format: InputFormat = "text"
    max_bytes: int = DEFAULT_MAX_BYTES
    require_arabic: bool = True


@dataclass(frozen=True)
class Cluster:
    """Where and how wide: `address` is local, auto (RAY_ADDRESS) or a cluster address."""

    address: str = "local"
    workers: int | None = None  # None: as many as the cluster's CPUs (or GPUs) allow
    gpus_per_worker: float = 0.0
    threads_per_worker: int = 1
    batch_size: int = BATCH_SIZE


@dataclass
class RunSummary:
    """Counts of one run; the manifest also holds the totals now in DIR."""

    written: int = 0
    errors: int = 0
    skipped: int = 0
    seconds: float = 0.0
    models: set[str] = field(default_factory=set)

    def line(self, output_dir: Path) -> str:
        return (
            f"{output_dir}: {self.written} releases written, {self.errors} errors, "
            f"{self.skipped} already there, {self.seconds:.1f} s"
        )


def is_uri(path: str) -> bool:
    return "://" in path


# --------------------------------------------------------------------------- reading (driver and Ray tasks)


def _remote_error(uri: str, err: Exception) -> InputError:
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return InputError(uri, text[:200])


def _expand_remote(uri: str, suffix: str) -> Iterator[str | InputError]:
    """A remote file, or the `suffix` files of a remote folder, sorted (not recursive)."""
    import pyarrow.fs as pafs

    try:
        fs, path = pafs.FileSystem.from_uri(uri)
        info = fs.get_file_info(path)
        if info.type == pafs.FileType.NotFound:
            yield InputError(uri, "no such file or directory")
            return
        if info.type != pafs.FileType.Directory:
            yield uri
            return
        found = fs.get_file_info(pafs.FileSelector(path, recursive=False))
    except (OSError, ValueError) as err:  # pyarrow's errors derive from these
        yield _remote_error(uri, err)
        return
    names = sorted(i.base_name for i in found if i.type == pafs.FileType.File and i.base_name.lower().endswith(suffix))
    if not names:
        yield InputError(uri, f"directory has no {suffix} files")
    yield from (uri.rstrip("/") + "/" + name for name in names)


def expand(paths: Sequence[str], input_format: InputFormat) -> Iterator[str | InputError]:
    """The files to read, local and remote, in the order given."""
    if not paths or "-" in paths:
        raise UsageError("--ray reads files and folders (local or s3://, gs://, hdfs://), not stdin")
    suffix = ".jsonl" if input_format == "jsonl" else ".txt"
    for path in paths:
        yield from (_expand_remote(path, suffix) if is_uri(path) else expand_inputs([path], input_format))


def _read_remote(uri: str, options: InputOptions) -> Iterator[Release | InputError]:
    import pyarrow.fs as pafs

    source, name = input_names(uri)
    try:
        fs, path = pafs.FileSystem.from_uri(uri)
        with fs.open_input_stream(path) as handle:
            data = handle.read(options.max_bytes + 1) if options.input_format == "text" else handle.read()
    except (OSError, ValueError) as err:
        yield _remote_error(uri, err)
        return
    yield from releases_from_bytes(data, source=source, name=name, **asdict(options))


def read_any(path: str, options: InputOptions) -> Iterator[Release | InputError]:
    """The releases of one input file, local or remote, as the single-process CLI reads them."""
    if is_uri(path):
        return _read_remote(path, options)
    return input_releases(path, **asdict(options))


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


# --------------------------------------------------------------------------- the output folder (driver only)


def _write_atomically(path: Path, text: str) -> None:
    """Temporary name, fsync, rename: a reader (or a rerun) sees the whole file or none of it."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({(err.strerror or str(err)).lower()})") from None


def written_ids(output_dir: Path) -> tuple[set[str], set[str]]:
    """(result ids, error ids) already in DIR; shards are whole by construction."""
    found: tuple[set[str], set[str]] = (set(), set())
    for target, pattern in zip(found, (RESULT_SHARDS, ERROR_SHARDS)):
        for shard in sorted(output_dir.glob(pattern)):
            with open(shard, encoding="utf-8") as handle:
                target.update(json.loads(line)["id"] for line in handle if line.strip())
    return found


class OutputDir:
    """DIR: shards of JSON lines (results, errors) and manifest.json; only the driver writes here."""

    def __init__(self, path: Path, job: Job, cluster: Cluster, inputs: Sequence[str]) -> None:
        self.path = path
        self.run = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.shards = 0
        self.manifest: dict[str, Any] = {
            "arsum_version": __version__,
            "command": job.command,
            "settings": job.settings(),
            "inputs": list(inputs),
            "cluster": asdict(cluster),
        }
        self._check(inputs)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob(".*.tmp"):  # a shard being written when an earlier run was killed
            stale.unlink(missing_ok=True)
        self.results, self.errors = written_ids(path)

    def _check(self, inputs: Sequence[str]) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise OutputError(f"{self.path}: is not a directory")
        for given in inputs:
            if not is_uri(given) and Path(given).resolve() == self.path.resolve():
                raise OutputError(f"{self.path}: is one of the inputs; use another --output-dir")
        manifest = self.path / MANIFEST
        if manifest.exists():
            before = json.loads(manifest.read_text(encoding="utf-8"))
            for key in ("command", "settings"):
                if before.get(key) != self.manifest[key]:
                    raise OutputError(
                        f"{self.path}: holds the output of another {key} ({before.get(key)}); "
                        "use another --output-dir to keep runs apart"
                    )

    def write(self, lines: Sequence[str], errors: bool) -> None:
        if not lines:
            return
        self.shards += 1
        name = f"{'errors' if errors else 'part'}-{self.run}-{self.shards:05d}.jsonl"
        _write_atomically(self.path / name, "".join(line + "\n" for line in lines))

    def close(self, summary: RunSummary, status: str) -> None:
        models = sorted(set(self.manifest.get("models", [])) | summary.models)
        self.manifest.update(
            status=status,
            models=models,
            counts={"releases": len(self.results), "errors": len(self.errors)},
            last_run={"run": self.run, **asdict(summary), "models": sorted(summary.models)},
        )
        _write_atomically(self.path / MANIFEST, json.dumps(self.manifest, ensure_ascii=False, indent=2) + "\n")


def _models_of(line: str) -> Iterator[str]:
    """The model ids a record names (English summarizer or translator), for the manifest."""
    record = json.loads(line)
    english = record.get("english_summary")
    for model, revision in ((record.get("model"), record.get("revision")),
                            ((english or {}).get("model"), (english or {}).get("revision"))):
        if model:
            yield f"{model}@{revision}" if revision else model


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
    inputs: InputOptions = InputOptions(),
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

