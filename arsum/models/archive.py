"""Reading a model archive or folder that came from elsewhere into a staging folder, trusting nothing in it.

An archive (`arsum models export`) is a plain tar of regular files under `model/` and `ct2-QUANTIZATION/`, with
`arsum-manifest.json` naming each file's size and sha256. Everything in it is untrusted: the manifest is read
with a size cap and every field is checked (names and sources as hub ids, the commit as 40 hex digits, file
keys by the member rule); the tar's headers are all read first, so a sparse, linked, device, unlisted,
oversized or duplicated member is refused before a byte is written; each file is then streamed with its size
and checksum compared as it is written. A folder (an unpacked archive) is held to the same rules.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tarfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from arsum.errors import InputError, OutputError, one_line
from arsum.models.device import QUANTIZATIONS

ARCHIVE_FORMAT = "arsum-model-archive/1"
MANIFEST = "arsum-manifest.json"
MODEL_DIR = "model"
CT2_DIRS = {f"ct2-{quantization}": quantization for quantization in QUANTIZATIONS["ctranslate2"]}
MAX_MANIFEST_BYTES = 4_000_000
"""A real manifest is a few KB (one line per file); a larger one is refused unread."""
MAX_MEMBERS = 10_000
"""Files in one archive: a model has tens (sharded weights included); more is not an arsum archive."""
MAX_FILE_BYTES = 200 * 10**9
"""The largest single file accepted: well above any seq2seq model's weights, below what fills a disk by mistake."""
NOTHING = "nothing was installed"
_CHUNK = 1 << 20
_COMMIT = re.compile(r"[0-9a-f]{40}")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_HUB_PART = re.compile(r"[A-Za-z0-9](?:[\w.-]{0,94}[A-Za-z0-9_])?")
_NAME = re.compile(r"[A-Za-z0-9](?:[\w.-]{0,126}[A-Za-z0-9_])?")
_MEMBER_PART = re.compile(r"[^\x00-\x1f\x7f/\\]{1,255}")


def is_commit(value: object) -> bool:
    """A full git commit id (what a hub snapshot folder is named after)."""
    return isinstance(value, str) and _COMMIT.fullmatch(value) is not None


def is_hub_id(value: object) -> bool:
    """`org/name` as the hub allows it: no `..`, `--`, leading or trailing `.`/`-`, nothing that climbs a path."""
    if not isinstance(value, str) or value.count("/") != 1 or ".." in value or "--" in value:
        return False
    return all(_HUB_PART.fullmatch(part) for part in value.split("/"))


def is_model_name(value: object) -> bool:
    """A catalogue name (`opus-mt-ar-en`) or a hub id."""
    return isinstance(value, str) and (is_hub_id(value) or (_NAME.fullmatch(value) is not None and ".." not in value))


def member_parts(name: str) -> tuple[str, ...] | None:
    """The path parts of an archive member or manifest key, or None when it breaks the member rule: a relative
    path under model/ or ct2-QUANTIZATION/, no empty, `.` or `..` part, no control character or backslash."""
    parts = tuple(name.split("/"))
    if len(name) > 1024 or len(parts) < 2 or (parts[0] != MODEL_DIR and parts[0] not in CT2_DIRS):
        return None
    if any(part in (".", "..") or not _MEMBER_PART.fullmatch(part) for part in parts):
        return None
    return parts


@dataclass(frozen=True)
class FileEntry:
    size: int
    sha256: str


@dataclass(frozen=True)
class Manifest:
    """The fields of arsum-manifest.json that an import uses, each validated."""

    name: str | None
    source: str | None
    commit: str | None
    files: Mapping[str, FileEntry]


def _refuse(where: object, problem: str) -> InputError:
    return InputError(str(where), f"{problem}; {NOTHING}")


def parse_manifest(where: object, data: bytes) -> Manifest:
    """The manifest, or one InputError naming the first field that is not what an export writes."""
    try:
        raw = json.loads(data.decode("utf-8"))
    except RecursionError:
        raise _refuse(where, f"{MANIFEST} is nested too deeply") from None
    except (UnicodeDecodeError, ValueError):
        raise _refuse(where, f"{MANIFEST} is not valid JSON") from None
    if not isinstance(raw, dict) or raw.get("format") != ARCHIVE_FORMAT:
        raise _refuse(where, f"{MANIFEST} is not an {ARCHIVE_FORMAT} manifest")

    def field(key: str, valid: Any, rule: str) -> Any:
        value = raw.get(key)
        if value is not None and not valid(value):
            raise _refuse(where, f"{MANIFEST}: {key} is not {rule}")
        return value

    name = field("name", is_model_name, "a model name")
    source = field("source", is_hub_id, "a hub id (org/name)")
    commit = field("commit", is_commit, "a commit (40 hex digits)")
    field("revision", lambda v: isinstance(v, str) and len(v) <= 256, "a revision name")
    field("license", lambda v: isinstance(v, str) and len(v) <= 256, "a licence name")
    field("catalogue", lambda v: isinstance(v, dict), "a table")
    files = raw.get("files")
    if not isinstance(files, dict) or not files:
        raise _refuse(where, f"{MANIFEST}: files is not a table of files")
    if len(files) > MAX_MEMBERS:
        raise _refuse(where, f"{MANIFEST}: more than {MAX_MEMBERS} files")
    entries: dict[str, FileEntry] = {}
    for key, value in files.items():
        shown = one_line(ValueError(repr(key)))
        if member_parts(key) is None:
            raise _refuse(where, f"{MANIFEST}: file {shown} is not a path under {MODEL_DIR}/ or ct2-QUANTIZATION/")
        size = value.get("size") if isinstance(value, dict) else None
        digest = value.get("sha256") if isinstance(value, dict) else None
        if (not isinstance(size, int) or isinstance(size, bool) or not 0 <= size <= MAX_FILE_BYTES
                or not isinstance(digest, str) or not _SHA256.fullmatch(digest)):
            raise _refuse(where, f"{MANIFEST}: file {shown} has no valid size and sha256")
        entries[key] = FileEntry(size, digest)
    return Manifest(name=name, source=source, commit=commit, files=entries)


class _WriteFailed(Exception):
    """Writing into the staging folder failed (disk full, permissions): the cache's fault, not the archive's."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error


def _cannot_write(cache: Path, error: OSError) -> OutputError:
    """Disk full or not writable: the cache named, not the archive (which was read fine)."""
    reason = (error.strerror or str(error)).lower()
    return OutputError(f"{cache}: cannot write the model there ({reason}); {NOTHING}")


def _copy_checked(stream: IO[bytes], target: Path, want: FileEntry, where: object, arcname: str) -> None:
    """Stream into `target`, never past the manifest's size; the checksum compared at the end of the file."""
    digest = hashlib.sha256()
    size = 0
    try:
        out = open(target, "xb")  # noqa: SIM115 - a name seen twice is refused, never overwritten
    except OSError as exc:
        raise _WriteFailed(exc) from None
    with out:
        while chunk := stream.read(min(_CHUNK, want.size - size + 1)):
            size += len(chunk)
            if size > want.size:
                raise _refuse(where, f"{arcname} is larger than its manifest says")
            digest.update(chunk)
            try:
                out.write(chunk)
            except OSError as exc:
                raise _WriteFailed(exc) from None
    if size != want.size:
        raise _refuse(where, f"{arcname} is shorter than its manifest says")
    if digest.hexdigest() != want.sha256:
        raise _refuse(where, f"checksum mismatch for {arcname}: the archive is corrupted or was modified")


def _check_space(staging: Path, needed: int) -> None:
    """Refused before the first byte when the files cannot fit (the staging folder is in the cache)."""
    try:
        free = shutil.disk_usage(staging).free
    except OSError:
        return
    if needed > free:
        raise OutputError(f"{staging.parent}: the model needs {needed / 1e9:.1f} GB and only {free / 1e9:.1f} GB "
                          f"is free; {NOTHING}")


def _target(staging: Path, arcname: str) -> Path:
    parts = member_parts(arcname)
    assert parts is not None  # every name was checked against the manifest, whose keys follow the rule
    target = staging.joinpath(*parts)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _WriteFailed(exc) from None
    return target


def stage_archive(path: Path, staging: Path) -> Manifest:
    """Check every header and the manifest, then extract into `staging`: a refused archive writes nothing."""
    problem = "the archive is truncated or damaged"
    try:
        with tarfile.open(path, "r:") as archive:
            members = _members(archive, path)
            manifest_member = members.pop(MANIFEST, None)
            if manifest_member is None:
                raise _refuse(path, f"no {MANIFEST}: {problem}")
            if not manifest_member.isreg() or manifest_member.issparse() or manifest_member.size > MAX_MANIFEST_BYTES:
                raise _refuse(path, f"{MANIFEST} is not a regular file of at most {MAX_MANIFEST_BYTES} bytes")
            stream = archive.extractfile(manifest_member)
            data = stream.read(MAX_MANIFEST_BYTES + 1) if stream else b""
            if len(data) != manifest_member.size:
                raise _refuse(path, problem)
            manifest = parse_manifest(path, data)
            _compare_names(path, manifest, {name: member.size for name, member in members.items()})
            _check_space(staging, sum(entry.size for entry in manifest.files.values()))
            for arcname, member in members.items():
                source = archive.extractfile(member)
                assert source is not None  # regular, checked by _members
                _copy_checked(source, _target(staging, arcname), manifest.files[arcname], path, arcname)
    except (tarfile.TarError, EOFError) as exc:
        raise _refuse(path, f"not a complete arsum model archive ({one_line(exc)})") from None
    except _WriteFailed as failed:
        raise _cannot_write(staging.parent, failed.error) from None
    except OSError as exc:
        raise _refuse(path, f"cannot read: {one_line(exc)}") from None
    return manifest


def _members(archive: tarfile.TarFile, path: Path) -> dict[str, tarfile.TarInfo]:
    """Every header, read before anything is written: only regular, non-sparse files, each named once."""
    members: dict[str, tarfile.TarInfo] = {}
    for count, member in enumerate(archive, start=1):
        if count > MAX_MEMBERS + 1:
            raise _refuse(path, f"more than {MAX_MEMBERS} entries: not an arsum model archive")
        shown = one_line(ValueError(repr(member.name)))
        if member.name != MANIFEST and member_parts(member.name) is None:
            raise _refuse(path, f"unexpected entry {shown}: not an arsum model archive")
        if not member.isreg() or member.issparse():
            kind = "a sparse file" if member.issparse() else "a link" if member.issym() or member.islnk() \
                else "a folder" if member.isdir() else "a device or other special file"
            raise _refuse(path, f"entry {shown} is {kind}: an arsum model archive holds regular files only")
        if member.name in members:
            raise _refuse(path, f"entry {shown} appears twice")
        if member.size > MAX_FILE_BYTES:
            raise _refuse(path, f"entry {shown} declares {member.size} bytes: larger than any model file")
        members[member.name] = member
    return members


def _compare_names(where: object, manifest: Manifest, sizes: Mapping[str, int]) -> None:
    """One line naming the first file that is missing, unlisted or of another size than the manifest says."""
    for arcname in sorted(set(manifest.files) | set(sizes)):
        if arcname not in sizes:
            raise _refuse(where, f"{arcname} is missing: the archive is incomplete")
        if arcname not in manifest.files:
            raise _refuse(where, f"{arcname} is not in the manifest")
        if sizes[arcname] != manifest.files[arcname].size:
            raise _refuse(where, f"checksum mismatch for {arcname}: its size is not the manifest's; "
                          "the archive is corrupted or was modified")


def _walk(folder: Path) -> Iterator[tuple[str, Path]]:
    """(posix relative name, path) of every entry under `folder` that is not a folder; links are not followed."""
    for root, dirs, files in os.walk(folder, followlinks=False):
        for entry in sorted(files) + sorted(d for d in dirs if os.path.islink(os.path.join(root, d))):
            path = Path(root, entry)
            yield path.relative_to(folder).as_posix(), path


def stage_unpacked(folder: Path, staging: Path) -> Manifest:
    """An unpacked archive: the same rules as the tar (no unlisted file, no link or special file, every size and
    checksum verified as the file is copied, so what is installed is what was checked)."""
    manifest_path = folder / MANIFEST
    try:
        st = manifest_path.lstat()
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_MANIFEST_BYTES:
            raise _refuse(folder, f"{MANIFEST} is not a regular file of at most {MAX_MANIFEST_BYTES} bytes")
        with manifest_path.open("rb") as handle:
            manifest = parse_manifest(folder, handle.read(MAX_MANIFEST_BYTES + 1))
        sizes: dict[str, int] = {}
        for arcname, path in _walk(folder):
            if arcname == MANIFEST:
                continue
            mode = path.lstat().st_mode
            if not stat.S_ISREG(mode):
                kind = "a symbolic link" if stat.S_ISLNK(mode) else "a device or other special file"
                raise _refuse(folder, f"{arcname} is {kind}: an unpacked archive holds regular files only")
            if member_parts(arcname) is None:
                raise _refuse(folder, f"{arcname} is not in the manifest")
            sizes[arcname] = path.lstat().st_size
        _compare_names(folder, manifest, sizes)
        _check_space(staging, sum(entry.size for entry in manifest.files.values()))
        for arcname, entry in manifest.files.items():
            fd = os.open(folder.joinpath(*arcname.split("/")), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as source:
                _copy_checked(source, _target(staging, arcname), entry, folder, arcname)
    except _WriteFailed as failed:
        raise _cannot_write(staging.parent, failed.error) from None
    except OSError as exc:
        raise _refuse(folder, f"cannot read: {one_line(exc)}") from None
    return manifest


def stage_model_folder(folder: Path, target: Path) -> None:
    """A plain model folder (a copied hub snapshot, whose files may be links into its blobs), copied as it is;
    a device, FIFO or socket inside is refused, never read."""
    files: list[tuple[str, Path, int]] = []
    try:
        for arcname, path in _walk(folder):
            st = path.stat()  # follows the cache's links into blobs
            if stat.S_ISDIR(st.st_mode):
                raise _refuse(folder, f"{arcname} is a link to a folder: copy the model's files themselves")
            if not stat.S_ISREG(st.st_mode):
                raise _refuse(folder, f"{arcname} is a device or other special file, not a model file")
            files.append((arcname, path, st.st_size))
        _check_space(target.parent, sum(size for _, _, size in files))
        for arcname, path, _ in files:
            destination = target.joinpath(*arcname.split("/"))
            try:
                destination.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _WriteFailed(exc) from None
            _copy_file(path, destination)
    except _WriteFailed as failed:
        raise _cannot_write(target.parent.parent, failed.error) from None
    except OSError as exc:
        raise _refuse(folder, f"cannot read: {one_line(exc)}") from None


def _copy_file(source: Path, destination: Path) -> None:
    with source.open("rb") as reader:
        try:
            writer = open(destination, "xb")  # noqa: SIM115
        except OSError as exc:
            raise _WriteFailed(exc) from None
        with writer:
            while chunk := reader.read(_CHUNK):
                try:
                    writer.write(chunk)
                except OSError as exc:
                    raise _WriteFailed(exc) from None
