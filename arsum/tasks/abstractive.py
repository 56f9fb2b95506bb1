"""English abstractive summaries of Arabic releases, by one of three strategies.

crosslingual: an ar->en summarization model reads the Arabic directly.
translate-then-summarize: translate every sentence, then summarise the English.
extract-then-translate: translate the Arabic extractive summary (no summarization model needed).

Long input is never truncated silently: it is split by sentences into chunks that fit the model, each chunk
is summarised, then the summaries are summarised; the result says so in its warnings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from arsum.models.config import Config, ModelSpec
from arsum.models.engine import Engine, build_engine
from arsum.models.store import english_summary_specs
from arsum.reporting import SILENT, Reporter
from arsum.tasks.results import ArabicSummary, EnglishSentence, EnglishSummary
from arsum.tasks.translation import Translator, build_translator, release_segments
from arsum.text.release import Release

MAX_ROUNDS = 4

_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr gen col lt sgt capt gov sen rep pres vs etc inc ltd co corp no fig jan feb mar apr "
    "jun jul aug sep sept oct nov dec e.g i.e u.s u.k u.n".split()
)
_BOUNDARY = re.compile(r"(?<=[.!?])([\"'”’)\]]*)\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def split_english_sentences(text: str) -> list[str]:
    """Sentence split for model output: ., ! or ? then space and a capital, except after abbreviations/initials."""
    text = " ".join(text.split())
    if not text:
        return []
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        candidate = text[start : match.end(1)].strip()
        last_word = candidate.rsplit(" ", 1)[-1].rstrip(".!?\"'”’)]").lower()
        if candidate.endswith(".") and (last_word in _ABBREVIATIONS or re.fullmatch(r"[a-z]", last_word)):
            continue
        sentences.append(candidate)
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences


class EnglishSummarizer(Protocol):
    strategy: str

    def summarize(self, release: Release, arabic_summary: ArabicSummary) -> tuple[EnglishSummary, list[str]]:
        """The English summary and warnings (chunking, truncation) for the release's result."""
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


def summarize_long(engine: Engine, sentences: Sequence[str], target: str) -> tuple[str, int, list[str]]:
    """Summary text, number of chunks of the first round, and warnings about the splitting."""
    max_tokens = engine.spec.max_input_tokens
    warnings: list[str] = []
    text = " ".join(s for s in sentences if s.strip())
    if not text:
        return "", 0, warnings
    first_chunks = 0
    units = [s for s in sentences if s.strip()]
    for _ in range(MAX_ROUNDS):
        chunks = chunk_sentences(engine, units, max_tokens)
        if not first_chunks:
            first_chunks = len(chunks)
            if len(chunks) > 1:
                total = engine.count_tokens([text])[0]
                warnings.append(
                    f"input of {total} tokens split into {len(chunks)} chunks for {engine.spec.name} (max {max_tokens})"
                )
        summaries = engine.generate(chunks, target=target)
        if len(chunks) == 1:
            return summaries[0], first_chunks, warnings + engine.take_warnings()
        units = [s for summary in summaries for s in (split_english_sentences(summary) or [summary]) if s.strip()]
    combined = " ".join(summaries)
    warnings.append(f"summaries still did not fit {engine.spec.name} after {MAX_ROUNDS} rounds; they are joined")
    return combined, first_chunks, warnings + engine.take_warnings()


def _english_summary(text: str, *, engine_model: str, revision: str | None, strategy: str, generation: dict,
                     chunks: int, sources: Sequence[tuple[int, ...]] | None = None) -> EnglishSummary:
    parts = split_english_sentences(text)
    sentence_sources = list(sources) if sources is not None and len(sources) == len(parts) else [()] * len(parts)
    return EnglishSummary(
        text=" ".join(parts), sentences=tuple(EnglishSentence(text=p, sources=s) for p, s in zip(parts, sentence_sources)),
        model=engine_model, revision=revision, strategy=strategy, generation=generation, chunks=chunks,
    )


class CrosslingualSummarizer:
    """Arabic in, English out, from one summarization model (e.g. crossSum mT5 with the English start token)."""

    strategy = "crosslingual"

    def __init__(self, engine: Engine, target: str = "en") -> None:
        self.engine = engine
        self.target = target

    def summarize(self, release: Release, arabic_summary: ArabicSummary) -> tuple[EnglishSummary, list[str]]:
        sentences = [text for _, _, text in release_segments(release)]
        text, chunks, warnings = summarize_long(self.engine, sentences, self.target)
        generation = {**self.engine.settings.as_dict(), "target_token": self.engine.target_token(self.target)}
        summary = _english_summary(text, engine_model=self.engine.model_id, revision=self.engine.revision,
                                   strategy=self.strategy, generation=generation, chunks=chunks)
        return summary, warnings


class TranslateThenSummarize:
    """Translate all sentences, then summarise the English with an English-capable summarizer."""

    strategy = "translate-then-summarize"

    def __init__(self, translator: Translator, engine: Engine, target: str = "en") -> None:
        self.translator = translator
        self.engine = engine
        self.target = target

    def summarize(self, release: Release, arabic_summary: ArabicSummary) -> tuple[EnglishSummary, list[str]]:
        english = self.translator.translate([text for _, _, text in release_segments(release)])
        warnings = list(self.translator.take_warnings())
        text, chunks, more = summarize_long(self.engine, english, self.target)
        generation = {
            **self.engine.settings.as_dict(),
            "translator": self.translator.model_id,
            "translator_revision": self.translator.revision,
            "translation": dict(self.translator.settings),
        }
        summary = _english_summary(text, engine_model=self.engine.model_id, revision=self.engine.revision,
                                   strategy=self.strategy, generation=generation, chunks=chunks)
        return summary, warnings + more


class ExtractThenTranslate:
    """Translate the Arabic extractive summary sentence by sentence: faithful, no summarization model."""

    strategy = "extract-then-translate"

    def __init__(self, translator: Translator) -> None:
        self.translator = translator

    def summarize(self, release: Release, arabic_summary: ArabicSummary) -> tuple[EnglishSummary, list[str]]:
        chosen = list(arabic_summary.sentences)
        english = self.translator.translate([s.text for s in chosen])
        warnings = list(self.translator.take_warnings())
        sentences = tuple(
            EnglishSentence(text=t.strip(), sources=(s.index,)) for s, t in zip(chosen, english) if t.strip()
        )
        summary = EnglishSummary(
            text=" ".join(s.text for s in sentences), sentences=sentences, model=self.translator.model_id,
            revision=self.translator.revision, strategy=self.strategy, generation=dict(self.translator.settings),
            chunks=1,
        )
        return summary, warnings


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
    """Cheap: nothing is loaded until the first summary, so a missing model surfaces there as ModelUnavailable.

    `model` (--model) replaces the strategy's main model: the summarizer for crosslingual, the translator
    for the two translation strategies. `specs`: the strategy's models as modelstore.english_summary_specs
    resolved them, when the caller already has them.
    """
    strategy = strategy or config.routing.strategy
    specs = specs or english_summary_specs(config, strategy, model)
    if strategy == "crosslingual":
        return CrosslingualSummarizer(build_engine(config, specs["summarizer"], device=device, quantize=quantize,
                                                   reporter=reporter, backend=backend))
    translator = build_translator(
        config, target="en", model=model, device=device, quantize=quantize, spec=specs["translator"], reporter=reporter,
        backend=backend,
    )
    if strategy == "extract-then-translate":
        return ExtractThenTranslate(translator)
    return TranslateThenSummarize(translator, build_engine(config, specs["summarizer"], device=device, quantize=quantize,
                                                           reporter=reporter, backend=backend))
