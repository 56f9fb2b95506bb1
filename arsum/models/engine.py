"""The seq2seq engine: length-sorted, token-budgeted batches over a backend (transformers or CTranslate2).

Backends only turn a batch of prepared texts into outputs; the engine owns everything that must be the same
for every backend: prefixes, whitespace, target-language tokens, batching, order, progress and warnings.
"""

from __future__ import annotations

import re
from importlib import import_module
from typing import Protocol, runtime_checkable

from arsum.models.config import (
    CROSSSUM_NAMES,
    Config,
    GenerationSettings,
    ModelSpec,
    family_language_code,
)
from arsum.models.store import choose_backend
from arsum.reporting import SILENT, Reporter

DEFAULT_MAX_BATCH_TOKENS = 8192
DEFAULT_MAX_BATCH_SIZE = 32
_SPACE = re.compile(r"\s+")


@runtime_checkable
class Seq2SeqBackend(Protocol):
    """What a backend must do; `target_token` is forced-BOS or decoder-start per `spec.target_mode`."""

    def generate(self, texts: list[str], settings: GenerationSettings, target_token: str | None) -> list[str]: ...

    def count_tokens(self, texts: list[str]) -> list[int]: ...


class Engine:
    """One model, used for every release and sentence of a run."""

    def __init__(
        self,
        spec: ModelSpec,
        backend: Seq2SeqBackend,
        *,
        max_batch_tokens: int = DEFAULT_MAX_BATCH_TOKENS,
        max_batch_size: int = DEFAULT_MAX_BATCH_SIZE,
        reporter: Reporter = SILENT,
    ) -> None:
        self.spec = spec
        self.backend = backend
        self.max_batch_tokens = max_batch_tokens
        self.max_batch_size = max_batch_size
        self.reporter = reporter
        self.warnings: list[str] = []

    @property
    def model_id(self) -> str:
        return self.spec.source

    @property
    def revision(self) -> str | None:
        return self.spec.revision

    @property
    def settings(self) -> GenerationSettings:
        return self.spec.generation

    def take_warnings(self) -> list[str]:
        """Warnings gathered since the last call (e.g. truncated inputs), for the caller's result."""
        taken, self.warnings = self.warnings, []
        return taken

    def prepare(self, text: str) -> str:
        """Collapse whitespace (newlines inside a sentence confuse these models) and add the model's prefix."""
        text = _SPACE.sub(" ", text).strip()
        return f"{self.spec.prefix}{text}" if text else ""

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens per text as the model sees it (prefix and special tokens included)."""
        prepared = [self.prepare(t) for t in texts]
        return self.backend.count_tokens(prepared) if prepared else []

    def target_token(self, target: str | None) -> str | None:
        """The token that selects the output language, or None for single-direction models."""
        spec = self.spec
        lang = target or spec.tgt_lang
        if spec.target_mode is None or lang is None:
            return None
        same = lang == spec.tgt_lang or target is None
        if spec.lang_tokens.get(lang):
            return spec.lang_tokens[lang]
        if spec.target_mode == "forced_bos":
            if spec.target_token and same:
                return spec.target_token
            return family_language_code(spec.family, lang)
        if spec.decoder_start_token and same:
            return spec.decoder_start_token
        langid_map = getattr(self.backend, "langid_map", None) or {}
        entry = langid_map.get(CROSSSUM_NAMES.get(lang, lang)) or langid_map.get(lang)
        if entry:
            return str(entry[1] if isinstance(entry, (list, tuple)) else entry)
        return None

    def generate(
        self, texts: list[str], settings: GenerationSettings | None = None, target: str | None = None
    ) -> list[str]:
        """One output per input, in input order; empty inputs give empty outputs without a model call."""
        settings = settings or self.settings
        prepared = [self.prepare(t) for t in texts]
        todo = [i for i, text in enumerate(prepared) if text]
        outputs = [""] * len(texts)
        if not todo:
            return outputs
        token = self.target_token(target)
        lengths = self.backend.count_tokens([prepared[i] for i in todo])
        too_long = sum(1 for n in lengths if n > self.spec.max_input_tokens)
        if too_long:
            self.warnings.append(
                f"{too_long} input(s) longer than {self.spec.max_input_tokens} tokens were truncated for {self.spec.name}"
            )
        batches = plan_batches(
            [min(n, self.spec.max_input_tokens) for n in lengths],
            max_batch_tokens=self.max_batch_tokens // max(1, settings.num_beams),
            max_batch_size=self.max_batch_size,
        )
        with self.reporter.track(f"{self.spec.name}", total=len(todo)) as bar:
            for batch in batches:
                indices = [todo[j] for j in batch]
                results = self.backend.generate([prepared[i] for i in indices], settings, token)
                if len(results) != len(indices):
                    raise RuntimeError(f"backend returned {len(results)} outputs for {len(indices)} inputs")
                for i, result in zip(indices, results):
                    outputs[i] = result
                bar.advance(len(indices))
        return outputs


def plan_batches(lengths: list[int], *, max_batch_tokens: int, max_batch_size: int) -> list[list[int]]:
    """Indices grouped longest first so padding is small and each batch's padded size stays in budget."""
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    current: list[int] = []
    width = 0
    for i in order:
        new_width = max(width, lengths[i], 1)
        if current and (len(current) >= max_batch_size or new_width * (len(current) + 1) > max_batch_tokens):
            batches.append(current)
            current, new_width = [], max(lengths[i], 1)
        current.append(i)
        width = new_width
    if current:
        batches.append(current)
    return batches


# Backends by name; each is imported only when chosen, and none imports this module.
BACKENDS = {
    "transformers": "arsum.models.transformers_backend:TransformersBackend",
    "ctranslate2": "arsum.models.ctranslate2_backend:CTranslate2Backend",
}


def build_engine(
    config: Config | None,
    spec: ModelSpec,
    *,
    device: str = "auto",
    quantize: str | None = None,
    reporter: Reporter = SILENT,
    backend: str | None = None,
    **engine_options: int,
) -> Engine:
    """An engine for `spec` on `backend` (--backend) or the one its config names, `auto` resolved by the
    model store; nothing is loaded until first use."""
    spec = choose_backend(spec, backend, device)
    module, _, name = BACKENDS[spec.backend].partition(":")
    runtime: Seq2SeqBackend = getattr(import_module(module), name)(spec, device=device, quantize=quantize, reporter=reporter)
    return Engine(spec, runtime, reporter=reporter, **engine_options)
