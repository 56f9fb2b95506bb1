"""CTranslate2 backend (optional extra `arsum[fast]`): the same seq2seq models, converted for a faster runtime.

The transformers tokenizer is saved beside the converted model, so both backends see the same pieces;
CTranslate2 works on token strings, so ids go through `convert_ids_to_tokens` on the way in and
`convert_tokens_to_ids` on the way out. `ctranslate2` is imported only when a backend is built or a
model converted, so the base install never needs it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from arsum.models.config import GenerationSettings, ModelSpec, user_cache_base
from arsum.errors import ModelUnavailable, OutputError, UsageError

Quantization = Literal["int8", "float32"]
QUANTIZATIONS: tuple[str, ...] = ("int8", "float32")
EXTRA_HINT = "pip install 'arsum[fast]'"
CT2_MODEL_FILE = "model.bin"
METADATA_FILE = "arsum_ct2.json"
DECODER_START_MODEL_TYPES = frozenset({"t5", "mt5", "umt5"})
# Tokenizer files (and the generation defaults) travel with the conversion; CTranslate2 writes its own config.json.
COPIED_PATTERNS = (
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
    "*.spm", "*.model", "vocab.json", "vocab.txt", "merges.txt", "generation_config.json",
)


def import_ctranslate2(name: str) -> Any:
    """The ctranslate2 module, or ModelUnavailable naming the extra that provides it."""
    try:
        import ctranslate2
    except ImportError:
        raise ModelUnavailable(name, "the ctranslate2 backend needs the optional extra", EXTRA_HINT) from None
    return ctranslate2


def is_ct2_folder(folder: Path) -> bool:
    """A CTranslate2 conversion (its config.json is CTranslate2's own, with no model_type)."""
    return (folder / CT2_MODEL_FILE).is_file() and (folder / "config.json").is_file()


def default_ct2_folder(name: str, quantization: str, env: Mapping[str, str] = os.environ) -> Path:
    """Where `arsum models convert NAME` puts a conversion when no output folder is given."""
    safe = name.replace("/", "--")
    return user_cache_base(env) / "arsum" / "ct2" / f"{safe}-{quantization}"


def convert_model(source_folder: Path, output_folder: Path, quantization: Quantization, *,
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
    if quantization not in QUANTIZATIONS:
        raise ModelUnavailable(name, f"unknown quantization {quantization!r}", f"use one of: {', '.join(QUANTIZATIONS)}")
    if output_folder.exists() and not force:
        raise OutputError(f"{output_folder}: already exists; pass --force to replace it")
    if is_ct2_folder(source_folder):
        raise ModelUnavailable(name, f"{source_folder} is already a CTranslate2 model", "convert the transformers model folder")
    if not (source_folder / "config.json").is_file():
        raise ModelUnavailable(name, f"no config.json in {source_folder}", "convert a transformers model folder")
    import_ctranslate2(name)
    from ctranslate2.converters import TransformersConverter

    from arsum.models.store import one_line, read_model_config  # not at module level: modelstore imports this module

    hf_config = read_model_config(source_folder, name)
    copy = sorted({p.name for p in source_folder.iterdir() if p.is_file()
                   and any(fnmatch.fnmatch(p.name, pattern) for pattern in COPIED_PATTERNS)})
    output_folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output_folder.name}-", dir=output_folder.parent))
    try:
        converter = TransformersConverter(str(source_folder), copy_files=copy, low_cpu_mem_usage=True)
        with _decoder_output_scaling_as_transformers():
            converter.convert(str(staging), quantization=quantization, force=True)
        _write_metadata(staging, hf_config, quantization)
    except Exception as exc:  # noqa: BLE001 - the converter raises many kinds; each becomes one line
        shutil.rmtree(staging, ignore_errors=True)
        raise ModelUnavailable(name, f"CTranslate2 cannot convert {source_folder}: {one_line(exc)}",
                               "check that it is a supported seq2seq model (Marian, mT5/T5, NLLB/M2M100, mBART, BART)") from None
    if output_folder.exists():
        shutil.rmtree(output_folder)
    staging.rename(output_folder)
    return output_folder


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


def convert_spec(spec: ModelSpec, quantization: Quantization, output_folder: Path | None = None, *,
                 force: bool = False) -> Path:
    """`arsum models convert NAME`: the downloaded (or local) model, into `output_folder` or the default folder."""
    from arsum.models.store import model_path

    target = output_folder or default_ct2_folder(spec.name, quantization)
    return convert_model(model_path(spec), target, quantization, force=force, name=spec.name)


def _write_metadata(folder: Path, hf_config: dict[str, Any], quantization: str) -> None:
    """Keep what CTranslate2's own config.json drops: the model type (for `--model FOLDER`), the input
    length, the default decoder start and crossSum's langid_map."""
    ct2_config_path = folder / "config.json"
    ct2_config = json.loads(ct2_config_path.read_text(encoding="utf-8"))
    metadata: dict[str, Any] = {"quantization": quantization, "model_type": hf_config.get("model_type"),
                                "max_position_embeddings": hf_config.get("max_position_embeddings")}
    if hf_config.get("model_type") in DECODER_START_MODEL_TYPES:
        metadata["decoder_start_token"] = ct2_config.get("decoder_start_token")
        ct2_config["decoder_start_token"] = None
        ct2_config_path.write_text(json.dumps(ct2_config, indent=2), encoding="utf-8")
    langid_map = (hf_config.get("task_specific_params") or {}).get("langid_map")
    if langid_map:
        metadata["langid_map"] = langid_map
    (folder / METADATA_FILE).write_text(json.dumps(metadata, indent=2, ensure_ascii=False), encoding="utf-8")


def resolve_ct2_folder(spec: ModelSpec, quantize: str | None) -> Path:
    """The converted model for a spec: `ct2_path`, the source itself, or a default conversion folder
    (the one matching `quantize` first; CTranslate2 can run an int8 conversion as float32 and back)."""
    candidates: list[Path] = []
    if spec.ct2_path:
        candidates.append(Path(spec.ct2_path).expanduser())
    if spec.is_local:
        candidates.append(Path(spec.source).expanduser())
    for quantization in ([quantize] if quantize in QUANTIZATIONS else []) + list(QUANTIZATIONS):
        candidates.append(default_ct2_folder(spec.name, quantization))
    for folder in candidates:
        if is_ct2_folder(folder):
            return folder
    wanted = quantize if quantize in QUANTIZATIONS else "int8"
    raise ModelUnavailable(spec.name, "no CTranslate2 conversion found",
                           f"run `arsum models convert {spec.name} --quantization {wanted}`")


def resolve_device(ctranslate2: Any, device: str) -> str:
    """CTranslate2 runs on cpu or cuda; `auto` picks cuda when a GPU is visible."""
    if device == "auto":
        return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"
    if device not in ("cpu", "cuda"):
        raise UsageError(f"--device {device}: the ctranslate2 backend runs on cpu or cuda")
    return device


@dataclass
class LoadedCT2:
    translator: Any
    tokenizer: Any
    folder: Path
    device: str
    compute_type: str
    metadata: dict[str, Any]
    min_new_tokens: int
    forced_eos: bool


class CTranslate2Backend:
    """Seq2SeqBackend over a CTranslate2 Translator; like the transformers backend, loaded at first use."""

    def __init__(self, spec: ModelSpec, *, device: str = "auto", quantize: str | None = None,
                 folder: Path | None = None) -> None:
        if quantize is not None and quantize not in QUANTIZATIONS:
            raise UsageError(f"unknown quantization {quantize!r} (use one of: {', '.join(QUANTIZATIONS)})")
        self.spec = spec
        self.device = device
        self.quantize = quantize
        self.folder = folder
        self._loaded: LoadedCT2 | None = None

    @property
    def loaded(self) -> LoadedCT2:
        if self._loaded is None:
            self._loaded = self._load()
        return self._loaded

    def _load(self) -> LoadedCT2:
        spec = self.spec
        ctranslate2 = import_ctranslate2(spec.name)
        folder = self.folder if self.folder is not None else resolve_ct2_folder(spec, self.quantize)
        if not is_ct2_folder(folder):
            raise ModelUnavailable(spec.name, f"{folder} is not a CTranslate2 model (no {CT2_MODEL_FILE})",
                                   f"run `arsum models convert {spec.name}`")
        device = resolve_device(ctranslate2, self.device)
        compute_type = self.quantize or "default"
        from transformers import AutoTokenizer

        from arsum.models.transformers_backend import thread_count  # not at module level: loading -> modelstore -> this module

        try:
            from arsum.cli import progress

            with progress.status(f"loading {spec.name} (CTranslate2, {compute_type})"):
                translator = ctranslate2.Translator(
                    str(folder), device=device, compute_type=compute_type,
                    inter_threads=1, intra_threads=thread_count() if device == "cpu" else 0,
                )
                kwargs: dict[str, Any] = {"local_files_only": True}
                if spec.src_lang and spec.family in {"nllb", "mbart50", "m2m100"}:
                    kwargs["src_lang"] = spec.src_lang
                tokenizer = AutoTokenizer.from_pretrained(str(folder), **kwargs)
        except (RuntimeError, ValueError, OSError) as exc:
            from arsum.models.store import one_line

            raise ModelUnavailable(spec.name, f"cannot load {folder}: {one_line(exc)}",
                                   f"convert it again with `arsum models convert {spec.name} --force`") from None
        generation = read_json_object(folder / "generation_config.json")
        min_new = generation.get("min_new_tokens")
        return LoadedCT2(
            translator=translator, tokenizer=tokenizer, folder=folder, device=device, compute_type=compute_type,
            metadata=read_metadata(folder),
            min_new_tokens=min_new if isinstance(min_new, int) and min_new > 0 else 0,
            forced_eos=generation.get("forced_eos_token_id") is not None,
        )

    @property
    def langid_map(self) -> dict[str, Any]:
        """crossSum's language -> [id, token] map, kept from the source model's config at conversion."""
        return dict(self.loaded.metadata.get("langid_map") or {})

    # --- Seq2SeqBackend -----------------------------------------------------------------------------------

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(ids) for ids in self._encode(texts)]

    def generate(self, texts: list[str], settings: GenerationSettings, target_token: str | None) -> list[str]:
        """Greedy/beam decoding with transformers' semantics for lengths and target-language tokens."""
        if not texts:
            return []
        loaded = self.loaded
        tokenizer = loaded.tokenizer
        source = [tokenizer.convert_ids_to_tokens(ids) for ids in self._encode(texts)]
        # decoder-start models converted by convert_model have no fixed start token: the prefix is it.
        decoder_start = "decoder_start_token" in loaded.metadata
        first = target_token if target_token is not None or not decoder_start else loaded.metadata["decoder_start_token"]
        if first is not None:
            from arsum.models.engine import lookup_token_id

            lookup_token_id(self.spec, tokenizer, first)
        prefix = [[first] for _ in texts] if first is not None else None
        # transformers counts a forced BOS as a new token and, with forced_eos_token_id, spends the last on </s>.
        max_length = max(1, settings.max_new_tokens - (1 if loaded.forced_eos else 0))
        results = loaded.translator.translate_batch(
            source,
            target_prefix=prefix,
            beam_size=settings.num_beams,
            max_decoding_length=max_length,
            min_decoding_length=min(loaded.min_new_tokens, max_length),
            no_repeat_ngram_size=settings.no_repeat_ngram_size,
            length_penalty=settings.length_penalty if settings.num_beams > 1 else 1.0,
            max_input_length=0,
        )
        outputs = []
        for result in results:
            tokens = list(result.hypotheses[0])
            if prefix is not None and not decoder_start and tokens[:1] == [first]:
                tokens = tokens[1:]
            ids = tokenizer.convert_tokens_to_ids(tokens)
            outputs.append(tokenizer.decode(ids, skip_special_tokens=True).strip())
        return outputs

    def _encode(self, texts: list[str]) -> list[list[int]]:
        """Token ids as transformers' backend makes them (the engine has already added any prefix)."""
        encoded = self.loaded.tokenizer(list(texts), truncation=True, max_length=self.spec.max_input_tokens)
        return [list(ids) for ids in encoded["input_ids"]]


def read_metadata(folder: Path) -> dict[str, Any]:
    """What convert_model kept from the source model ({} for a folder converted by other tools)."""
    return read_json_object(folder / METADATA_FILE)


def read_json_object(path: Path) -> dict[str, Any]:
    """A JSON object from a model folder, or {} when it is missing, unreadable or not an object."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
