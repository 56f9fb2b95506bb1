"""Getting a model onto this machine: `models pull` (download, then convert to CTranslate2 int8) and the
offline route, `models export` / `models import` (one archive with the files and their sha256 checksums).

An archive is a plain tar (weights do not compress): the transformers files under `model/`, the int8
conversion under `ct2-int8/` (or `ct2-float32/`) when there is one, and `arsum-manifest.json` last, so export and import both
read each file once. Import extracts into a staging folder beside the destination and installs only when every
file is present with the size and checksum the manifest names; anything else leaves the cache as it was.
A checksum proves the archive is the one that was exported (not damaged, cut short, or edited file by file);
it cannot prove who exported it.

A hub model is installed into the Hugging Face cache layout (refs/<revision> -> snapshots/<commit>), where
`models list`, `-m NAME` and `-m org/name` find it exactly as if it had been pulled, with HF_HUB_OFFLINE=1.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

from arsum.errors import InputError, OutputError, UsageError, one_line
from arsum.models.config import Config, ModelSpec
from arsum.models.convert import CONVERSION_FORMAT, ensure_conversion
from arsum.models.device import QUANTIZATIONS
from arsum.models.folders import (
    METADATA_FILE,
    default_ct2_folder,
    is_ct2_folder,
    read_metadata,
)
from arsum.models.store import (
    conversion_of,
    hub_cache_dir,
    is_offline,
    model_path,
    pull,
    resolve_model,
)
from arsum.reporting import SILENT, Reporter

ARCHIVE_FORMAT = "arsum-model-archive/1"
MANIFEST = "arsum-manifest.json"
MODEL_DIR = "model"
CT2_DIRS = {f"ct2-{quantization}": quantization for quantization in QUANTIZATIONS["ctranslate2"]}
_COMMIT = re.compile(r"[0-9a-f]{40}")
_HUB_FOLDER = re.compile(r"models--(?P<org>[\w.-]+?)--(?P<name>[\w.-]+)")
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Installed:
    """Where a pulled or imported model now lives, and its CTranslate2 conversion (None with --no-convert)."""

    name: str
    folder: Path
    conversion: Path | None


def pull_model(config: Config, name: str, *, convert: bool = True, reporter: Reporter = SILENT,
               notify: Callable[[str], None] | None = None, env: Mapping[str, str] = os.environ) -> Installed:
    """Download a model, then convert it to CTranslate2 int8 so `backend = "auto"` runs the fast path (not for a
    model whose backend is set to transformers). `notify` hears the download size before the download starts."""
    spec = resolve_model(config, name)
    if notify is not None and not spec.is_local and not is_offline(env):
        size = f"about {spec.download_mb:,} MB" if spec.download_mb else "size unknown"
        notify(f"downloading {spec.name} ({spec.source}, {size})")
    folder = pull(config, name, env)
    wanted = convert and spec.backend != "transformers"
    return Installed(spec.name, folder, ensure_conversion(spec, folder, reporter) if wanted else None)


# --- export --------------------------------------------------------------------------------------------------

def export_model(config: Config, name: str, output: Path, *, force: bool = False) -> Path:
    """One archive with the model's files, its conversion if any, and a manifest (checksums, catalogue entry,
    licence); written beside `output` and renamed, so a failed export never leaves half an archive."""
    spec = resolve_model(config, name)
    folder = model_path(spec)
    if is_ct2_folder(folder):
        raise UsageError(f"{name}: {folder} is a CTranslate2 conversion; export the transformers model it was made from")
    if output.exists() and not force:
        raise OutputError(f"{output}: already exists; pass --force to replace it")
    conversion = conversion_of(spec)
    parts = [(MODEL_DIR, folder)]
    if conversion is not None and conversion != folder:
        parts.append((f"ct2-{read_metadata(conversion).get('quantization', 'int8')}", conversion))
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{output.name}-", dir=output.parent)
    os.close(handle)
    try:
        files: dict[str, dict[str, Any]] = {}
        with tarfile.open(staging, "w", format=tarfile.PAX_FORMAT) as archive:
            for prefix, root in parts:
                for path in sorted(p for p in root.rglob("*") if p.is_file()):
                    arcname = f"{prefix}/{path.relative_to(root).as_posix()}"
                    files[arcname] = _add_file(archive, arcname, path.resolve())
            manifest = _manifest(spec, folder, files)
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
        os.replace(staging, output)
    except OSError as exc:
        Path(staging).unlink(missing_ok=True)
        raise OutputError(f"{output}: cannot write the archive: {one_line(exc)}") from None
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    return output


def _manifest(spec: ModelSpec, folder: Path, files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    entry = {k: v for k, v in asdict(spec).items() if k not in {"name", "ct2_path"} and v not in (None, "", {}, ())}
    return {
        "format": ARCHIVE_FORMAT, "name": spec.name, "source": spec.source, "revision": spec.revision,
        "commit": folder.name if _COMMIT.fullmatch(folder.name) else None, "license": spec.license,
        "catalogue": entry, "files": files,
    }


class _Hashing:
    """A reader that hashes what passes through it, so a file is read once for the archive and its checksum."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.sha256 = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.sha256.update(data)
        return data


def _add_file(archive: tarfile.TarFile, arcname: str, path: Path) -> dict[str, Any]:
    info = tarfile.TarInfo(arcname)
    info.size = path.stat().st_size
    info.mode = 0o644
    with path.open("rb") as stream:
        reader = _Hashing(stream)
        archive.addfile(info, reader)  # type: ignore[arg-type]
    return {"size": info.size, "sha256": reader.sha256.hexdigest()}


def _add_bytes(archive: tarfile.TarFile, arcname: str, data: bytes) -> None:
    import io

    info = tarfile.TarInfo(arcname)
    info.size = len(data)
    info.mode = 0o644
    archive.addfile(info, io.BytesIO(data))


# --- import --------------------------------------------------------------------------------------------------

def import_model(config: Config, source: Path, *, name: str | None = None, convert: bool = True,
                 reporter: Reporter = SILENT, env: Mapping[str, str] = os.environ) -> Installed:
    """Install an archive made by `export_model`, or a plain model folder (a copied hub snapshot), into the
    cache; works offline. A folder needs `name` unless its path says which hub repository it is a snapshot of."""
    if source.is_dir():
        return _import_folder(config, source, name=name, convert=convert, reporter=reporter, env=env)
    if not source.is_file():
        raise InputError(str(source), "no such file or folder")
    staging_root = hub_cache_dir(env)
    staging_root.mkdir(parents=True, exist_ok=True)
    with _staging(staging_root) as staging:
        manifest = _extract_verified(source, staging)
        spec = _spec_for(config, name or manifest.get("name"), manifest.get("source"), source)
        folder = _install_snapshot(spec, staging / MODEL_DIR, manifest.get("commit"), env)
        conversion = None
        for arcdir, quantization in CT2_DIRS.items():
            if (staging / arcdir).is_dir():
                conversion = _replace_folder(staging / arcdir, default_ct2_folder(spec.name, quantization, env))
                _point_conversion_at(conversion, folder)
    earlier = conversion is not None and read_metadata(conversion).get("format") != CONVERSION_FORMAT
    if (conversion is None or earlier) and convert and spec.backend != "transformers":
        conversion = ensure_conversion(spec, folder, reporter)  # an earlier arsum's conversion lacks what is new
    return Installed(spec.name, folder, conversion)


def _import_folder(config: Config, source: Path, *, name: str | None, convert: bool, reporter: Reporter,
                   env: Mapping[str, str]) -> Installed:
    """A plain folder: an extracted archive (checked against its manifest) or a model folder as it is."""
    manifest_path = source / MANIFEST
    manifest: dict[str, Any] = {}
    if manifest_path.is_file():
        manifest = _read_manifest(source, manifest_path.read_bytes())
        _verify_folder(source, manifest)
        source = source / MODEL_DIR
    if not (source / "config.json").is_file() or is_ct2_folder(source):
        raise InputError(str(source), "not a transformers model folder (no config.json, or a CTranslate2 conversion)")
    hub = next((m for part in source.resolve().parts if (m := _HUB_FOLDER.fullmatch(part))), None)
    hub_id = manifest.get("source") or (f"{hub['org']}/{hub['name']}" if hub else None)
    spec = _spec_for(config, name or manifest.get("name"), hub_id, source)
    commit = manifest.get("commit") or (source.name if _COMMIT.fullmatch(source.name) else None)
    root = hub_cache_dir(env)
    root.mkdir(parents=True, exist_ok=True)
    with _staging(root) as staging:
        copy = staging / MODEL_DIR
        copy.mkdir()
        for path in sorted(p for p in source.rglob("*") if p.is_file()):
            target = copy / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)  # follows the cache's symlinks into blobs
        folder = _install_snapshot(spec, copy, commit, env)
    wanted = convert and spec.backend != "transformers"
    return Installed(spec.name, folder, ensure_conversion(spec, folder, reporter) if wanted else None)


def _spec_for(config: Config, name: str | None, hub_id: str | None, source: Path) -> ModelSpec:
    """The catalogue entry an import installs: the configured model of that name or hub id, else the hub id."""
    if name and name in config.models:
        return config.models[name]
    for spec in config.models.values():
        if hub_id and spec.source == hub_id:
            return spec
    if hub_id:
        return ModelSpec(name=hub_id, source=hub_id, family="auto")
    raise UsageError(f"{source}: cannot tell which model this is; pass --name with a model from `arsum models list`, "
                     "or use the folder directly with -m")


def _extract_verified(archive_path: Path, staging: Path) -> dict[str, Any]:
    """Every member extracted while hashed; the manifest (last) must name exactly these files and checksums."""
    seen: dict[str, dict[str, Any]] = {}
    manifest_bytes: bytes | None = None
    problem = "the archive is truncated or damaged; nothing was installed"
    try:
        with tarfile.open(archive_path, "r:") as archive:
            for member in archive:
                if member.name == MANIFEST and member.isfile():
                    stream = archive.extractfile(member)
                    manifest_bytes = stream.read() if stream else b""
                    if len(manifest_bytes) != member.size:
                        raise InputError(str(archive_path), problem)
                    continue
                target = _member_target(archive_path, staging, member)
                target.parent.mkdir(parents=True, exist_ok=True)
                stream = archive.extractfile(member)
                assert stream is not None  # a regular file, checked by _member_target
                seen[member.name] = _copy_hashed(stream, target)
    except (tarfile.TarError, EOFError) as exc:
        raise InputError(str(archive_path), f"not a complete arsum model archive ({one_line(exc)}); nothing was installed") from None
    except OSError as exc:
        raise InputError(str(archive_path), f"cannot read: {one_line(exc)}; nothing was installed") from None
    if manifest_bytes is None:
        raise InputError(str(archive_path), f"no {MANIFEST}: {problem}")
    manifest = _read_manifest(archive_path, manifest_bytes)
    _compare(archive_path, manifest["files"], seen)
    return manifest


def _member_target(archive_path: Path, staging: Path, member: tarfile.TarInfo) -> Path:
    """Only regular files under model/ or ct2-QUANTIZATION/, never a path that climbs out of the staging folder."""
    parts = PurePosixPath(member.name).parts
    if (not member.isfile() or not parts or (parts[0] != MODEL_DIR and parts[0] not in CT2_DIRS) or len(parts) < 2
            or any(part in ("..", "") for part in parts) or PurePosixPath(member.name).is_absolute()):
        raise InputError(str(archive_path), f"unexpected entry {member.name!r}: not an arsum model archive; nothing was installed")
    return staging.joinpath(*parts)


def _copy_hashed(stream: IO[bytes], target: Path) -> dict[str, Any]:
    digest = hashlib.sha256()
    size = 0
    with target.open("wb") as out:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    return {"size": size, "sha256": digest.hexdigest()}


def _read_manifest(where: Path, data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise InputError(str(where), f"{MANIFEST} is not valid JSON; nothing was installed") from None
    if not isinstance(manifest, dict) or manifest.get("format") != ARCHIVE_FORMAT or not isinstance(manifest.get("files"), dict):
        raise InputError(str(where), f"{MANIFEST} is not an {ARCHIVE_FORMAT} manifest; nothing was installed")
    return manifest


def _verify_folder(folder: Path, manifest: dict[str, Any]) -> None:
    seen: dict[str, dict[str, Any]] = {}
    for arcname in manifest["files"]:
        path = folder.joinpath(*PurePosixPath(arcname).parts)
        if path.is_file():
            digest = hashlib.sha256()
            with path.open("rb") as stream:
                while chunk := stream.read(_CHUNK):
                    digest.update(chunk)
            seen[arcname] = {"size": path.stat().st_size, "sha256": digest.hexdigest()}
    _compare(folder, manifest["files"], seen)


def _compare(where: Path, expected: Mapping[str, Any], seen: Mapping[str, Mapping[str, Any]]) -> None:
    """One line naming the first file that is missing, extra or altered."""
    for arcname in sorted(set(expected) | set(seen)):
        if arcname not in seen:
            raise InputError(str(where), f"{arcname} is missing: the archive is incomplete; nothing was installed")
        if arcname not in expected:
            raise InputError(str(where), f"{arcname} is not in the manifest; nothing was installed")
        want = expected[arcname]
        if not isinstance(want, dict) or (want.get("size"), want.get("sha256")) != (seen[arcname]["size"], seen[arcname]["sha256"]):
            raise InputError(str(where), f"checksum mismatch for {arcname}: the archive is corrupted or was modified; "
                             "nothing was installed")


@contextmanager
def _staging(root: Path) -> Iterator[Path]:
    """A temporary folder on the destination's file system (installs are renames), removed whatever happens."""
    staging = Path(tempfile.mkdtemp(prefix=".arsum-import-", dir=root))
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install_snapshot(spec: ModelSpec, files: Path, commit: str | None, env: Mapping[str, str]) -> Path:
    """Into the Hugging Face cache layout, where the store finds a pulled model; refs/<revision> names the commit
    (the exporter's snapshot commit, else a stable stand-in derived from the hub id)."""
    if spec.is_local:
        raise UsageError(f"model {spec.name} is configured with the folder {spec.source}, which is not arsum's to "
                         "write; copy the model there, or use the archive's model/ folder with -m")
    revision = spec.revision or "main"
    commit = revision if _COMMIT.fullmatch(revision) else (commit or hashlib.sha1(spec.source.encode()).hexdigest())
    repo = hub_cache_dir(env) / f"models--{spec.source.replace('/', '--')}"
    snapshot = _replace_folder(files, repo / "snapshots" / commit)
    if not _COMMIT.fullmatch(revision):
        (repo / "refs").mkdir(parents=True, exist_ok=True)
        (repo / "refs" / revision).write_text(commit, encoding="utf-8")
    return snapshot


def _replace_folder(new: Path, destination: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    if destination.exists():
        shutil.rmtree(destination)
    shutil.move(str(new), str(destination))
    return destination


def _point_conversion_at(conversion: Path, snapshot: Path) -> None:
    """An imported conversion belongs to the imported snapshot, so `ensure_conversion` keeps it."""
    metadata = read_metadata(conversion)
    metadata["source"] = str(snapshot.resolve())
    (conversion / METADATA_FILE).write_text(json.dumps(metadata, indent=2, ensure_ascii=False), encoding="utf-8")
