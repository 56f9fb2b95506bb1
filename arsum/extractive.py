"""Arabic extractive summarizer: sentence features, a small learned linear ranker, MMR selection.

Kept free of torch/transformers so `arsum summarize --no-english` and `--help` stay fast; numpy only.
The ranker's weights are fitted offline on EASC (bench/fit_extractive.py) and shipped as
arsum/data/extractive_weights.json; features are computed here so fitting and serving share one code path.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, Protocol

import numpy as np

from arsum.arabic import content_terms, has_arabic, normalize, tokenize
from arsum.errors import ConfigError, UsageError
from arsum.results import ArabicSummary, Release, ScoredSentence

METHOD = "arsum-extractive-1"
WEIGHTS_RESOURCE = "extractive_weights.json"

FEATURE_NAMES: tuple[str, ...] = (
    "first",  # first body sentence
    "pos_inv",  # 1 / (1 + index): lead bias decays fast in news
    "pos_rel",  # index / (n - 1)
    "para_start",  # first sentence of its paragraph
    "first_para",  # inside the first paragraph
    "log_len",  # log(1 + word tokens)
    "short",  # fewer than 6 word tokens: captions, fragments
    "lexrank",  # PageRank over the TF-IDF cosine graph, divided by its maximum
    "degree",  # mean cosine to the other sentences, divided by its maximum
    "centroid",  # cosine to the document's TF-IDF centroid, divided by its maximum
    "headline",  # cosine to the title (or, with no title, to the lead sentence)
    "digits",  # share of tokens that are numbers
    "quote",  # holds quotation marks (reported speech)
    "colon_end",  # ends with a colon: introduces a list
    "question",  # ends with a question mark
    "non_arabic",  # share of tokens without Arabic letters (URLs, Latin names)
)

_QUOTES = re.compile(r"[\"«»“”„]")
_DUPLICATE_SIM = 0.95
_DAMPING = 0.85


class Summarizer(Protocol):
    """What every Arabic summarizer implements."""

    def summarize(
        self, release: Release, *, count: int | None = None, ratio: float | None = None
    ) -> ArabicSummary: ...


def resolve_count(n_sentences: int, count: int | None, ratio: float | None, default: int = 3) -> int:
    """How many sentences to pick: an explicit count wins, else ceil(ratio * n), clamped to [1, n]."""
    if count is not None and ratio is not None:
        raise UsageError("give either a sentence count or a ratio, not both")
    if count is not None and count < 1:
        raise UsageError(f"sentence count must be at least 1, got {count}")
    if ratio is not None and not 0.0 < ratio <= 1.0:
        raise UsageError(f"ratio must be in (0, 1], got {ratio}")
    if n_sentences <= 0:
        return 0
    if count is not None:
        wanted = count
    elif ratio is not None:
        wanted = math.ceil(ratio * n_sentences)
    else:
        wanted = default
    return max(1, min(n_sentences, wanted))


@dataclass(frozen=True)
class RankerWeights:
    """A linear ranker over FEATURE_NAMES plus the MMR trade-off, as fitted by bench/fit_extractive.py."""

    version: str
    features: tuple[str, ...]
    weights: tuple[float, ...]
    mmr_lambda: float
    mean: tuple[float, ...] | None = None
    scale: tuple[float, ...] | None = None
    info: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if tuple(self.features) != FEATURE_NAMES:
            raise ValueError(f"weights are for features {list(self.features)}, this code computes {list(FEATURE_NAMES)}")
        n = len(FEATURE_NAMES)
        for name, vec in (("weights", self.weights), ("mean", self.mean), ("scale", self.scale)):
            if vec is not None and len(vec) != n:
                raise ValueError(f"{name} has {len(vec)} values, expected {n}")
        if not 0.0 <= self.mmr_lambda <= 1.0:
            raise ValueError(f"mmr_lambda must be in [0, 1], got {self.mmr_lambda}")

    def as_arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        n = len(FEATURE_NAMES)
        w = np.asarray(self.weights, dtype=float)
        mean = np.zeros(n) if self.mean is None else np.asarray(self.mean, dtype=float)
        scale = np.ones(n) if self.scale is None else np.asarray(self.scale, dtype=float)
        return w, mean, scale

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "version": self.version,
            "features": list(self.features),
            "weights": list(self.weights),
            "mmr_lambda": self.mmr_lambda,
        }
        if self.mean is not None:
            out["mean"] = list(self.mean)
        if self.scale is not None:
            out["scale"] = list(self.scale)
        if self.info:
            out["info"] = self.info
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RankerWeights:
        return cls(
            version=str(data["version"]),
            features=tuple(data["features"]),
            weights=tuple(float(x) for x in data["weights"]),
            mmr_lambda=float(data["mmr_lambda"]),
            mean=tuple(float(x) for x in data["mean"]) if "mean" in data else None,
            scale=tuple(float(x) for x in data["scale"]) if "scale" in data else None,
            info=data.get("info"),
        )

    @classmethod
    def shipped(cls) -> RankerWeights:
        """The weights shipped inside the package (fitted on the EASC development part)."""
        ref = resources.files("arsum.data").joinpath(WEIGHTS_RESOURCE)
        where = f"arsum/data/{WEIGHTS_RESOURCE}"
        try:
            return cls.from_dict(json.loads(ref.read_text(encoding="utf-8")))
        except FileNotFoundError as exc:
            raise ConfigError(where, None, "missing from the installed package") from exc
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise ConfigError(where, None, f"invalid ranker weights ({exc})") from exc


@dataclass(frozen=True)
class DocumentModel:
    """Per-document term statistics that features and MMR both need."""

    tokens: list[list[str]]
    similarity: np.ndarray  # sentence x sentence TF-IDF cosine
    vectors: np.ndarray  # L2-normalised TF-IDF rows
    keys: list[str]  # normalised text, to spot exact duplicates


def document_model(sentences: Sequence[str]) -> DocumentModel:
    tokens = [tokenize(s) for s in sentences]
    terms = [content_terms(s) for s in sentences]
    vocab: dict[str, int] = {}
    for ts in terms:
        for t in ts:
            vocab.setdefault(t, len(vocab))
    n = len(sentences)
    tf = np.zeros((n, max(1, len(vocab))))
    for i, ts in enumerate(terms):
        for t in ts:
            tf[i, vocab[t]] += 1.0
    df = (tf > 0).sum(axis=0)
    idf = np.log((n + 1.0) / (df + 1.0)) + 1.0
    x = np.log1p(tf) * idf
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    vectors = np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
    sim = vectors @ vectors.T
    keys = [" ".join(tokenize(normalize(s))) for s in sentences]
    return DocumentModel(tokens=tokens, similarity=sim, vectors=vectors, keys=keys)


def _max_scaled(x: np.ndarray) -> np.ndarray:
    top = float(x.max()) if x.size else 0.0
    return x / top if top > 0 else np.zeros_like(x)


def _lexrank(sim: np.ndarray) -> np.ndarray:
    """Continuous LexRank: power iteration on the row-normalised cosine graph without self-loops."""
    n = sim.shape[0]
    if n == 1:
        return np.ones(1)
    w = sim.copy()
    np.fill_diagonal(w, 0.0)
    rows = w.sum(axis=1, keepdims=True)
    p = np.divide(w, rows, out=np.full_like(w, 1.0 / n), where=rows > 0)
    r = np.full(n, 1.0 / n)
    for _ in range(100):
        nxt = (1 - _DAMPING) / n + _DAMPING * (p.T @ r)
        if np.abs(nxt - r).sum() < 1e-10:
            r = nxt
            break
        r = nxt
    return r


def sentence_features(
    sentences: Sequence[str],
    title: str | None = None,
    paragraphs: Sequence[int] | None = None,
    model: DocumentModel | None = None,
) -> np.ndarray:
    """Feature matrix (n x len(FEATURE_NAMES)); bench/fit_extractive.py fits on exactly this."""
    n = len(sentences)
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    m = model if model is not None else document_model(sentences)
    idx = np.arange(n, dtype=float)
    paras = list(paragraphs) if paragraphs is not None else [0] * n
    para_start = np.array([1.0 if i == 0 or paras[i] != paras[i - 1] else 0.0 for i in range(n)])
    first_para = np.array([1.0 if p == paras[0] else 0.0 for p in paras])
    n_tok = np.array([len(t) for t in m.tokens], dtype=float)

    off_diag = m.similarity - np.diag(np.diag(m.similarity))
    degree = off_diag.sum(axis=1) / max(1, n - 1)
    centroid_vec = m.vectors.sum(axis=0)
    c_norm = np.linalg.norm(centroid_vec)
    centroid = m.vectors @ (centroid_vec / c_norm) if c_norm > 0 else np.zeros(n)

    if title and title.strip():
        head = document_model([*sentences, title])
        headline = head.similarity[-1, :-1]
    else:
        headline = m.similarity[0].copy()

    def share(pred: Any) -> np.ndarray:
        return np.array([sum(1 for t in ts if pred(t)) / len(ts) if ts else 0.0 for ts in m.tokens])

    stripped = [s.strip() for s in sentences]
    cols = {
        "first": (idx == 0).astype(float),
        "pos_inv": 1.0 / (1.0 + idx),
        "pos_rel": idx / (n - 1) if n > 1 else np.zeros(n),
        "para_start": para_start,
        "first_para": first_para,
        "log_len": np.log1p(n_tok),
        "short": (n_tok < 6).astype(float),
        "lexrank": _max_scaled(_lexrank(m.similarity)),
        "degree": _max_scaled(degree),
        "centroid": _max_scaled(centroid),
        "headline": headline,
        "digits": share(lambda t: t.isdigit()),
        "quote": np.array([1.0 if _QUOTES.search(s) else 0.0 for s in sentences]),
        "colon_end": np.array([1.0 if s.endswith(":") else 0.0 for s in stripped]),
        "question": np.array([1.0 if s.endswith(("?", "؟")) else 0.0 for s in stripped]),
        "non_arabic": share(lambda t: not has_arabic(t)),
    }
    return np.column_stack([cols[name] for name in FEATURE_NAMES])


def mmr_select(
    scores: Sequence[float], similarity: np.ndarray, count: int, mmr_lambda: float, keys: Sequence[str] | None = None
) -> list[int]:
    """Greedy MMR on min-max scaled scores; exact or near duplicates of a chosen sentence are never chosen."""
    s = np.asarray(scores, dtype=float)
    n = len(s)
    if n == 0 or count <= 0:
        return []
    span = float(s.max() - s.min())
    rel = (s - s.min()) / span if span > 0 else np.zeros(n)
    chosen: list[int] = []
    redundancy = np.zeros(n)
    blocked = np.zeros(n, dtype=bool)
    while len(chosen) < count:
        value = mmr_lambda * rel - (1.0 - mmr_lambda) * redundancy
        value[blocked] = -np.inf
        if not np.isfinite(value).any():
            break
        best = int(np.argmax(value))  # first maximum: ties go to the earlier sentence
        chosen.append(best)
        blocked[best] = True
        redundancy = np.maximum(redundancy, similarity[best])
        blocked |= similarity[best] >= _DUPLICATE_SIM
        if keys is not None:
            blocked |= np.array([k == keys[best] for k in keys])
    return sorted(chosen)


class ExtractiveSummarizer:
    """Picks verbatim body sentences in original order; the headline is scored against, never picked."""

    def __init__(self, weights: RankerWeights | None = None) -> None:
        self.weights = weights if weights is not None else RankerWeights.shipped()
        self._w, self._mean, self._scale = self.weights.as_arrays()

    def _score(self, features: np.ndarray) -> np.ndarray:
        return ((features - self._mean) / self._scale) @ self._w

    def score(
        self, sentences: Sequence[str], title: str | None = None, paragraphs: Sequence[int] | None = None
    ) -> list[float]:
        if not sentences:
            return []
        return [float(x) for x in self._score(sentence_features(sentences, title, paragraphs))]

    def select(
        self,
        sentences: Sequence[str],
        title: str | None,
        count: int,
        paragraphs: Sequence[int] | None = None,
    ) -> list[ScoredSentence]:
        """Top `count` sentences by ranker score with MMR redundancy removal, in original order."""
        if not sentences or count <= 0:
            return []
        model = document_model(sentences)
        scores = self._score(sentence_features(sentences, title, paragraphs, model))
        picked = mmr_select(scores, model.similarity, count, self.weights.mmr_lambda, model.keys)
        return [ScoredSentence(index=i, text=sentences[i], score=float(scores[i])) for i in picked]

    def summarize(
        self, release: Release, *, count: int | None = None, ratio: float | None = None
    ) -> ArabicSummary:
        body = release.sentences
        k = resolve_count(len(body), count, ratio)
        chosen = self.select(
            [s.text for s in body], release.title or None, k, paragraphs=[s.paragraph for s in body]
        )
        return ArabicSummary(
            sentences=tuple(
                ScoredSentence(index=body[c.index].index, text=c.text, score=c.score) for c in chosen
            ),
            method=METHOD,
            settings={
                "count": k,
                "requested_count": count,
                "ratio": ratio,
                "mmr_lambda": self.weights.mmr_lambda,
                "weights_version": self.weights.version,
            },
        )
