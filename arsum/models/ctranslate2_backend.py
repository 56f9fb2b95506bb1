"""CTranslate2 backend (the default once a model is converted): the same seq2seq models, on a faster runtime.

The transformers tokenizer is saved beside the converted model, so both backends see the same pieces;
CTranslate2 works on token strings, so ids go through `convert_ids_to_tokens` on the way in and
`convert_tokens_to_ids` on the way out. `ctranslate2` is imported only when a backend is built or a
model converted, so the base install never needs it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from arsum.errors import ModelUnavailable, one_line
from arsum.models.config import GenerationSettings, ModelSpec
from arsum.models.device import (
    QUANTIZATIONS,
    RUNTIME_LOCK,
    check_quantize,
    resolve_device,
    thread_count,
)
from arsum.models.folders import (
    CT2_MODEL_FILE,
    default_ct2_folder,
    input_token_limit,
    is_ct2_folder,
    lookup_token_id,
    read_json_object,
    read_metadata,
    tokenizer_kwargs,
)
from arsum.models.inuse import hold
from arsum.models.vocabulary import VMAP_FILE
from arsum.reporting import SILENT, Reporter

EXTRA_HINT = "reinstall arsum (ctranslate2 is one of its dependencies)"


def import_ctranslate2(name: str) -> Any:
    """The ctranslate2 module, or ModelUnavailable naming the extra that provides it."""
    try:
        import ctranslate2
    except ImportError:
        raise ModelUnavailable(name, "the ctranslate2 package is not installed", EXTRA_HINT) from None
    return ctranslate2


def resolve_ct2_folder(spec: ModelSpec, quantize: str | None) -> Path:
    """The converted model for a spec: `ct2_path`, the source itself, or a default conversion folder
    (the one matching `quantize` first; CTranslate2 can run an int8 conversion as float32 and back)."""
    known = QUANTIZATIONS["ctranslate2"]
    candidates: list[Path] = []
    if spec.ct2_path:
        candidates.append(Path(spec.ct2_path).expanduser())
    if spec.is_local:
        candidates.append(Path(spec.source).expanduser())
    for quantization in ([quantize] if quantize in known else []) + list(known):
        candidates.append(default_ct2_folder(spec.name, quantization))
    for folder in candidates:
        if is_ct2_folder(folder):
            return folder
    wanted = quantize if quantize in known else "int8"
    raise ModelUnavailable(spec.name, "no CTranslate2 conversion found",
                           f"run `arsum models convert {spec.name} --quantization {wanted}`")


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
    workers: int  # batches run side by side (CTranslate2's inter_threads)
    use_vmap: bool  # the conversion lists the tokens the decoder may write (arsum.models.vocabulary)


def cpu_threads_split(threads: int) -> tuple[int, int]:
    """(workers, threads per worker) for `threads` CPU threads.

    On the 2-core bench machine two single-threaded workers decode 1.6-2x faster than one worker on both
    cores (bench/RESULTS.md section 2), so small machines get one worker per core; from 8 threads on, each
    worker gets several, since a run rarely has more than four batches to share out at once.
    """
    per_worker = max(1, threads // 4)
    return max(1, threads // per_worker), per_worker


class CTranslate2Backend:
    """Seq2SeqBackend over a CTranslate2 Translator; like the transformers backend, loaded at first use."""

    def __init__(self, spec: ModelSpec, *, device: str = "auto", quantize: str | None = None,
                 folder: Path | None = None, reporter: Reporter = SILENT) -> None:
        check_quantize("ctranslate2", quantize)
        self.spec = spec
        self.device = device
        self.quantize = quantize
        self.folder = folder
        self.reporter = reporter
        self._loaded: LoadedCT2 | None = None
        # the engine calls `generate` from `parallel_batches` threads; a fast tokenizer must not be used by two at once
        self._tokenizer_lock = threading.Lock()

    @property
    def loaded(self) -> LoadedCT2:
        if self._loaded is None:
            with RUNTIME_LOCK:  # one load, whichever thread asks first
                if self._loaded is None:
                    self._loaded = self._load()
        return self._loaded

    def load(self) -> None:
        """Load now (a missing or broken conversion raises ModelUnavailable here, not at the first sentence)."""
        self.loaded  # noqa: B018

    def runtime(self) -> dict[str, Any]:
        """The runtime as loaded, for the run record (arsum.models.engine.ModelRun)."""
        loaded = self.loaded
        compute_type = getattr(loaded.translator, "compute_type", None) or loaded.compute_type
        quantization = loaded.metadata.get("quantization")
        if compute_type == "default" and isinstance(quantization, str):
            compute_type = quantization  # `default` runs the weights as converted
        fmt = loaded.metadata.get("format")
        return {"device": loaded.device, "compute_type": compute_type, "quantize": self.quantize,
                "conversion": str(loaded.folder), "conversion_format": fmt if isinstance(fmt, int) else None,
                "vocabulary_map": loaded.use_vmap}

    def _load(self) -> LoadedCT2:
        spec = self.spec
        ctranslate2 = import_ctranslate2(spec.name)
        folder = self.folder if self.folder is not None else resolve_ct2_folder(spec, self.quantize)
        if not is_ct2_folder(folder):
            raise ModelUnavailable(spec.name, f"{folder} is not a CTranslate2 model (no {CT2_MODEL_FILE})",
                                   f"run `arsum models convert {spec.name}`")
        hold(spec)  # in use until this process ends: `models remove` refuses it meanwhile
        device = resolve_device(self.device, "ctranslate2")
        compute_type = self.quantize or "default"
        workers, per_worker = cpu_threads_split(thread_count()) if device == "cpu" else (1, 0)
        from transformers import AutoTokenizer

        try:
            with self.reporter.status(f"loading {spec.name} (CTranslate2, {compute_type})"):
                translator = ctranslate2.Translator(
                    str(folder), device=device, compute_type=compute_type,
                    inter_threads=workers, intra_threads=per_worker,
                )
                tokenizer = AutoTokenizer.from_pretrained(str(folder), **tokenizer_kwargs(spec))
        except (RuntimeError, ValueError, OSError) as exc:
            raise ModelUnavailable(spec.name, f"cannot load {folder}: {one_line(exc)}",
                                   f"convert it again with `arsum models convert {spec.name} --force`") from None
        generation = read_json_object(folder / "generation_config.json")
        min_new = generation.get("min_new_tokens")
        return LoadedCT2(
            translator=translator, tokenizer=tokenizer, folder=folder, device=device, compute_type=compute_type,
            metadata=read_metadata(folder),
            min_new_tokens=min_new if isinstance(min_new, int) and min_new > 0 else 0,
            forced_eos=generation.get("forced_eos_token_id") is not None,
            workers=workers,
            use_vmap=(folder / VMAP_FILE).is_file(),
        )

    @property
    def langid_map(self) -> dict[str, Any]:
        """crossSum's language -> [id, token] map, kept from the source model's config at conversion."""
        return dict(self.loaded.metadata.get("langid_map") or {})

    @cached_property
    def commit(self) -> str | None:
        """The source snapshot's commit, as `arsum models convert` recorded it."""
        folder = self.folder if self.folder is not None else resolve_ct2_folder(self.spec, self.quantize)
        commit = read_metadata(folder).get("source_commit")
        return commit if isinstance(commit, str) else None

    @property
    def parallel_batches(self) -> int:
        return self.loaded.workers

    @property
    def max_positions(self) -> int | None:
        positions = self.loaded.metadata.get("max_position_embeddings")  # kept at conversion; {} for other tools'
        return positions if isinstance(positions, int) else None

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Whole inputs, never truncated (the Seq2SeqBackend rule)."""
        return [len(ids) for ids in self._encode(texts, truncate=False)]

    def generate(self, texts: list[str], settings: GenerationSettings, target_token: str | None) -> list[str]:
        """Greedy/beam decoding with transformers' semantics for lengths and target-language tokens."""
        if not texts:
            return []
        loaded = self.loaded
        tokenizer = loaded.tokenizer
        encoded = self._encode(texts, truncate=True)
        # decoder-start models converted by convert_model have no fixed start token: the prefix is it.
        decoder_start = "decoder_start_token" in loaded.metadata
        first = target_token if target_token is not None or not decoder_start else loaded.metadata["decoder_start_token"]
        with self._tokenizer_lock:
            source = [tokenizer.convert_ids_to_tokens(ids) for ids in encoded]
            if first is not None:
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
            use_vmap=loaded.use_vmap,
        )
        outputs = []
        with self._tokenizer_lock:
            for result in results:
                tokens = list(result.hypotheses[0])
                if prefix is not None and not decoder_start and tokens[:1] == [first]:
                    tokens = tokens[1:]
                ids = tokenizer.convert_tokens_to_ids(tokens)
                outputs.append(tokenizer.decode(ids, skip_special_tokens=True).strip())
        return outputs

    def _encode(self, texts: list[str], *, truncate: bool) -> list[list[int]]:
        """Token ids as transformers' backend makes them (the engine has already added any prefix);
        cut to `max_input_tokens` (never past the model's positions) only for generation, as that backend cuts them."""
        limit = input_token_limit(self.spec, self.max_positions)
        with self._tokenizer_lock:
            encoded = self.loaded.tokenizer(list(texts), **({"truncation": True, "max_length": limit} if truncate else {}))
        return [list(ids) for ids in encoded["input_ids"]]
