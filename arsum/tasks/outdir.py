"""The output folder of a resumable run (--output-dir): JSON-lines shards and manifest.json, and the reading
of inputs (local, or any URI pyarrow reads) that such a run shares with its Ray form (distributed.py).

Each shard is written to a temporary name and renamed, so a shard is there whole or not at all. A rerun reads the
ids already in DIR and skips them.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from arsum import __version__
from arsum.errors import InputError, OutputError, UsageError
from arsum.reporting import SILENT
from arsum.tasks.pipeline import (
    Notify,
    Process,
    Summarize,
    SummarizeOptions,
    Translate,
    TranslateOptions,
)
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


# --------------------------------------------------------------------------- the output folder


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

    def __init__(self, path: Path, job: Job, cluster: Any, inputs: Sequence[str]) -> None:
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


