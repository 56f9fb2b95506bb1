"""Getting a model onto this machine: `models pull` (download, then convert to CTranslate2 int8) and the
offline route, `models export` / `models import` (one archive with the files and their sha256 checksums).

An archive is a plain tar (weights do not compress): the transformers files under `model/`, the int8
conversion under `ct2-int8/` (or `ct2-float32/`) when there is one, and `arsum-manifest.json` last, so export
reads each file once. Import trusts nothing in it (arsum.models.archive): it checks every header and the
manifest first, extracts into a staging folder beside the destination, and installs (under one lock) only when
every file is present with the size and checksum the manifest names, the model is of the family and size its
catalogue entry says, and every path it replaces lies inside the cache; anything else leaves the cache as it was.
A checksum proves the archive is the one that was exported (not damaged, cut short, or edited file by file);
it cannot prove who exported it.

A hub model is installed into the Hugging Face cache layout (refs/<revision> -> snapshots/<commit>), where
`models list`, `-m NAME` and `-m org/name` find it exactly as if it had been pulled, with HF_HUB_OFFLINE=1.
A model whose commit nobody stated is installed as snapshot `imported`, and its records say `commit: null`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tarfile
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

from arsum.errors import InputError, OutputError, UsageError, one_line
from arsum.models.archive import (
    ARCHIVE_FORMAT,
    CT2_DIRS,
    MANIFEST,
    MODEL_DIR,
    NOTHING,
    is_commit,
    is_hub_id,
    stage_archive,
    stage_model_folder,
    stage_unpacked,
)
from arsum.models.config import CROSSSUM_NAMES, Config, ModelSpec, family_language_code
from arsum.models.convert import CONVERSION_FORMAT, ensure_conversion, source_identity
from arsum.models.folders import (
    METADATA_FILE,
    WEIGHT_FILES,
    default_ct2_folder,
    is_ct2_folder,
    read_json_object,
    read_metadata,
    snapshot_commit,
)
from arsum.models.inuse import exclusive, install_lock
from arsum.models.store import (
    conversion_of,
    family_of_folder,
    hub_cache_dir,
    is_offline,
    model_path,
    pull,
    resolve_model,
)
from arsum.reporting import SILENT, Reporter

_HUB_FOLDER = re.compile(r"models--(?P<org>[\w.-]+?)--(?P<name>[\w.-]+)")


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
    if not (convert and spec.backend != "transformers"):
        return Installed(spec.name, folder, None)
    with install_lock(env):
        return Installed(spec.name, folder, ensure_conversion(spec, folder, reporter))


# --- export --------------------------------------------------------------------------------------------------

def export_model(config: Config, name: str, output: Path, *, force: bool = False) -> Path:
    """One archive with the model's files, its conversion if any, and a manifest (checksums, catalogue entry,
    licence); written beside `output` and put in place only when complete, so a failed export never leaves half
    an archive. `output` gets `summarize -o`'s protections: never a device, link, folder or the model's own file."""
    spec = resolve_model(config, name)
    if spec.is_local:
        raise UsageError(f"{name}: is the local folder {spec.source}, not a hub model, so another machine could not "
                         "tell what it is; copy that folder there and use it with -m FOLDER, or `arsum models import "
                         "FOLDER --name ORG/NAME` if it is a copy of a hub model")
    folder = model_path(spec)
    if is_ct2_folder(folder):
        raise UsageError(f"{name}: {folder} is a CTranslate2 conversion; export the transformers model it was made from")
    conversion = conversion_of(spec)
    parts = [(MODEL_DIR, folder)]
    if conversion is not None and conversion != folder:
        parts.append((f"ct2-{read_metadata(conversion).get('quantization', 'int8')}", conversion))
    members = [(f"{prefix}/{path.relative_to(root).as_posix()}", path)
               for prefix, root in parts for path in sorted(p for p in root.rglob("*") if p.is_file())]
    for _, root in parts:
        if output.parent.resolve() == root.resolve() or root.resolve() in output.parent.resolve().parents:
            raise OutputError(f"{output}: is inside the model folder {root}, which is being exported; write it elsewhere")
    replaces = _check_archive_output(output, [path for _, path in members], force)
    try:
        handle, staging = tempfile.mkstemp(prefix=f".{output.name[:100]}.", suffix=".part", dir=output.parent)
    except OSError as exc:
        raise OutputError(f"{output}: cannot write in {output.parent} ({one_line(exc)})") from None
    os.close(handle)
    try:
        files: dict[str, dict[str, Any]] = {}
        with tarfile.open(staging, "w", format=tarfile.PAX_FORMAT) as archive:
            for arcname, path in members:
                files[arcname] = _add_file(archive, arcname, path.resolve())
            manifest = _manifest(spec, folder, files)
            _add_bytes(archive, MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False).encode("utf-8"))
        _put_in_place(Path(staging), output, replaces)
    except OSError as exc:
        raise OutputError(f"{output}: cannot write the archive: {one_line(exc)}") from None
    finally:
        Path(staging).unlink(missing_ok=True)
    return output


def _identity(st: os.stat_result) -> tuple[int, ...]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns


def _check_archive_output(output: Path, sources: list[Path], force: bool) -> tuple[int, ...] | None:
    """Refuse before any work: a link, folder, device or FIFO, one of the files being archived, an existing file
    without --force, a missing folder. Returns the identity of the regular file --force replaces."""
    try:
        st = output.lstat()
    except FileNotFoundError:
        if not output.parent.is_dir():
            raise OutputError(f"{output}: folder {output.parent} does not exist") from None
        return None
    except OSError as exc:
        raise OutputError(f"{output}: cannot write ({one_line(exc)})") from None
    if stat.S_ISLNK(st.st_mode):
        raise OutputError(f"{output}: is a symbolic link; give the archive's own path")
    if stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{output}: is a directory")
    if not stat.S_ISREG(st.st_mode):
        raise OutputError(f"{output}: is not a regular file; arsum writes an archive only to a file")
    for path in sources:
        try:
            other = path.stat()
        except OSError:
            continue
        if (other.st_dev, other.st_ino) == (st.st_dev, st.st_ino):
            raise OutputError(f"{output}: is the model's own file {path}; refusing to overwrite it")
    if not force:
        raise OutputError(f"{output}: already exists; pass --force to replace it")
    return _identity(st)


def _put_in_place(staging: Path, output: Path, replaces: tuple[int, ...] | None) -> None:
    """A new archive is linked into place (fails if something appeared meanwhile); a --force replacement is
    renamed over the file only if it is still the one checked at the start."""
    if replaces is None:
        try:
            os.link(staging, output)
            return
        except FileExistsError:
            raise OutputError(f"{output}: appeared during the export; not replaced") from None
        except OSError:
            if os.path.lexists(output):  # no hard links on this file system: check again, then rename
                raise OutputError(f"{output}: appeared during the export; not replaced") from None
            os.replace(staging, output)
            return
    try:
        st = output.lstat()
    except FileNotFoundError:
        _put_in_place(staging, output, None)
        return
    if stat.S_ISLNK(st.st_mode) or _identity(st) != replaces:
        raise OutputError(f"{output}: was replaced during the export; not replaced")
    os.replace(staging, output)


def _manifest(spec: ModelSpec, folder: Path, files: dict[str, dict[str, Any]]) -> dict[str, Any]:
    entry = {k: v for k, v in asdict(spec).items() if k not in {"name", "ct2_path"} and v not in (None, "", {}, ())}
    return {
        "format": ARCHIVE_FORMAT, "name": spec.name, "source": spec.source, "revision": spec.revision,
        "commit": snapshot_commit(folder), "license": spec.license,
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

WEIGHT_SLACK_BYTES = 10 * 10**6
"""What a catalogue's download_mb holds besides the weights (tokenizer, config): the allowance when the weights
of an imported model are compared with the size of the model it claims to be."""
WEIGHT_SIZE_FACTOR = 2.5
"""How far an imported model's weights may be from the catalogue's size: the same model saved in float16 instead
of float32 (or back) is half (or twice) the size; a model of other dimensions is usually much further off."""
IMPORTED_SNAPSHOT = "imported"
"""The snapshot folder of a model whose commit nobody stated: a name that is not a commit, so records say none."""


def import_model(config: Config, source: Path, *, name: str | None = None, convert: bool = True,
                 reporter: Reporter = SILENT, env: Mapping[str, str] = os.environ) -> Installed:
    """Install an archive made by `export_model`, an unpacked one, or a plain model folder (a copied hub snapshot)
    into the cache; works offline. A plain folder needs `name` unless its path says which hub repository it is a
    snapshot of. Everything is checked in a staging folder first; the cache changes only when all of it holds."""
    is_folder = _source_kind(source)
    root = hub_cache_dir(env)
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"{root}: cannot create the model cache ({one_line(exc)})") from None
    with install_lock(env), _staging(root) as staging:
        hub_id, commit, manifest_name = None, None, None
        if is_folder and not os.path.lexists(source / MANIFEST):
            _require_model_folder(source, source)
            (staging / MODEL_DIR).mkdir()
            stage_model_folder(source, staging / MODEL_DIR)
            hub = next((m for part in source.resolve().parts if (m := _HUB_FOLDER.fullmatch(part))), None)
            hub_id = f"{hub['org']}/{hub['name']}" if hub and is_hub_id(f"{hub['org']}/{hub['name']}") else None
            commit = snapshot_commit(source.resolve()) if hub_id else None
        else:
            manifest = stage_unpacked(source, staging) if is_folder else stage_archive(source, staging)
            hub_id, commit, manifest_name = manifest.source, manifest.commit, manifest.name
        _require_model_folder(staging / MODEL_DIR, source)
        spec = _spec_for(config, name, manifest_name, hub_id, source)
        _check_claim(spec, staging / MODEL_DIR, source)
        conversions = {quantization: staging / arcdir for arcdir, quantization in CT2_DIRS.items()
                       if (staging / arcdir).is_dir()}
        for folder in conversions.values():
            if not is_ct2_folder(folder):
                raise InputError(str(source), f"{folder.name}/ is not a CTranslate2 conversion; {NOTHING}")
        repo, snapshot_name = _snapshot_place(spec, commit, source, env)
        targets = [repo / "snapshots" / snapshot_name] + [default_ct2_folder(spec.name, q, env) for q in conversions]
        _refuse_source_inside(source, targets)
        folder = _install_snapshot(spec, staging / MODEL_DIR, repo, snapshot_name, env)
        conversion = None
        for quantization, staged in conversions.items():
            conversion = _replace_folder(staged, default_ct2_folder(spec.name, quantization, env), _ct2_root(env))
            _point_conversion_at(conversion, folder, quantization)
        stale = conversion is not None and read_metadata(conversion).get("format") != CONVERSION_FORMAT
        if (conversion is None or stale) and convert and spec.backend != "transformers":
            conversion = ensure_conversion(spec, folder, reporter)  # an earlier arsum's conversion lacks what is new
    return Installed(spec.name, folder, conversion)


def _source_kind(source: Path) -> bool:
    """True for a folder, False for an archive file; anything else (missing, a device, a FIFO) is one line."""
    try:
        st = source.stat()
    except FileNotFoundError:
        raise InputError(str(source), "no such file or folder") from None
    except OSError as exc:
        raise InputError(str(source), f"cannot read: {one_line(exc)}") from None
    if stat.S_ISDIR(st.st_mode):
        return True
    if not stat.S_ISREG(st.st_mode):
        raise InputError(str(source), "not a regular file or folder: give an archive from `arsum models export` "
                         "or a model folder")
    return False


def _require_model_folder(folder: Path, source: Path) -> None:
    if not (folder / "config.json").is_file() or is_ct2_folder(folder):
        raise InputError(str(source), "not a transformers model folder (no config.json, or a CTranslate2 "
                         f"conversion); {NOTHING}")
    if not any((folder / weights).is_file() for weights in WEIGHT_FILES):
        raise InputError(str(source), f"holds no model weights ({', '.join(WEIGHT_FILES)}); {NOTHING}")


def _spec_for(config: Config, name: str | None, manifest_name: str | None, hub_id: str | None,
              source: Path) -> ModelSpec:
    """The catalogue entry an import installs: `--name` (a configured model or a hub id), else the configured
    model of the archive's hub id, else that hub id. A name whose source is another hub model is refused."""
    if name is not None:
        if name in config.models:
            spec = config.models[name]
        elif is_hub_id(name):
            spec = next((s for s in config.models.values() if s.source == name), None) or \
                ModelSpec(name=name, source=name, family="auto")
        else:
            raise UsageError(f"--name {name}: not a configured model ({', '.join(config.models)}) or a hub id "
                             "(org/name)")
        if spec.is_local:
            raise UsageError(f"--name {name}: model {spec.name} is configured with the folder {spec.source}, which "
                             "is not arsum's to write; copy the model there, or use the folder directly with -m")
        if hub_id is not None and hub_id != spec.source:
            raise InputError(str(source), f"is {hub_id}, not {spec.source} (model {spec.name}); {NOTHING}: "
                             "use it under its own name, or directly with -m FOLDER")
        return spec
    if hub_id is None:
        known = f" (the archive calls it {manifest_name})" if manifest_name else ""
        raise UsageError(f"{source}: cannot tell which model this is{known}; pass --name with a model from "
                         "`arsum models list` or a hub id, or use the folder directly with -m")
    configured = next((s for s in config.models.values() if s.source == hub_id and not s.is_local), None)
    return configured or ModelSpec(name=hub_id, source=hub_id, family="auto")


def _check_claim(spec: ModelSpec, folder: Path, source: Path) -> None:
    """The model must be what its catalogue entry says: the same family, and weights of about the size the
    catalogue downloads (a 16-dimension model is not the 239M-parameter one it was named after)."""
    family = family_of_folder(folder, spec.name)
    if spec.family not in ("auto", family):
        raise InputError(str(source), f"is a {family} model, not {spec.family} as model {spec.name} is; {NOTHING}: "
                         "give the right --name, or use the folder directly with -m")
    _check_vocabulary(spec, family, folder, source)
    if not spec.download_mb:
        return
    weights = sum(p.stat().st_size for p in folder.iterdir() if p.suffix in (".safetensors", ".bin") and p.is_file())
    expected = spec.download_mb * 10**6
    if not expected / WEIGHT_SIZE_FACTOR - WEIGHT_SLACK_BYTES <= weights <= expected * WEIGHT_SIZE_FACTOR + WEIGHT_SLACK_BYTES:
        raise InputError(str(source), f"its weights are {weights / 1e6:,.1f} MB, but model {spec.name} is about "
                         f"{spec.download_mb:,} MB: not that model; {NOTHING}: give the right --name, or use the "
                         "folder directly with -m")


def _check_vocabulary(spec: ModelSpec, family: str, folder: Path, source: Path) -> None:
    """Every language the catalogue entry says the model writes has its token in the folder's vocabulary: the
    language codes of NLLB, M2M100 and mBART-50 tokenizers, the crossSum langid_map of an mT5. Nothing is said
    when the folder lists no such tokens in a file read here (it may still be the model)."""
    if not spec.languages or spec.lang_tokens:
        return
    if family in ("nllb", "m2m100", "mbart50"):
        known = _language_tokens(folder)
        wanted = {lang: family_language_code(family, lang) for lang in spec.languages}
    elif family in ("mt5", "t5") and len(spec.languages) > 1 and not spec.decoder_start_token:
        params = read_json_object(folder / "config.json").get("task_specific_params")
        langid_map = params.get("langid_map") if isinstance(params, dict) else None
        known = set(langid_map) if isinstance(langid_map, dict) else set()
        wanted = {lang: CROSSSUM_NAMES.get(lang, lang) for lang in spec.languages}
    else:
        return
    missing = [lang for lang, token in wanted.items() if token not in known]
    if missing and (known or family in ("mt5", "t5")):
        shown = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise InputError(str(source), f"its vocabulary has no token for {shown}, which model {spec.name} writes: not "
                         f"that model; {NOTHING}: give the right --name, or use the folder directly with -m")


def _language_tokens(folder: Path) -> set[str]:
    """The special tokens a tokenizer's small files list (where its language codes are); {} when none does."""
    tokens: set[str] = set()
    config = read_json_object(folder / "tokenizer_config.json")
    for data in (config, read_json_object(folder / "special_tokens_map.json")):
        for key in ("additional_special_tokens", "extra_special_tokens"):
            value = data.get(key)
            entries = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else []
            tokens.update(e if isinstance(e, str) else e.get("content") for e in entries
                          if isinstance(e, str) or isinstance(e, dict) and isinstance(e.get("content"), str))
    decoder = config.get("added_tokens_decoder")
    if isinstance(decoder, dict):
        tokens.update(e["content"] for e in decoder.values() if isinstance(e, dict) and isinstance(e.get("content"), str))
    tokens.update(k for k in read_json_object(folder / "added_tokens.json") if isinstance(k, str))
    return tokens


def _snapshot_place(spec: ModelSpec, commit: str | None, source: Path, env: Mapping[str, str]) -> tuple[Path, str]:
    """(the hub repository folder, the snapshot's name): the commit when one is known, never an invented one."""
    if not is_hub_id(spec.source):
        raise UsageError(f"model {spec.name}: source {spec.source!r} is not a hub id (org/name); use the folder "
                         "directly with -m")
    revision = spec.revision or "main"
    if is_commit(revision) and commit not in (None, revision):
        raise InputError(str(source), f"is snapshot {commit}, but model {spec.name} is pinned to revision "
                         f"{revision}; {NOTHING}")
    if is_commit(revision) and commit is None:
        raise InputError(str(source), f"does not say which snapshot it is, and model {spec.name} is pinned to "
                         f"revision {revision}; {NOTHING}")
    if "/" in revision or revision in (".", "..") or not revision.strip():
        raise UsageError(f"model {spec.name}: revision {revision!r} cannot name a cache entry")
    repo = hub_cache_dir(env) / f"models--{spec.source.replace('/', '--')}"
    return repo, commit or IMPORTED_SNAPSHOT


def _refuse_source_inside(source: Path, targets: list[Path]) -> None:
    """An archive or folder stored inside what the import replaces would be deleted by it."""
    where = source.resolve()
    for target in targets:
        resolved = target.resolve()
        if where == resolved or resolved in where.parents or where in resolved.parents:
            raise InputError(str(source), f"is inside {target}, which the import replaces; move it elsewhere first; "
                             f"{NOTHING}")


@contextmanager
def _staging(root: Path) -> Iterator[Path]:
    """A temporary folder on the destination's file system (installs are renames), removed whatever happens."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=".arsum-import-", dir=root))
    except OSError as exc:
        raise OutputError(f"{root}: cannot write the model there ({one_line(exc)}); {NOTHING}") from None
    try:
        yield staging
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install_snapshot(spec: ModelSpec, files: Path, repo: Path, snapshot_name: str, env: Mapping[str, str]) -> Path:
    """Into the Hugging Face cache layout, where the store finds a pulled model; refs/<revision> names the
    snapshot (its commit when the archive or folder stated one)."""
    revision = spec.revision or "main"
    root = hub_cache_dir(env)
    snapshot = _replace_folder(files, repo / "snapshots" / snapshot_name, root)
    if not is_commit(revision):
        refs = repo / "refs"
        refs.mkdir(parents=True, exist_ok=True)
        ref = refs / revision
        _inside(ref, root)
        if ref.is_symlink() or (ref.exists() and not ref.is_file()):
            raise OutputError(f"{ref}: is not a plain file; the cache was changed by something else")
        ref.write_text(snapshot_name, encoding="utf-8")
    return snapshot


def _ct2_root(env: Mapping[str, str]) -> Path:
    return default_ct2_folder("x", "int8", env).parent


def _inside(path: Path, root: Path) -> None:
    """`path` (its folder resolved, itself not a link) lies under `root`: checked before anything is deleted."""
    resolved_root = root.resolve()
    parent = path.parent.resolve()
    if path.name in ("", ".", "..") or (parent != resolved_root and resolved_root not in parent.parents):
        raise OutputError(f"{path}: outside {root}; refusing to write or delete there")


def _replace_folder(new: Path, destination: Path, root: Path) -> Path:
    destination.parent.mkdir(parents=True, exist_ok=True)
    _inside(destination, root)
    if destination.is_symlink() or (destination.exists() and not destination.is_dir()):
        raise OutputError(f"{destination}: is not a folder arsum made; not replaced")
    try:
        if destination.exists():
            shutil.rmtree(destination)
        os.rename(new, destination)
    except OSError as exc:
        raise OutputError(f"{destination}: cannot install the model there ({one_line(exc)})") from None
    return destination


def _point_conversion_at(conversion: Path, snapshot: Path, quantization: str) -> None:
    """An imported conversion belongs to the imported snapshot, so `ensure_conversion` keeps it; what the archive's
    metadata said about its source and quantization is replaced by what is known here."""
    metadata = read_metadata(conversion)
    metadata.update(source_identity(snapshot), quantization=quantization)
    (conversion / METADATA_FILE).write_text(json.dumps(metadata, indent=2, ensure_ascii=False), encoding="utf-8")


# --- remove --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Removal:
    """What `models remove` deletes (or would): arsum's own copies of one model, each folder with its bytes."""

    name: str
    folders: tuple[tuple[Path, int], ...]

    @property
    def size_bytes(self) -> int:
        return sum(size for _, size in self.folders)


def remove_model(config: Config, name: str, *, dry_run: bool = False, env: Mapping[str, str] = os.environ) -> Removal:
    """Delete a downloaded model (its whole hub cache entry) and arsum's conversions of it; a folder the user
    configured (a local model, a ct2_path) is theirs and never deleted. Refused while a running arsum uses it."""
    spec = resolve_model(config, name)
    if spec.is_local:
        raise UsageError(f"{name}: is the folder {spec.source}, which is yours, not a downloaded model; arsum removes "
                         "only what it downloaded or converted")
    folders: list[Path] = []
    root = hub_cache_dir(env)
    repo = root / f"models--{spec.source.replace('/', '--')}" if is_hub_id(spec.source) else None
    if repo is not None and repo.is_dir() and not repo.is_symlink():
        folders.append(repo)
    ct2_root = _ct2_root(env)
    for quantization in CT2_DIRS.values():
        conversion = default_ct2_folder(spec.name, quantization, env)
        if conversion.is_dir() and not conversion.is_symlink():
            folders.append(conversion)
    if not folders:
        raise InputError(f"model {spec.name}", "is not downloaded or converted; nothing to remove")
    removal = Removal(spec.name, tuple((folder, _bytes_on_disk(folder)) for folder in folders))
    if dry_run:
        return removal
    with install_lock(env), exclusive(spec, env):
        for folder in folders:
            _inside(folder, root if folder == repo else ct2_root)
            try:
                shutil.rmtree(folder)
            except OSError as exc:
                raise OutputError(f"{folder}: cannot remove ({one_line(exc)})") from None
    return removal


def _bytes_on_disk(folder: Path) -> int:
    """The regular files under `folder`, links not followed: a hub snapshot's links into its blobs count once."""
    total = 0
    for root, _, files in os.walk(folder):
        for entry in files:
            try:
                st = os.lstat(os.path.join(root, entry))
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode):
                total += st.st_size
    return total
