"""The reading of a run's inputs (local, or any URI pyarrow reads) that --output-dir and --ray share, and the ids
unique per input file: a file's path relative to the common folder of the inputs, plus `#k` as in one process.

Split from outdir.py (the output folder itself); outdir re-exports these names.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any, BinaryIO

from arsum.errors import InputError, UsageError
from arsum.text.inputs import (
    DEFAULT_MAX_BYTES,
    InputFormat,
    expand_inputs,
    input_names,
    input_releases,
    jsonl_releases,
    releases_from_bytes,
)
from arsum.text.release import Release
from arsum.text.releases import SplitMode
from arsum.text.web import is_url


@dataclass(frozen=True)
class InputOptions:
    input_format: InputFormat = "text"
    max_bytes: int = DEFAULT_MAX_BYTES
    require_arabic: bool = True
    split: SplitMode = "auto"  # where a text input is cut into releases (arsum.text.releases.SPLIT_MODES)
    join: bool = True  # the parts of a multi-part release joined (here across the run; on Ray within each file)

    def reader(self) -> dict[str, Any]:
        """The keyword arguments of the text layer's readers."""
        return {k: v for k, v in asdict(self).items() if k != "join"}


def is_uri(path: str) -> bool:
    """A path pyarrow reads (s3://, gs://, hdfs://, file://); a web address (http, https) is read as in one process."""
    return "://" in path and not is_url(path)


def _not_local(path: str) -> bool:
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
        raise UsageError("--output-dir reads files and folders (local or s3://, gs://, hdfs://), not stdin")
    suffix = {"jsonl": ".jsonl", "html": ".html"}.get(input_format, ".txt")
    for path in paths:
        yield from (_expand_remote(path, suffix) if is_uri(path) else expand_inputs([path], input_format))


class _Capped(io.RawIOBase):
    """A remote stream as a raw file, so JSON lines are read one at a time under --max-bytes, never whole."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_remote(uri: str, options: InputOptions) -> Iterator[Release | InputError]:
    import pyarrow.fs as pafs

    source, name = input_names(uri)
    try:
        fs, path = pafs.FileSystem.from_uri(uri)
        with fs.open_input_stream(path) as handle:
            if options.input_format == "jsonl":
                reader: BinaryIO = io.BufferedReader(_Capped(handle), 1 << 20)  # type: ignore[assignment]
                yield from jsonl_releases(reader, source=source, name=name, max_bytes=options.max_bytes,
                                          require_arabic=options.require_arabic)
                return
            data = handle.read(options.max_bytes + 1)
    except (OSError, ValueError) as err:
        yield _remote_error(uri, err)
        return
    yield from releases_from_bytes(data, source=source, name=name, **options.reader())


def read_any(path: str, options: InputOptions) -> Iterator[Release | InputError]:
    """The releases of one input file, local or remote, as the single-process CLI reads them."""
    if is_uri(path):
        return _read_remote(path, options)
    return input_releases(path, **options.reader())


# --------------------------------------------------------------------------- ids unique per input


@dataclass(frozen=True)
class InputFile:
    """One file of a run: `path` as read, `name` its id prefix (relative to the inputs' common folder)."""

    path: str
    name: str


def _key(path: str) -> str:
    return path if _not_local(path) else os.path.realpath(path)


def _common_root(keys: Sequence[str]) -> str | None:
    """The deepest folder holding every key (by `/` segments; URIs and local paths apart), None if there is none."""
    parents = [key.split("/")[:-1] for key in keys]
    if not parents:
        return None
    common = parents[0]
    for segments in parents[1:]:
        size = 0
        while size < min(len(common), len(segments)) and common[size] == segments[size]:
            size += 1
        common = common[:size]
    return "/".join(common) + "/" if common else None


def _relative(key: str, root: str | None) -> str:
    if root is not None and key.startswith(root):
        return key[len(root):]
    if root is not None and not _not_local(key) and not _not_local(root):
        return os.path.relpath(key, root)
    return key


def plan_inputs(files: Sequence[str], roots: dict[str, str]) -> tuple[list[InputFile], dict[str, str]]:
    """Each distinct file once, named relative to the common folder of local files (and of remote ones).

    `roots` are the folders an earlier run into the same DIR named its files from: they are kept, so a rerun
    with more or other inputs never renames what is there. Returns the files and the roots to record.
    """
    keyed: dict[str, str] = {}
    for path in files:
        keyed.setdefault(_key(path), path)  # the same file named twice (`a.txt dir/`) is read once
    roots = dict(roots)
    for kind, keys in (("local", [k for k in keyed if not _not_local(k)]), ("remote", [k for k in keyed if is_uri(k)])):
        root = roots.get(kind) or _common_root(keys)
        if root is not None:
            roots[kind] = root
    planned = []
    for key, path in keyed.items():
        if is_url(key):  # a web page's ids are its address, as in one process
            planned.append(InputFile(path, input_names(path)[1]))
            continue
        relative = _relative(key, roots.get("remote" if is_uri(key) else "local"))
        planned.append(InputFile(path, input_names(relative)[0]))  # input_names: undecodable bytes made printable
    return planned, roots


def renamed(item: Release | InputError, file: InputFile) -> Release | InputError:
    """A release of `file` with its id named from the file's relative name instead of its base name."""
    if isinstance(item, InputError):
        return item
    base = input_names(file.path)[1]
    if base == file.name:
        return item
    for mark in ("#", ":"):  # NAME#k (text), NAME:LINE (a JSON line without its own id)
        number = item.id.removeprefix(base + mark)
        if number != item.id and number.isdigit() and (mark == "#" or item.source.endswith(":" + number)):
            return replace(item, id=f"{file.name}{mark}{number}")
    return item


def read_file(file: InputFile, options: InputOptions) -> Iterator[Release | InputError]:
    return (renamed(item, file) for item in read_any(file.path, options))
