"""English abstractive summaries of Arabic releases, by one of three strategies.

crosslingual: an ar->en summarization model reads the Arabic directly.
translate-then-summarize: translate every sentence, then summarise the English.
extract-then-translate: translate the Arabic extractive summary (no summarization model needed).

Long input is never truncated silently: it is split by sentences into chunks that fit the model, each chunk
is summarised, then the summaries are summarised; the result says so in its warnings.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

from arsum.errors import UsageError
from arsum.models.config import Config, ModelSpec
from arsum.models.engine import Engine, ModelRun, build_engine
from arsum.models.store import resolve_model, translator_spec
from arsum.reporting import SILENT, Reporter
from arsum.tasks.results import ArabicSummary, EnglishSentence, EnglishSummary
from arsum.tasks.translation import Translator, build_translator, release_segments
from arsum.text.english import split_english_sentences
from arsum.text.release import Release

MAX_ROUNDS = 4

class EnglishSummarizer(Protocol):
    """One strategy: `roles` names the models it runs, the main one first (`--model` replaces that one)."""

    name: ClassVar[str]
    roles: ClassVar[tuple[str, ...]]

    def summarize(self, release: Release, arabic_summary: ArabicSummary) -> tuple[EnglishSummary, tuple[str, ...]]:
        """The English summary and warnings (chunking, truncation) for the release's result."""
        ...

    def model_runs(self) -> tuple[ModelRun, ...]:
        """Each of its models' exact snapshot, by role, for the records."""
        ...


def chunk_sentences(engine: Engine, sentences: Sequence[str], max_tokens: int) -> list[str]:
    """Greedy packing of whole sentences into texts of at most `max_tokens` tokens (measured by the model).

    A sentence longer than the budget on its own is split at word boundaries, never cut off.
    """
    pieces: list[str] = []
    for sentence, count in zip(sentences, engine.count_tokens(list(sentences))):
        pieces.extend(_split_long(engine, sentence, max_tokens) if count > max_tokens else [sentence])
    chunks: list[str] = []
    current: list[str] = []
    for piece in pieces:
        candidate = " ".join([*current, piece])
        if current and engine.count_tokens([candidate])[0] > max_tokens:
            chunks.append(" ".join(current))
            current = [piece]
        else:
            current.append(piece)
    if current:
        chunks.append(" ".join(current))
    return chunks


def _split_long(engine: Engine, sentence: str, max_tokens: int) -> list[str]:
    words = sentence.split()
    parts: list[str] = []
    current: list[str] = []
    for word in words:
        if current and engine.count_tokens([" ".join([*current, word])])[0] > max_tokens:
            parts.append(" ".join(current))
            current = []
        current.append(word)
    if current:
        parts.append(" ".join(current))
    return parts


def summarize_long(engine: Engine, sentences: Sequence[str], target: str) -> tuple[str, int, tuple[str, ...]]:
    """Summary text, number of chunks of the first round, and warnings about the splitting (and any truncation)."""
    max_tokens = engine.max_input_tokens
    warnings: list[str] = []
    units = [s for s in sentences if s.strip()]
    if not units:
        return "", 0, ()
    first_chunks = 0
    for _ in range(MAX_ROUNDS):
        chunks = chunk_sentences(engine, units, max_tokens)
        if not first_chunks:
            first_chunks = len(chunks)
            if len(chunks) > 1:
                total = engine.count_tokens([" ".join(units)])[0]
                warnings.append(
                    f"input of {total} tokens split into {len(chunks)} chunks for {engine.spec.name} (max {max_tokens})"
                )
        generated = engine.generate(chunks, target=target)
        warnings.extend(generated.warnings)
        if len(chunks) <= 1:  # one chunk, or a round whose summaries all came out empty
            return "".join(generated.texts), first_chunks, tuple(warnings)
        units = [s for summary in generated.texts for s in (split_english_sentences(summary) or [summary]) if s.strip()]
    warnings.append(f"summaries still did not fit {engine.spec.name} after {MAX_ROUNDS} rounds; they are joined")
    return " ".join(generated.texts), first_chunks, tuple(warnings)


def _english_summary(sentences: Sequence[EnglishSentence], *, model: str, revision: str | None, strategy: str,
                     generation: dict[str, Any], chunks: int) -> EnglishSummary:
    return EnglishSummary(
        text=" ".join(s.text for s in sentences), sentences=tuple(sentences), model=model, revision=revision,
        strategy=strategy, generation=generation, chunks=chunks,
    )


def _model_sentences(text: str) -> tuple[EnglishSentence, ...]:
    return tuple(EnglishSentence(text=part) for part in split_english_sentences(text))


class CrosslingualStrategy:
    """Arabic in, English out, from one summarization model (e.g. crossSum mT5 with the English start token)."""

    name = "crosslingual"
    roles = ("summarizer",)

    def __init__(self, summarizer: Engine, target: str = "en") -> None:
        self.summarizer = summarizer
        self.target = target

    def summarize(self, release: Release, arabic_summary: ArabicSummary) -> tuple[EnglishSummary, tuple[str, ...]]:
        engine = self.summarizer
        text, chunks, warnings = summarize_long(engine, [text for _, _, text in release_segments(release)], self.target)
        generation = {**engine.settings.as_dict(), "target_token": engine.target_token(self.target)}
        summary = _english_summary(_model_sentences(text), model=engine.model_id, revision=engine.revision,
                                   strategy=self.name, generation=generation, chunks=chunks)
        return summary, warnings

    def model_runs(self) -> tuple[ModelRun, ...]:
        return (self.summarizer.model_run("summarizer"),)


class TranslateThenSummarizeStrategy:
    """Translate all sentences, then summarise the English with an English-capable summarizer."""

    name = "translate-then-summarize"
    roles = ("translator", "english_summarizer")

    def __init__(self, translator: Translator, english_summarizer: Engine, target: str = "en") -> None:
        self.translator = translator
        self.english_summarizer = english_summarizer
        self.target = target

    def summarize(self, release: Release, arabic_summary: ArabicSummary) -> tuple[EnglishSummary, tuple[str, ...]]:
        engine, translator = self.english_summarizer, self.translator
        english = translator.translate([text for _, _, text in release_segments(release)])
        text, chunks, more = summarize_long(engine, english.texts, self.target)
        generation = {
            **engine.settings.as_dict(),
            "translator": translator.model_id,
            "translator_revision": translator.revision,
            "translation": dict(translator.settings),
        }
        summary = _english_summary(_model_sentences(text), model=engine.model_id, revision=engine.revision,
                                   strategy=self.name, generation=generation, chunks=chunks)
        return summary, english.warnings + more

    def model_runs(self) -> tuple[ModelRun, ...]:
        return (self.translator.model_run(), self.english_summarizer.model_run("english_summarizer"))


class ExtractThenTranslateStrategy:
    """Translate the Arabic extractive summary sentence by sentence: faithful, no summarization model."""

    name = "extract-then-translate"
    roles = ("translator",)

    def __init__(self, translator: Translator) -> None:
        self.translator = translator

    def summarize(self, release: Release, arabic_summary: ArabicSummary) -> tuple[EnglishSummary, tuple[str, ...]]:
        translator = self.translator
        chosen = list(arabic_summary.sentences)
        english = translator.translate([s.text for s in chosen])
        sentences = [
            EnglishSentence(text=t.strip(), sources=(s.index,)) for s, t in zip(chosen, english.texts) if t.strip()
        ]
        summary = _english_summary(sentences, model=translator.model_id, revision=translator.revision,
                                   strategy=self.name, generation=dict(translator.settings), chunks=1)
        return summary, english.warnings

    def model_runs(self) -> tuple[ModelRun, ...]:
        return (self.translator.model_run(),)


def load_models(summarizer: EnglishSummarizer) -> None:
    """Load every model the strategy uses now (each strategy keeps its parts under the names of its roles)."""
    for role in getattr(summarizer, "roles", ()):
        part = getattr(summarizer, role, None)
        load = getattr(part, "load", None)
        if load is not None:
            load()


# Strategies by name (the names config.STRATEGIES validates in models.toml).
STRATEGIES: dict[str, type[EnglishSummarizer]] = {
    cls.name: cls for cls in (CrosslingualStrategy, TranslateThenSummarizeStrategy, ExtractThenTranslateStrategy)
}


def _summarizer_spec(config: Config, model: str | None) -> ModelSpec:
    return resolve_model(config, model) if model else config.model(config.routing.summarize_english)


def _english_summarizer_spec(config: Config, model: str | None) -> ModelSpec:
    return resolve_model(config, model) if model else config.model(config.routing.english_summarizer)


def _translator_spec(config: Config, model: str | None) -> ModelSpec:
    return translator_spec(config, "en", model)


# How each role's model is chosen: routing in models.toml, unless --model names it.
ROLE_SPECS: dict[str, Callable[[Config, str | None], ModelSpec]] = {
    "summarizer": _summarizer_spec,
    "english_summarizer": _english_summarizer_spec,
    "translator": _translator_spec,
}


def strategy_class(strategy: str) -> type[EnglishSummarizer]:
    try:
        return STRATEGIES[strategy]
    except KeyError:
        raise UsageError(f"unknown strategy {strategy!r} (use one of: {', '.join(STRATEGIES)})") from None


def strategy_specs(config: Config, strategy: str, model: str | None = None) -> dict[str, ModelSpec]:
    """The models a strategy runs, by role; `model` (--model) replaces the main one (its first role)."""
    roles = strategy_class(strategy).roles
    return {role: ROLE_SPECS[role](config, model if role == roles[0] else None) for role in roles}


def build_english_summarizer(
    config: Config,
    *,
    strategy: str | None = None,
    model: str | None = None,
    device: str = "auto",
    quantize: str | None = None,
    specs: dict[str, ModelSpec] | None = None,
    reporter: Reporter = SILENT,
    backend: str | None = None,
) -> EnglishSummarizer:
    """Cheap: nothing is loaded until `load_models` or the first summary, where a missing model is ModelUnavailable.

    `model` (--model) replaces the strategy's main model. `specs`: the strategy's models by role, as
    strategy_specs resolved them, when the caller already has them.
    """
    cls = strategy_class(strategy or config.routing.strategy)
    specs = specs or strategy_specs(config, cls.name, model)
    parts: dict[str, Engine | Translator] = {
        role: build_translator(config, target="en", spec=spec, device=device, quantize=quantize, reporter=reporter,
                               backend=backend)
        if role == "translator" else build_engine(spec, device=device, quantize=quantize, reporter=reporter,
                                                  backend=backend)
        for role, spec in specs.items()
    }
    return cls(**parts)  # type: ignore[call-arg]
