"""Model folders on disk: which files make a model, reading their JSON, CTranslate2 conversions, token lookup.

A leaf of the model layer: the store, the backends and the converter all read folders through it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from arsum.errors import ModelUnavailable, one_line
from arsum.models.config import FORCED_BOS_FAMILIES, ModelSpec, user_cache_base

CT2_MODEL_FILE = "model.bin"


METADATA_FILE = "arsum_ct2.json"


WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin", "pytorch_model.bin.index.json")


def is_ct2_folder(folder: Path) -> bool:
    """A CTranslate2 conversion (its config.json is CTranslate2's own, with no model_type)."""
    return (folder / CT2_MODEL_FILE).is_file() and (folder / "config.json").is_file()


def default_ct2_folder(name: str, quantization: str, env: Mapping[str, str] = os.environ) -> Path:
    """Where `arsum models convert NAME` puts a conversion when no output folder is given."""
    safe = name.replace("/", "--")
    return user_cache_base(env) / "arsum" / "ct2" / f"{safe}-{quantization}"


def read_metadata(folder: Path) -> dict[str, Any]:
    """What convert_model kept from the source model ({} for a folder converted by other tools)."""
    return read_json_object(folder / METADATA_FILE)


MAX_JSON_BYTES = 8_000_000
"""Largest settings file (config.json, generation_config.json, …) read from a model folder: real ones are a few
KB (crossSum's langid_map included); a 2 GB sparse file is refused unread."""


def load_json(path: Path) -> Any:
    """The JSON in a model folder's settings file, read bounded: ValueError when it is too large, too deeply
    nested, not UTF-8 or not JSON; OSError when it cannot be read."""
    with path.open("rb") as handle:
        data = handle.read(MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise ValueError(f"larger than {MAX_JSON_BYTES} bytes")
    try:
        return json.loads(data.decode("utf-8"))
    except RecursionError:
        raise ValueError("nested too deeply") from None


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON object from a model folder, or {} when it is missing, unreadable, too large or not an object."""
    try:
        data = load_json(path)
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def read_model_config(folder: Path, name: str) -> dict[str, Any]:
    path = folder / "config.json"
    if not path.is_file():
        raise ModelUnavailable(name, f"no config.json in {folder}", "is this a transformers model folder?")
    try:
        data = load_json(path)
    except json.JSONDecodeError as exc:
        raise ModelUnavailable(name, f"{path} is not valid JSON (line {exc.lineno}: {exc.msg})", repull_hint(name, folder)) from None
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(name, f"cannot read {path}: {one_line(exc)}", repull_hint(name, folder)) from None
    if not isinstance(data, dict) or not isinstance(data.get("model_type"), str):
        raise ModelUnavailable(name, f"{path} has no model_type", repull_hint(name, folder))
    generation = folder / "generation_config.json"  # transformers reads it unbounded: check it first
    if generation.is_file():
        try:
            load_json(generation)
        except (OSError, ValueError) as exc:
            raise ModelUnavailable(name, f"cannot read {generation}: {one_line(exc)}", repull_hint(name, folder)) from None
    return data


def input_token_limit(spec: ModelSpec, positions: object) -> int:
    """spec.max_input_tokens, clamped to the model's learned positions (a longer input would crash it)."""
    if isinstance(positions, int) and not isinstance(positions, bool) and positions > 0:
        return min(spec.max_input_tokens, positions)
    return spec.max_input_tokens


def repull_hint(name: str, folder: Path) -> str:
    return f"run `arsum models pull {name}` again" if "snapshots" in folder.parts else "rebuild or re-download the folder"


def tokenizer_kwargs(spec: ModelSpec) -> dict[str, Any]:
    """How both backends load a model's tokenizer: from the folder only, no remote code, the source language set."""
    kwargs: dict[str, Any] = {"trust_remote_code": False, "local_files_only": True}
    if spec.src_lang and spec.family in FORCED_BOS_FAMILIES:
        kwargs["src_lang"] = spec.src_lang
    return kwargs


def snapshot_commit(folder: Path) -> str | None:
    """The commit of a hub-cache snapshot folder (`.../snapshots/<sha>`); None for any other folder, and for the
    stand-in an earlier arsum's `models import` invented (the sha1 of the hub id), which no snapshot ever had."""
    import hashlib

    name = folder.name
    is_sha = len(name) == 40 and all(c in "0123456789abcdef" for c in name)
    if not is_sha or folder.parent.name != "snapshots":
        return None
    repo = folder.parent.parent.name
    if repo.startswith("models--"):
        hub_id = repo[len("models--"):].replace("--", "/", 1)
        if name == hashlib.sha1(hub_id.encode("utf-8", "surrogateescape")).hexdigest():  # a folder name, not security
            return None
    return name


def lookup_token_id(spec: ModelSpec, tokenizer: Any, token: str) -> int:
    """The id of a target-language token; a token the vocabulary lacks would silently become <unk>."""
    token_id = tokenizer.convert_tokens_to_ids(token)
    if token_id is None or (token_id == tokenizer.unk_token_id and token != tokenizer.unk_token):
        raise ModelUnavailable(
            spec.name, f"target-language token {token!r} is not in its vocabulary",
            f"set models.{spec.name}.target_token or lang_tokens to a token the model knows",
        )
    return int(token_id)


FINGERPRINTED_SUFFIXES = (".json", ".safetensors", ".bin", ".model", ".spm", ".txt")


def source_fingerprint(folder: Path) -> str | None:
    """What a conversion was made from, cheaply: each weight, config and vocabulary file's name and size, and
    its content id (a hub cache blob's name is its hash) or, for a plain file, its modification time. Replaced
    weights, or a newer snapshot, give another fingerprint; None when the folder cannot be read."""
    import hashlib

    digest = hashlib.sha256()
    try:
        entries = sorted(p for p in folder.iterdir() if p.suffix in FINGERPRINTED_SUFFIXES)
        for path in entries:
            st = path.stat()
            identity = Path(os.path.realpath(path)).name if path.is_symlink() else str(st.st_mtime_ns)
            digest.update(f"{path.name}\0{st.st_size}\0{identity}\n".encode("utf-8", "surrogateescape"))
    except OSError:
        return None
    return digest.hexdigest()


def source_identity(folder: Path) -> dict[str, Any]:
    """The conversion metadata that ties it to its source folder."""
    return {"source": str(folder.resolve()), "source_commit": snapshot_commit(folder),
            "source_fingerprint": source_fingerprint(folder)}


def stale_conversion(spec: ModelSpec, conversion: Path, source_folder: Path) -> ModelUnavailable | None:
    """Why `conversion` no longer matches the model it was made from (None when it does, or cannot be told:
    a conversion made elsewhere or by an earlier arsum, which recorded no fingerprint)."""
    recorded = read_metadata(conversion).get("source_fingerprint")
    if not isinstance(recorded, str) or conversion == source_folder or is_ct2_folder(source_folder):
        return None
    if recorded == source_fingerprint(source_folder):
        return None
    return ModelUnavailable(spec.name, f"its conversion {conversion} was made from other weights than "
                            f"{source_folder} holds now", f"run `arsum models convert {spec.name} --force`, "
                            "or use --backend transformers")
