"""The output folder of a resumable run (--output-dir, with or without --ray): JSON-lines shards and manifest.json;
the reading of inputs that both forms of the run share is in run_inputs.py (its names re-exported here).

The folder is owned by one run at a time (a lock the OS releases when the process dies). What is already in it is
untrusted: every shard and the manifest are checked when a run resumes, a damaged one is named with the fix, and
only files of arsum's own naming are ever removed (temporary shards of a run that died). Each shard is written to a
temporary name and renamed, so a shard is there whole or not at all. A rerun reads the ids already in DIR and never
sends those releases to the models again; inputs that failed are read (and counted) again, their error records
written once. Release ids are unique per input file: the file's path relative to the common folder of the inputs
(recorded in the manifest, so a later run with other inputs keeps the same ids), plus `#k` as in one process.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from arsum import __version__
from arsum.errors import InputError, OutputError
from arsum.reporting import SILENT, Reporter
from arsum.tasks.pipeline import (
    Notify,
    Process,
    Summarize,
    SummarizeOptions,
    Translate,
    TranslateOptions,
    windows,
)
from arsum.tasks.results import ErrorRecord, to_dict

# The reading of inputs lives in run_inputs; its names stay importable from here (distributed.py, api, tests).
from arsum.tasks.run_inputs import (  # noqa: F401
    InputFile,
    InputOptions,
    _not_local,
    expand,
    is_uri,
    plan_inputs,
    read_any,
    read_file,
    renamed,
)
from arsum.text.release import Release
from arsum.text.releases import join_parts

MANIFEST = "manifest.json"
LOCK = ".arsum.lock"
RAY_LOG = "ray-driver.log"  # Ray's own lines (its C++ core, its warnings), off the terminal unless ARSUM_RAY_LOGS=1
RESULT_SHARDS = "part-*.jsonl"
ERROR_SHARDS = "errors-*.jsonl"
_RUN = r"\d{8}T\d{6}-[0-9a-f]{6}"
_SHARD = re.compile(rf"(part|errors)-{_RUN}-\d{{5}}\.jsonl")
_TEMP = re.compile(rf"\.((part|errors)-{_RUN}-\d{{5}}\.jsonl|{re.escape(MANIFEST)})\.[0-9a-f]{{8}}\.tmp")
MAX_MANIFEST_BYTES = 8 << 20
MAX_RECORD_BYTES = 256 << 20  # one line of a shard: one record, far below this unless the file is not a shard
SHARD_RECORDS = 64  # a local run writes a shard every SHARD_RECORDS records ...
SHARD_SECONDS = 30.0  # ... or every SHARD_SECONDS, so a crash loses little; Ctrl-C and SIGTERM lose nothing finished

Command = Literal["summarize", "translate"]

# Settings whose option is not `--` plus the field name; booleans are shown as their flag.
_OPTIONS = {"count": "--sentences", "config_path": "--config", "target": "--to", "source": "--from"}
_FLAGS = {"english": ("--english", "--no-english"), "enabled": ("--support", "--no-support"),
          "join": ("joined parts (no --keep-parts)", "--keep-parts")}
_SAME_NAME = {"split", "input_format", "ratio", "strategy", "model", "device", "quantize", "backend", "min_support", "drop_unsupported", "encoder"}


@dataclass(frozen=True)
class Job:
    """What every worker builds once: the command and its options (picklable: no reporter, no callbacks)."""

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


def _flat(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in settings.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _as_option(key: str, value: Any) -> tuple[str, bool]:
    """How the user gave a setting on the command line (`--sentences 3`, `--no-english`), and whether they did."""
    name = key.rsplit(".", 1)[-1]
    if name in _FLAGS and isinstance(value, bool):
        return _FLAGS[name][0 if value else 1], True
    if name not in _OPTIONS and name not in _SAME_NAME:  # resolved from models.toml or the API, not an option
        return f"the setting {key} = {json.dumps(value, ensure_ascii=False)[:80]}", True
    option = _OPTIONS.get(name, "--" + name.replace("_", "-"))
    if value is None or value is False:
        return option, False
    return option if value is True else f"{option} {str(value)[:80]}", True


def settings_difference(before: dict[str, Any], now: dict[str, Any]) -> str | None:
    """The first option that differs, as `without --sentences, this run gives --sentences 5`; None when all
    match. A setting the earlier manifest lacks (an older arsum) is not held against the rerun."""
    old, new = _flat(before), _flat(now)
    for key, value in new.items():
        if key in old and old[key] != value:
            (was, given), (now_text, now_given) = _as_option(key, old[key]), _as_option(key, value)
            return (f"{'with' if given else 'without'} {was}, "
                    f"{f'this run gives {now_text}' if now_given else f'this run leaves {now_text} out'}")
    return None


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


# --------------------------------------------------------------------------- the output folder


def _write_atomically(path: Path, text: str) -> None:
    """Temporary name, fsync, rename: a reader (or a rerun) sees the whole file or none of it."""
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "x", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as err:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: cannot write ({(err.strerror or str(err)).lower()})") from None


def _regular(path: Path) -> os.stat_result:
    """lstat of a file arsum is about to read: a link, FIFO or device is refused before it is opened."""
    st = path.lstat()
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{path}: is not a regular file; arsum did not write it: move it out of the output folder")
    return st


def _damaged(path: Path, problem: str) -> OutputError:
    return OutputError(f"{path}: {problem}, a damaged shard; delete this file and run again (its releases are redone)")


def _shard_records(path: Path, error_shard: bool) -> Iterator[tuple[str, str]]:
    """(id, source) of each record of one shard, every line checked as untrusted."""
    _regular(path)
    needed = ("id", "source", "message") if error_shard else ("id", "source")
    with open(path, "rb") as handle:
        number = 0
        while line := handle.readline(MAX_RECORD_BYTES + 1):
            number += 1
            if not line.endswith(b"\n"):
                raise _damaged(path, f"line {number} is cut short" if len(line) <= MAX_RECORD_BYTES
                               else f"line {number} is above {MAX_RECORD_BYTES} bytes")
            try:
                record = json.loads(line.decode("utf-8"))
            except UnicodeDecodeError:
                raise _damaged(path, f"line {number} is not valid UTF-8") from None
            except (ValueError, RecursionError):
                raise _damaged(path, f"line {number} is not JSON") from None
            if not isinstance(record, dict) or not all(isinstance(record.get(key), str) for key in needed):
                raise _damaged(path, f"line {number} is not an arsum record (no {', '.join(needed)} strings)")
            yield record["id"], record["source"]


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest of DIR, checked as untrusted (size, encoding, fields); None when there is none."""
    manifest = path / MANIFEST
    if not os.path.lexists(manifest):
        return None
    fix = "delete it and run again (the shards are kept and checked)"
    size = _regular(manifest).st_size
    if size > MAX_MANIFEST_BYTES:
        raise OutputError(f"{manifest}: is {size} bytes, not a manifest arsum wrote; {fix}")
    try:
        before = json.loads(manifest.read_bytes()[: MAX_MANIFEST_BYTES + 1].decode("utf-8"))
    except UnicodeDecodeError:
        raise OutputError(f"{manifest}: is not valid UTF-8 (damaged); {fix}") from None
    except (ValueError, RecursionError):
        raise OutputError(f"{manifest}: is not valid JSON (damaged or cut short); {fix}") from None
    except OSError as err:
        raise OutputError(f"{manifest}: cannot read ({(err.strerror or str(err)).lower()})") from None
    shapes = {"command": str, "settings": dict, "inputs": list, "models": list, "runs": list, "id_roots": dict}
    if not isinstance(before, dict) or any(
        key in before and not isinstance(before[key], kind) for key, kind in shapes.items()
    ) or not isinstance(before.get("command"), str) or not isinstance(before.get("settings"), dict):
        raise OutputError(f"{manifest}: is not an arsum manifest (fields missing or of the wrong type); {fix}")
    return before


class _Lock:
    """An exclusive lock on DIR/.arsum.lock, held for the whole run; the OS drops it when the process dies, so a
    killed run never leaves the folder locked. A second run is refused at once."""

    def __init__(self, folder: Path) -> None:
        path = folder / LOCK
        try:
            self.fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
        except OSError as err:
            raise OutputError(f"{path}: cannot open the lock ({(err.strerror or str(err)).lower()})") from None
        try:
            if not stat.S_ISREG(os.fstat(self.fd).st_mode) or not self._try_lock():
                raise OutputError(
                    f"{folder}: another arsum run{self._holder()} is writing there; wait for it to end, "
                    "or use another --output-dir"
                )
            os.ftruncate(self.fd, 0)
            os.write(self.fd, f"{os.getpid()}\n".encode())
        except BaseException:
            os.close(self.fd)
            raise

    def _try_lock(self) -> bool:
        try:
            import fcntl
        except ImportError:  # Windows
            import msvcrt

            try:
                msvcrt.locking(self.fd, msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
            except OSError:
                return False
            return True
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False
        return True

    def _holder(self) -> str:
        with contextlib.suppress(OSError, ValueError):
            pid = int(os.pread(self.fd, 32, 0).decode("ascii").strip())
            return f" (pid {pid})"
        return ""

    def release(self) -> None:
        os.close(self.fd)  # closing drops the lock; the file stays (removing it would race a waiting run)


class OutputDir:
    """DIR: shards of JSON lines (results, errors) and manifest.json, owned by this run until `close`.

    Opening checks the folder (not an input, not inside one), takes the lock, checks the manifest's command
    and settings, removes only temporary shards of runs that died, and reads the ids of every shard, checked.
    """

    def __init__(
        self, path: Path, job: Job, cluster: Any, inputs: Sequence[str], reading: InputOptions | None = None
    ) -> None:
        self.path = path
        self.run = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.shards = 0
        self.results: set[str] = set()
        self.errors: set[str] = set()
        self.sources: dict[str, str] = {}  # id -> source of the releases this run claimed
        self._check_place(inputs)
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(f"{path}: cannot create the folder ({(err.strerror or str(err)).lower()})") from None
        self._lock = _Lock(path)
        try:
            before = read_manifest(path) or {}
            self.manifest: dict[str, Any] = {
                "arsum_version": __version__,
                "command": job.command,
                "settings": job.settings(),
                # how files become releases (and so what an id names); --max-bytes and --lang only decide which fail
                "reading": {"input_format": (reading or InputOptions()).input_format,
                            "split": (reading or InputOptions()).split, "join": (reading or InputOptions()).join},
                "inputs": list(dict.fromkeys([*(i for i in before.get("inputs", []) if isinstance(i, str)), *inputs])),
                "cluster": asdict(cluster) if cluster is not None else None,
                "id_roots": before.get("id_roots", {}),
                "models": before.get("models", []),
                "runs": [r for r in before.get("runs", []) if isinstance(r, dict)],
            }
            self._check_settings(before)
            self._scan()
            self._save("running", RunSummary())
        except BaseException:
            self._lock.release()
            raise

    def _check_place(self, inputs: Sequence[str]) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise OutputError(f"{self.path}: is not a directory")
        here = Path(os.path.realpath(self.path))
        for given in inputs:
            if _not_local(given) or given == "-":
                continue
            other = Path(os.path.realpath(given))
            if here == other or (other.is_dir() and other in here.parents):
                where = "is one of the inputs" if here == other else f"is inside input folder {given}"
                raise OutputError(f"{self.path}: {where}; use an --output-dir outside the inputs")

    def _check_settings(self, before: dict[str, Any]) -> None:
        if not before:
            return
        if before["command"] != self.manifest["command"]:
            raise OutputError(
                f"{self.path}: holds the output of `arsum {before['command'][:40]}`, not of `arsum "
                f"{self.manifest['command']}`; use another --output-dir to keep runs apart"
            )
        reading = before.get("reading") if isinstance(before.get("reading"), dict) else {}
        difference = settings_difference(before["settings"], self.manifest["settings"]) or settings_difference(
            reading, self.manifest["reading"]
        )
        if difference is not None:
            raise OutputError(
                f"{self.path}: was written {difference}; rerun with the same options to resume, "
                "or use another --output-dir"
            )

    def _scan(self) -> None:
        for entry in sorted(os.scandir(self.path), key=lambda e: e.name):
            name = entry.name
            if _TEMP.fullmatch(name) and entry.is_file(follow_symlinks=False):
                os.unlink(entry.path)  # a shard being written when an earlier run died (the lock says none runs)
            elif _SHARD.fullmatch(name):
                error_shard = name.startswith("errors-")
                target = self.errors if error_shard else self.results
                target.update(rid for rid, _ in _shard_records(Path(entry.path), error_shard))
            elif Path(name).match(RESULT_SHARDS) or Path(name).match(ERROR_SHARDS):
                raise OutputError(
                    f"{entry.path}: was not written by arsum (shards are named part-RUN-NUMBER.jsonl); "
                    "move it out of the output folder"
                )

    def roots(self) -> dict[str, str]:
        roots = self.manifest["id_roots"]
        return {k: v for k, v in roots.items() if k in ("local", "remote") and isinstance(v, str)}

    def plan(self, files: Sequence[str]) -> list[InputFile]:
        """The run's files with their id names; the roots are recorded for the runs that come later."""
        planned, roots = plan_inputs(files, self.roots())
        self.manifest["id_roots"] = roots
        return planned

    def claim(self, rid: str, source: str) -> str | None:
        """Take `rid` for the release read from `source`: None if it is new; else the earlier source."""
        if rid in self.results:
            return self.sources.get(rid, "an earlier run")
        self.results.add(rid)
        self.sources[rid] = source
        return None

    def write(self, lines: Sequence[str], errors: bool) -> None:
        if not lines:
            return
        self.shards += 1
        name = f"{'errors' if errors else 'part'}-{self.run}-{self.shards:05d}.jsonl"
        _write_atomically(self.path / name, "".join(line + "\n" for line in lines))

    def _save(self, status: str, summary: RunSummary) -> None:
        run = {"run": self.run, "status": status, **asdict(summary), "models": sorted(summary.models)}
        runs = [r for r in self.manifest["runs"] if r.get("run") != self.run]
        self.manifest.update(
            status=status,
            models=sorted({str(m) for m in self.manifest["models"]} | summary.models),
            counts={"releases": len(self.results), "errors": len(self.errors)},
            last_run=run,
            runs=[*runs, run],
        )
        _write_atomically(self.path / MANIFEST, json.dumps(self.manifest, ensure_ascii=False, indent=2) + "\n")

    def close(self, summary: RunSummary, status: str) -> None:
        """Record the run (totals of every run in DIR) and give the folder up."""
        try:
            self._save(status, summary)
        finally:
            self._lock.release()


def _models_of(line: str) -> Iterator[str]:
    """The model ids a record names (English summarizer or translator), for the manifest."""
    record = json.loads(line)
    english = record.get("english_summary")
    for model, revision in ((record.get("model"), record.get("revision")),
                            ((english or {}).get("model"), (english or {}).get("revision"))):
        if model:
            yield f"{model}@{revision}" if revision else model


def duplicate_error(rid: str, source: str, first: str) -> ErrorRecord:
    """A release whose id another release of the run already has: refused, never dropped silently."""
    return ErrorRecord(id=source, source=source,
                       message=f"id {json.dumps(rid, ensure_ascii=False)[:200]} is also the id of {first}; an output "
                       "folder keeps one record per id, so this release is not written (give it its own id)")


class Writer:
    """What a run sends to DIR: results and errors, each id once, a shard at a time; counts in `summary`."""

    def __init__(self, out: OutputDir, summary: RunSummary, notify: Notify, advance: Callable[[int], None]) -> None:
        self.out = out
        self.summary = summary
        self.notify = notify
        self.advance = advance
        self.results: list[str] = []
        self.errors: list[str] = []
        self.last = time.monotonic()

    def error(self, record: ErrorRecord) -> None:
        self.summary.errors += 1
        self.notify(f"{record.source}: {record.message}")
        if record.id not in self.out.errors:
            self.out.errors.add(record.id)
            self.errors.append(json.dumps(to_dict(record), ensure_ascii=False))

    def result(self, line: str) -> None:
        self.summary.models.update(_models_of(line))
        self.summary.written += 1
        self.results.append(line)
        self.advance(1)

    def flush(self, *, unless_small: bool = False) -> None:
        pending = len(self.results) + len(self.errors)
        if unless_small and pending < SHARD_RECORDS and time.monotonic() - self.last < SHARD_SECONDS:
            return
        self.out.write(self.results, errors=False)
        self.out.write(self.errors, errors=True)
        self.results, self.errors, self.last = [], [], time.monotonic()


def list_files(paths: Sequence[str], inputs: InputOptions) -> tuple[list[str], list[ErrorRecord]]:
    files: list[str] = []
    errors: list[ErrorRecord] = []
    for item in expand(paths, inputs.input_format):
        if isinstance(item, InputError):
            errors.append(ErrorRecord.from_error(item))
        else:
            files.append(item)
    return files, errors


# --------------------------------------------------------------------------- the run in this process


@contextlib.contextmanager
def folder_run(
    out: OutputDir, paths: Sequence[str], inputs: InputOptions, reporter: Reporter, notify: Notify, report: Notify
) -> Iterator[tuple[Writer, list[InputFile]]]:
    """The frame of every run into DIR, here or on Ray: the files with their id names and a Writer in; on the way
    out, what is pending written, the manifest saved (complete, or interrupted) and DIR given up. After Ctrl-C or
    SIGTERM one line says what the run wrote and that the same command resumes."""
    started = time.perf_counter()
    summary = RunSummary()
    status = "interrupted"
    try:
        files, listing_errors = list_files(paths, inputs)
        with reporter.track("releases", total=None) as tracker:
            writer = Writer(out, summary, report, tracker.advance)
            for record in listing_errors:
                writer.error(record)
            try:
                yield writer, out.plan(files)
            finally:
                writer.flush()
        status = "complete"
    except Exception:
        raise
    except BaseException:  # Ctrl-C, SIGTERM: what was finished is in DIR
        summary.seconds = time.perf_counter() - started
        notify(f"{summary.line(out.path)} before the run was stopped; the same command resumes")
        raise
    finally:
        summary.seconds = time.perf_counter() - started
        out.close(summary, status)


def run_local(
    job: Job,
    paths: Sequence[str],
    output_dir: Path,
    *,
    inputs: InputOptions = InputOptions(),
    reporter: Reporter = SILENT,
    notify: Notify = lambda message: None,
    report: Notify | None = None,
) -> RunSummary:
    """`job` over every release of `paths` in this process, into DIR as a Ray run writes it; this run's counts.

    Releases whose ids are in DIR are skipped before the model; finished records are written a shard at a time,
    and those pending when the run is interrupted (Ctrl-C, SIGTERM, an error) are written before it ends.
    """
    out = OutputDir(output_dir, job, None, paths, inputs)
    with folder_run(out, paths, inputs, reporter, notify, report or notify) as (writer, files):
        process = job.build(notify)
        for window in windows(_fresh(out, files, inputs, writer), process.window):
            for result in process(window):
                writer.result(json.dumps(to_dict(result), ensure_ascii=False))
            writer.flush(unless_small=True)
    return writer.summary


def _fresh(out: OutputDir, files: Iterable[InputFile], inputs: InputOptions, writer: Writer) -> Iterator[Release]:
    """The releases not yet in DIR, in input order; bad inputs and repeated ids become error records."""
    items: Iterable[Release | InputError] = (item for file in files for item in read_file(file, inputs))
    for item in join_parts(items) if inputs.join else items:  # as one process joins them: across the run
        if isinstance(item, InputError):
            writer.error(ErrorRecord.from_error(item))
            continue
        if item.id in out.results and item.id not in out.sources:
            writer.summary.skipped += 1
            continue
        first = out.claim(item.id, item.source)
        if first is not None:
            writer.error(duplicate_error(item.id, item.source, first))
            continue
        yield item
