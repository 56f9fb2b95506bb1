"""Converting a transformers model folder to CTranslate2 (`arsum models convert`, and after `models pull`)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from arsum.errors import ModelUnavailable, OutputError, one_line
from arsum.models.config import ModelSpec
from arsum.models.ctranslate2_backend import import_ctranslate2
from arsum.models.device import QUANTIZATIONS
from arsum.models.folders import (
    METADATA_FILE,
    default_ct2_folder,
    is_ct2_folder,
    read_metadata,
    read_model_config,
    source_fingerprint,
    source_identity,
)
from arsum.models.inuse import install_lock
from arsum.models.store import model_path
from arsum.models.transformers_backend import quiet_transformers
from arsum.models.vocabulary import OutputVocabulary, output_vocabulary, write_vocabulary_map
from arsum.reporting import SILENT, Reporter

# What `models pull` and `models import` make: the fastest on CPU in bench/RESULTS.md, and what `auto` runs.
DEFAULT_QUANTIZATION = "int8"
# What a conversion holds; `models pull` and `models import` convert again one of an earlier format.
# 2: the vocabulary map (arsum.models.vocabulary). 3: the source's fingerprint (a stale conversion is seen).
CONVERSION_FORMAT = 3

DECODER_START_MODEL_TYPES = frozenset({"t5", "mt5", "umt5"})
# Tokenizer files (and the generation defaults) travel with the conversion; CTranslate2 writes its own config.json.
COPIED_PATTERNS = (
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
    "*.spm", "*.model", "vocab.json", "vocab.txt", "merges.txt", "generation_config.json",
)


def convert_model(source_folder: Path, output_folder: Path, quantization: str, *,
                  force: bool = False, name: str | None = None) -> Path:
    """Convert a transformers folder with CTranslate2's converter; tokenizer files are copied beside it.

    Writes into a temporary sibling and renames it, so a failed conversion never leaves half a model.
    For decoder-start families (mT5) the fixed start token is removed from CTranslate2's config so the
    target-language token can be the first decoder input, exactly as transformers' decoder_start_token_id.
    """
    import fnmatch
    import shutil
    import tempfile

    name = name or str(source_folder)
    if quantization not in QUANTIZATIONS["ctranslate2"]:
        raise ModelUnavailable(name, f"unknown quantization {quantization!r}",
                               f"use one of: {', '.join(QUANTIZATIONS['ctranslate2'])}")
    _check_output_folder(source_folder, output_folder, force)
    if is_ct2_folder(source_folder):
        raise ModelUnavailable(name, f"{source_folder} is already a CTranslate2 model", "convert the transformers model folder")
    if not (source_folder / "config.json").is_file():
        raise ModelUnavailable(name, f"no config.json in {source_folder}", "convert a transformers model folder")
    import_ctranslate2(name)
    from ctranslate2.converters import TransformersConverter

    hf_config = read_model_config(source_folder, name)
    copy = sorted({p.name for p in source_folder.iterdir() if p.is_file()
                   and any(fnmatch.fnmatch(p.name, pattern) for pattern in COPIED_PATTERNS)})
    try:
        output_folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{output_folder.name}-", dir=output_folder.parent))
    except OSError as exc:
        raise OutputError(f"{output_folder}: cannot write in {output_folder.parent} ({one_line(exc)})") from None
    try:
        try:
            converter = TransformersConverter(str(source_folder), copy_files=copy, low_cpu_mem_usage=True)
            with _decoder_output_scaling_as_transformers(), quiet_transformers():
                converter.convert(str(staging), quantization=quantization, force=True)
            vocabulary = output_vocabulary(source_folder)
            if vocabulary is not None:
                write_vocabulary_map(staging, vocabulary)
            _write_metadata(staging, hf_config, quantization, source_identity(source_folder), vocabulary)
        except Exception as exc:  # noqa: BLE001 - the converter raises many kinds; each becomes one line
            raise ModelUnavailable(name, f"CTranslate2 cannot convert {source_folder}: {one_line(exc)}",
                                   "check that it is a supported seq2seq model (Marian, mT5/T5, NLLB/M2M100, mBART, BART)") from None
        _swap_into_place(staging, output_folder)
    finally:  # any error, Ctrl-C or SIGTERM included: no staging folder is left behind
        shutil.rmtree(staging, ignore_errors=True)
    return output_folder


def _is_earlier_conversion(folder: Path) -> bool:
    """A folder `convert_model` wrote (CTranslate2 files and arsum's metadata), the only kind --force replaces."""
    return is_ct2_folder(folder) and (folder / METADATA_FILE).is_file()


def _check_output_folder(source_folder: Path, output_folder: Path, force: bool) -> None:
    """Refuse, before any work, every output that would destroy something that is not an earlier conversion."""
    if output_folder.is_symlink():
        raise OutputError(f"{output_folder}: is a symbolic link; give a new folder's own path")
    if not output_folder.exists():
        return
    if not output_folder.is_dir():
        raise OutputError(f"{output_folder}: exists and is not a folder; give a new folder")
    try:
        source, output = source_folder.resolve(), output_folder.resolve()
    except OSError:
        source, output = source_folder, output_folder
    if output == source or output in source.parents or source in output.parents:
        raise OutputError(f"{output_folder}: is (or holds, or is inside) the source model {source_folder}")
    if not _is_earlier_conversion(output_folder):
        raise OutputError(f"{output_folder}: exists and is not an arsum conversion (no {METADATA_FILE}); "
                          "give a new folder")
    if not force:
        raise OutputError(f"{output_folder}: an earlier conversion is there; pass --force to replace it")


def _swap_into_place(staging: Path, output_folder: Path) -> None:
    """Put the new conversion at output_folder in one step: exchanged with an earlier one (renameat2
    RENAME_EXCHANGE) or renamed to a name nothing took meanwhile; the earlier one is then removed."""
    import shutil

    if not output_folder.exists():
        try:
            os.mkdir(output_folder)  # claims the name: fails if something appeared meanwhile
        except OSError as exc:
            raise OutputError(f"{output_folder}: appeared during the conversion or cannot be made ({one_line(exc)})") from None
        try:
            os.rename(staging, output_folder)  # a folder renamed over an empty folder: atomic
        except OSError as exc:
            os.rmdir(output_folder)
            raise OutputError(f"{output_folder}: cannot be created ({one_line(exc)})") from None
        return
    if not _is_earlier_conversion(output_folder):  # changed since the check: leave it alone
        raise OutputError(f"{output_folder}: changed during the conversion; not replaced")
    if not _exchange(staging, output_folder):
        old = staging.with_name(staging.name + "-old")
        os.rename(output_folder, old)
        os.rename(staging, output_folder)
        staging = old
    shutil.rmtree(staging, ignore_errors=True)  # now the earlier conversion


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False where the system cannot."""
    import ctypes
    import ctypes.util
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0


@contextmanager
def _decoder_output_scaling_as_transformers() -> Iterator[None]:
    """Scale T5-family decoder outputs only where transformers does.

    CTranslate2's T5 loader scales by d_model**-0.5 whenever `tie_word_embeddings` is set, but transformers 5
    forces that flag on for mT5 and never scales mT5 (T5 scales only with `scale_decoder_outputs`). Greedy
    output is unaffected; beam scores are not, so the conversion must follow transformers.
    """
    from ctranslate2.converters import transformers as ct2_transformers
    from ctranslate2.specs import model_spec

    loader = ct2_transformers.T5Loader
    original = loader.get_model_spec

    def get_model_spec(self: Any, model: Any) -> Any:
        spec = original(self, model)
        config = model.config
        if config.model_type == "mt5" or getattr(config, "scale_decoder_outputs", True) is False:
            spec.decoder.scale_outputs = model_spec.OPTIONAL
        elif getattr(config, "scale_decoder_outputs", False):
            spec.decoder.scale_outputs = config.d_model**-0.5
        return spec

    loader.get_model_spec = get_model_spec
    try:
        yield
    finally:
        loader.get_model_spec = original


def convert_spec(spec: ModelSpec, quantization: str, output_folder: Path | None = None, *,
                 force: bool = False) -> Path:
    """`arsum models convert NAME`: the downloaded (or local) model, into `output_folder` or the default folder."""
    target = output_folder or default_ct2_folder(spec.name, quantization)
    with install_lock():  # the cache's conversion is replaced while no import or removal runs
        return convert_model(model_path(spec), target, quantization, force=force, name=spec.name)


def ensure_conversion(spec: ModelSpec, source_folder: Path, reporter: Reporter = SILENT) -> Path:
    """The int8 conversion that `backend = "auto"` runs, made once per source (a new snapshot, e.g. after a pull
    of a newer revision, or a folder whose weights were replaced, is converted again, as is one an earlier arsum
    made). A folder that is already CTranslate2 is its own."""
    if is_ct2_folder(source_folder):
        return source_folder
    target = default_ct2_folder(spec.name, DEFAULT_QUANTIZATION)
    metadata = read_metadata(target)
    if (is_ct2_folder(target) and metadata.get("format") == CONVERSION_FORMAT
            and metadata.get("source_fingerprint") == source_fingerprint(source_folder)):
        return target
    with reporter.status(f"converting {spec.name} to CTranslate2 {DEFAULT_QUANTIZATION}"):
        return convert_model(source_folder, target, DEFAULT_QUANTIZATION, force=True, name=spec.name)


def _write_metadata(folder: Path, hf_config: dict[str, Any], quantization: str, source: dict[str, Any],
                    vocabulary: OutputVocabulary | None) -> None:
    """Keep what CTranslate2's own config.json drops: the model type (for `--model FOLDER`), the input
    length, the default decoder start and crossSum's langid_map; and, for records, the source (its folder,
    snapshot commit and fingerprint) and how much of the vocabulary the decoder may write."""
    ct2_config_path = folder / "config.json"
    ct2_config = json.loads(ct2_config_path.read_text(encoding="utf-8"))
    metadata: dict[str, Any] = {"format": CONVERSION_FORMAT, "quantization": quantization,
                                "model_type": hf_config.get("model_type"),
                                "max_position_embeddings": hf_config.get("max_position_embeddings"), **source}
    if hf_config.get("model_type") in DECODER_START_MODEL_TYPES:
        metadata["decoder_start_token"] = ct2_config.get("decoder_start_token")
        ct2_config["decoder_start_token"] = None
        ct2_config_path.write_text(json.dumps(ct2_config, indent=2), encoding="utf-8")
    if vocabulary is not None:
        metadata["output_vocabulary"] = {"kept": len(vocabulary.kept), "of": len(vocabulary.vocabulary)}
    langid_map = (hf_config.get("task_specific_params") or {}).get("langid_map")
    if langid_map:
        metadata["langid_map"] = langid_map
    (folder / METADATA_FILE).write_text(json.dumps(metadata, indent=2, ensure_ascii=False), encoding="utf-8")
