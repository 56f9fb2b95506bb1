"""Loading a transformers seq2seq model safely, once per process, with every failure as one clear line.

Loads only from a local folder (a configured path or the HF cache snapshot), so loading never touches the
network; `arsum models pull` is the one thing that downloads. No remote code, no full unpickling.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from arsum.errors import ModelUnavailable, UsageError, one_line
from arsum.models.config import GENERATION_MAXIMA, GenerationSettings, ModelSpec
from arsum.models.device import RUNTIME_LOCK, check_quantize, configure_threads, resolve_device
from arsum.models.folders import (
    WEIGHT_FILES,
    lookup_token_id,
    input_token_limit,
    read_model_config,
    repull_hint,
    snapshot_commit,
    tokenizer_kwargs,
)
from arsum.models.inuse import hold
from arsum.models.store import model_path
from arsum.models.vocabulary import output_vocabulary
from arsum.reporting import SILENT, Reporter


@dataclass
class LoadedModel:
    tokenizer: Any
    model: Any
    device: str
    folder: Path
    quantize: str | None
    banned_outputs: Any = None  # torch bool mask over output ids the decoder may not write, or None


_CACHE: dict[tuple[str, str | None, str, str | None], LoadedModel] = {}


def load_transformers(
    spec: ModelSpec, *, device: str = "auto", quantize: str | None = None, reporter: Reporter = SILENT
) -> LoadedModel:
    """The cached (tokenizer, model) for this spec/device/quantization; loads it on first use, once per process
    whichever thread asks first (the others wait for it)."""
    check_quantize("transformers", quantize)
    folder = model_path(spec)  # first: a model that is not there fails before torch is imported
    hold(spec)  # in use until this process ends: `models remove` refuses it meanwhile
    with RUNTIME_LOCK:
        resolved = resolve_device(device, "transformers")
        if quantize == "int8" and resolved != "cpu":
            raise UsageError(f"--quantize int8 runs on the CPU only (device is {resolved}); add --device cpu")
        key = (spec.source, spec.revision, resolved, quantize)
        if key not in _CACHE:
            with reporter.status(f"loading {spec.name}"):
                _CACHE[key] = _load(spec, folder, resolved, quantize)
        return _CACHE[key]


def _load(spec: ModelSpec, folder: Path, device: str, quantize: str | None) -> LoadedModel:
    import torch  # noqa: F401 - the heavy imports, once, here under RUNTIME_LOCK: not in a thread that races another
    import transformers  # noqa: F401
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer  # noqa: F401 - resolves transformers' lazy names

    read_model_config(folder, spec.name)
    weights = next((name for name in WEIGHT_FILES if (folder / name).is_file()), None)
    if weights is None:
        raise ModelUnavailable(spec.name, f"no weights (model.safetensors or pytorch_model.bin) in {folder}", repull_hint(spec.name, folder))
    configure_threads()
    tokenizer = _load_tokenizer(spec, folder)
    model = _load_model(spec, folder, weights)
    _check_vocab(spec, tokenizer, model)
    _distrust_generation_config(model)
    model.eval()
    banned = _banned_outputs(folder, model)
    if quantize == "int8":
        model = _quantize_int8(model)
    else:
        model.to(device)
        banned = banned.to(device) if banned is not None else None
    return LoadedModel(tokenizer=tokenizer, model=model, device=device, folder=folder, quantize=quantize,
                       banned_outputs=banned)


def _banned_outputs(folder: Path, model: Any) -> Any:
    """The output ids outside the model's output vocabulary, which the CTranslate2 conversion leaves out too."""
    vocabulary = output_vocabulary(folder)
    if vocabulary is None:
        return None
    import torch

    banned = torch.ones(model.get_output_embeddings().out_features, dtype=torch.bool)
    banned[[i for i in vocabulary.kept if i < len(banned)]] = False
    return banned


def _keep_output_vocabulary(banned: Any) -> Any:
    """Scores over the kept ids only, normalised over them as CTranslate2 normalises over its candidates
    (greedy picks the same token either way; beam scores match)."""
    from transformers import LogitsProcessor, LogitsProcessorList

    class KeepOutputVocabulary(LogitsProcessor):
        def __call__(self, input_ids: Any, scores: Any) -> Any:
            return scores.masked_fill(banned[: scores.shape[-1]], float("-inf")).log_softmax(dim=-1)

    return LogitsProcessorList([KeepOutputVocabulary()])


@contextmanager
def quiet_transformers() -> Iterator[None]:
    """transformers' own progress bars and advice would clutter stderr; our errors say what matters."""
    from transformers.utils import logging as hf_logging

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # before the calls: one warns when HF_HUB_DISABLE_PROGRESS_BARS=0 is set
        hf_logging.set_verbosity_error()
        hf_logging.disable_progress_bar()
        yield


def _load_tokenizer(spec: ModelSpec, folder: Path) -> Any:
    from transformers import AutoTokenizer

    try:
        with quiet_transformers():
            return AutoTokenizer.from_pretrained(str(folder), **tokenizer_kwargs(spec))
    except Exception as exc:  # noqa: BLE001 - any tokenizer failure is a broken model folder
        raise ModelUnavailable(spec.name, f"tokenizer in {folder} cannot be loaded ({one_line(exc)})", repull_hint(spec.name, folder)) from None


def _load_model(spec: ModelSpec, folder: Path, weights: str) -> Any:
    from transformers import AutoModelForSeq2SeqLM

    try:
        with quiet_transformers():
            model, info = AutoModelForSeq2SeqLM.from_pretrained(
                str(folder),
                trust_remote_code=False,
                local_files_only=True,
                use_safetensors=weights.startswith("model.safetensors"),
                weights_only=True,
                output_loading_info=True,
            )
    except Exception as exc:  # noqa: BLE001 - corrupt, truncated or unsafe weights all end here
        raise ModelUnavailable(spec.name, f"weights {folder / weights} cannot be loaded ({one_line(exc)})", repull_hint(spec.name, folder)) from None
    missing = sorted(set(info.get("missing_keys") or ()))
    mismatched = list(info.get("mismatched_keys") or ())
    if missing or mismatched:
        bad = missing or [str(m[0]) if isinstance(m, (tuple, list)) else str(m) for m in mismatched]
        what = "lack" if missing else "have wrongly shaped"
        raise ModelUnavailable(
            spec.name, f"weights {folder / weights} {what} {len(bad)} tensors (e.g. {bad[0]})", repull_hint(spec.name, folder)
        )
    return model


def _check_vocab(spec: ModelSpec, tokenizer: Any, model: Any) -> None:
    """A tokenizer that emits ids past the embedding table would crash mid-run; catch it at load."""
    rows = model.get_input_embeddings().num_embeddings
    size = len(tokenizer)
    if size > rows:
        raise ModelUnavailable(
            spec.name, f"tokenizer has {size} tokens but the model's embedding has only {rows} rows (mismatched files)",
            "make sure the tokenizer and weights come from the same model",
        )


def _distrust_generation_config(model: Any) -> None:
    """generate() takes what arsum does not pass from the folder's generation_config.json: keep one output per
    input and minimum lengths within arsum's own bounds (the settings arsum passes are already capped)."""
    config = model.generation_config
    config.num_return_sequences = 1
    top = GENERATION_MAXIMA["max_new_tokens"]
    for key in ("min_length", "min_new_tokens"):
        value = getattr(config, key, None)
        if isinstance(value, (int, float)) and value > top:
            setattr(config, key, top)


def _quantize_int8(model: Any) -> Any:
    import torch
    from torch.ao.quantization import quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(model.to("cpu"), {torch.nn.Linear}, dtype=torch.qint8)


class TransformersBackend:
    """transformers + torch; the model is loaded at first use so that building one is free."""

    def __init__(
        self, spec: ModelSpec, *, device: str = "auto", quantize: str | None = None, reporter: Reporter = SILENT
    ) -> None:
        self.spec = spec
        self.device = device
        self.quantize = quantize
        self.reporter = reporter
        self._loaded: Any = None
        # a fast tokenizer used by two threads at once fails ("Already borrowed"); generation is serialised with it
        self._lock = threading.Lock()

    @property
    def loaded(self) -> Any:
        """Resolved once: token counting runs per sentence, and each lookup would re-check disk and device."""
        if self._loaded is None:
            with RUNTIME_LOCK:
                if self._loaded is None:
                    self._loaded = load_transformers(
                        self.spec, device=self.device, quantize=self.quantize, reporter=self.reporter
                    )
        return self._loaded

    def load(self) -> None:
        """Load now (a missing or broken model raises ModelUnavailable here, not at the first sentence)."""
        self.loaded  # noqa: B018

    def runtime(self) -> dict[str, Any]:
        """The runtime as loaded, for the run record (arsum.models.engine.ModelRun)."""
        loaded = self.loaded
        dtype = str(getattr(loaded.model, "dtype", "")).removeprefix("torch.") or None
        return {"device": loaded.device, "compute_type": "int8" if loaded.quantize == "int8" else dtype,
                "quantize": loaded.quantize, "vocabulary_map": loaded.banned_outputs is not None}

    @property
    def langid_map(self) -> dict[str, Any]:
        """crossSum-style language -> [id, token] map from the model's config, if it has one."""
        params = self.loaded.model.config.task_specific_params or {}
        return dict(params.get("langid_map") or {})

    @cached_property
    def commit(self) -> str | None:
        return snapshot_commit(model_path(self.spec))

    parallel_batches = 1  # torch already spreads one batch over every core

    @property
    def max_positions(self) -> int | None:
        positions = getattr(self.loaded.model.config, "max_position_embeddings", None)
        return positions if isinstance(positions, int) else None  # mT5: relative positions, no limit

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Whole inputs, never truncated (the Seq2SeqBackend rule)."""
        tokenizer = self.loaded.tokenizer
        with self._lock:
            return [len(ids) for ids in tokenizer(list(texts), add_special_tokens=True)["input_ids"]]

    def token_id(self, token: str) -> int:
        return lookup_token_id(self.spec, self.loaded.tokenizer, token)

    def generate(self, texts: list[str], settings: GenerationSettings, target_token: str | None) -> list[str]:
        import torch

        loaded = self.loaded
        kwargs: dict[str, Any] = {
            "num_beams": settings.num_beams,
            "max_new_tokens": settings.max_new_tokens,
            "do_sample": False,
        }
        if settings.no_repeat_ngram_size:
            kwargs["no_repeat_ngram_size"] = settings.no_repeat_ngram_size
        if settings.num_beams > 1:
            kwargs["length_penalty"] = settings.length_penalty
            kwargs["early_stopping"] = True
        if loaded.banned_outputs is not None:
            kwargs["logits_processor"] = _keep_output_vocabulary(loaded.banned_outputs)
        limit = input_token_limit(self.spec, self.max_positions)
        with self._lock:  # torch spreads one batch over every core already: two at once only compete
            if target_token is not None:
                mode = "forced_bos_token_id" if self.spec.target_mode == "forced_bos" else "decoder_start_token_id"
                kwargs[mode] = self.token_id(target_token)
            encoded = loaded.tokenizer(list(texts), return_tensors="pt", padding=True, truncation=True, max_length=limit)
            encoded = {k: v.to(loaded.device) for k, v in encoded.items() if k in ("input_ids", "attention_mask")}
            with torch.inference_mode():
                output = loaded.model.generate(**encoded, **kwargs)
            return [text.strip() for text in loaded.tokenizer.batch_decode(output, skip_special_tokens=True)]
