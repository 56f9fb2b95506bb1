"""The seq2seq engine: length-sorted, token-budgeted batches over a backend (transformers or CTranslate2).

Backends only turn a batch of prepared texts into outputs; the engine owns everything that must be the same
for every backend: prefixes, whitespace, target-language tokens, batching, order, progress, and which
inputs were too long (returned with the outputs, never kept: one engine serves many releases and workers).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, replace
from importlib import import_module
from typing import Any, Protocol, runtime_checkable

from arsum.models.config import (
    CROSSSUM_NAMES,
    GenerationSettings,
    ModelSpec,
    family_language_code,
)
from arsum.models.folders import input_token_limit
from arsum.models.store import choose_backend
from arsum.reporting import SILENT, Reporter

DEFAULT_MAX_BATCH_TOKENS = 8192
DEFAULT_MAX_BATCH_SIZE = 32
_SPACE = re.compile(r"\s+")


@runtime_checkable
class Seq2SeqBackend(Protocol):
    """What a backend must do for the engine, the same way on every runtime.

    `count_tokens` counts each whole input, never truncated: the engine warns about, and the chunker splits,
    what is longer than the engine's `max_input_tokens`, so a backend that capped its counts would cut long input
    silently. Only `generate` truncates, to that same limit. `target_token` is forced-BOS or
    decoder-start per `spec.target_mode`.
    """

    @property
    def max_positions(self) -> int | None:
        """The longest input the model can take (its learned positions); None when it has no such limit."""
        ...

    @property
    def langid_map(self) -> Mapping[str, Any]:
        """crossSum-style language -> [id, token] map from the model's own config ({} when it has none)."""
        ...

    @property
    def commit(self) -> str | None:
        """The hub snapshot commit the weights came from; None for a model that is only a local folder."""
        ...

    @property
    def parallel_batches(self) -> int:
        """How many `generate` calls the backend runs at once, from as many threads (1: one at a time).

        CTranslate2 runs several batches side by side on one copy of the weights, which on CPU is worth
        more than spreading one batch over the cores; such a backend must be safe to call from that many threads.
        """
        ...

    def count_tokens(self, texts: list[str]) -> list[int]: ...

    def generate(self, texts: list[str], settings: GenerationSettings, target_token: str | None) -> list[str]: ...


@dataclass(frozen=True)
class Generated:
    """One output per input, in input order, with the facts each caller needs about its own inputs."""

    texts: tuple[str, ...]
    truncated: tuple[bool, ...]  # the input was longer than the model takes and was cut to fit
    model: str
    max_input_tokens: int

    def part(self, start: int, stop: int) -> Generated:
        """The outputs of inputs start..stop-1 (one release's sentences of a batched call)."""
        return replace(self, texts=self.texts[start:stop], truncated=self.truncated[start:stop])

    @property
    def warnings(self) -> tuple[str, ...]:
        """What a result made from these outputs must say (only about its own inputs)."""
        count = sum(self.truncated)
        if not count:
            return ()
        return (f"{count} input(s) longer than {self.max_input_tokens} tokens were truncated for {self.model}",)


@dataclass(frozen=True)
class ModelRun:
    """What reproduces one model's outputs: the model, the exact snapshot and the runtime as loaded, by role.

    The runtime fields come from the loaded backend, not from the options: `--quantize int8` and float weights
    give different outputs, and the record says which ran (and from which conversion folder and format).
    """

    role: str
    name: str
    source: str
    revision: str | None
    commit: str | None
    backend: str
    device: str | None = None  # cpu, cuda, mps as resolved (never `auto`)
    compute_type: str | None = None  # the weights' type as run: float32, float16, int8, int8_float32, …
    quantize: str | None = None  # what was asked for (--quantize), None: the weights as they are
    conversion: str | None = None  # the CTranslate2 conversion folder (None on transformers)
    conversion_format: int | None = None  # arsum's conversion format number, from the folder's metadata
    vocabulary_map: bool = False  # the decoder may write only the tokens of the model's output vocabulary


class Engine:
    """One model, used for every release and sentence of a run; it keeps no state between calls."""

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

    @property
    def model_id(self) -> str:
        return self.spec.source

    @property
    def revision(self) -> str | None:
        return self.spec.revision

    @property
    def settings(self) -> GenerationSettings:
        return self.spec.generation

    @property
    def max_input_tokens(self) -> int:
        """spec.max_input_tokens, never past the model's positions: a configured 4096 on a 512-position
        Marian is cut (and reported) at 512 instead of crashing it."""
        return input_token_limit(self.spec, self.backend.max_positions)

    def load(self) -> None:
        """Load the model now, so that a missing or broken one fails before any input is read."""
        load = getattr(self.backend, "load", None)  # a backend without one loads at its first call
        if load is not None:
            load()

    def model_run(self, role: str) -> ModelRun:
        spec = self.spec
        runtime = getattr(self.backend, "runtime", None)  # a backend without one records no runtime facts
        return ModelRun(role=role, name=spec.name, source=spec.source, revision=spec.revision,
                        commit=self.backend.commit, backend=spec.backend, **(runtime() if runtime else {}))

    def prepare(self, text: str) -> str:
        """Collapse whitespace (newlines inside a sentence confuse these models) and add the model's prefix."""
        text = _SPACE.sub(" ", text).strip()
        return f"{self.spec.prefix}{text}" if text else ""

    def count_tokens(self, texts: list[str]) -> list[int]:
        """Tokens per text as the model sees it (prefix and special tokens included), never truncated."""
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
        langid_map = self.backend.langid_map
        entry = langid_map.get(CROSSSUM_NAMES.get(lang, lang)) or langid_map.get(lang)
        if entry:
            return str(entry[1] if isinstance(entry, (list, tuple)) else entry)
        return None

    def generate(
        self, texts: list[str], settings: GenerationSettings | None = None, target: str | None = None
    ) -> Generated:
        """One output per input, in input order; empty inputs give empty outputs without a model call.

        Input longer than `max_input_tokens` is cut to fit by the backend and marked in `truncated`,
        so the result it ends up in can say so.
        """
        settings = settings or self.settings
        limit = self.max_input_tokens
        prepared = [self.prepare(t) for t in texts]
        todo = list(dict.fromkeys(text for text in prepared if text))  # repeated sentences are generated once
        done: dict[str, tuple[str, bool]] = {"": ("", False)}
        if todo:
            token = self.target_token(target)
            lengths = self.backend.count_tokens(todo)  # loads the model: its parallelism is known from here on
            workers = max(1, self.backend.parallel_batches)
            batches = plan_batches(
                [min(n, limit) for n in lengths],
                max_batch_tokens=self.max_batch_tokens // max(1, settings.num_beams),
                # a few inputs are spread over every worker rather than left in one batch on one of them
                max_batch_size=min(self.max_batch_size, -(-len(todo) // workers)),
            )

            def run(batch: list[int]) -> list[str]:
                results = self.backend.generate([todo[j] for j in batch], settings, token)
                if len(results) != len(batch):
                    raise RuntimeError(f"backend returned {len(results)} outputs for {len(batch)} inputs")
                return results

            with self.reporter.track(f"{self.spec.name}", total=len(todo)) as bar:
                for batch, results in _run_batches(run, batches, workers):
                    done.update((todo[j], (result, lengths[j] > limit)) for j, result in zip(batch, results))
                    bar.advance(len(batch))
        return Generated(texts=tuple(done[p][0] for p in prepared), truncated=tuple(done[p][1] for p in prepared),
                         model=self.spec.name, max_input_tokens=limit)


def _run_batches(
    run: Callable[[list[int]], list[str]], batches: list[list[int]], workers: int
) -> Iterator[tuple[list[int], list[str]]]:
    """Each batch with its outputs, as it finishes; up to `workers` batches in flight. The first failure is
    raised and the batches not yet started are dropped."""
    if workers == 1 or len(batches) == 1:
        yield from ((batch, run(batch)) for batch in batches)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(batches)), thread_name_prefix="arsum-batch") as pool:
        futures = {pool.submit(run, batch): batch for batch in batches}
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        finally:
            for future in futures:
                future.cancel()


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
