"""Arabic extractive summarizer: sentence features, a small learned linear ranker, MMR selection.

Pure Python (no numpy, torch or transformers) so `arsum summarize --no-english` and `--help` start fast:
releases are small, and huge ones are bounded by MAX_GRAPH_SENTENCES rather than by vectorised math.
The ranker's weights are fitted offline on EASC (bench/fit_extractive.py) and shipped as
arsum/data/extractive_weights.json; features are computed here so fitting and serving share one code path.
"""

from __future__ import annotations

import heapq
import json
import math
import re
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from operator import mul
from typing import Any, Protocol

from arsum.errors import ConfigError
from arsum.tasks.results import ArabicSummary, ScoredSentence
from arsum.tasks.settings import Length
from arsum.text.arabic import content_terms, has_arabic, terms_of_tokens, tokenize
from arsum.text.release import Release

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


MAX_DEFAULT_COUNT = 5
SENTENCES_PER_PICK = 3


def default_count(n_sentences: int) -> int:
    """One summary sentence per three body sentences (rounded up), between 1 and MAX_DEFAULT_COUNT.

    A three-sentence wire release gets its lead alone instead of its whole body back; 15 sentences or more get five.
    """
    return max(1, min(MAX_DEFAULT_COUNT, math.ceil(n_sentences / SENTENCES_PER_PICK)))


def resolve_count(n_sentences: int, count: int | None, ratio: float | None, default: int | None = None) -> int:
    """How many sentences to pick: an explicit count wins, then ceil(ratio * n), then `default` (default_count(n)
    when None); clamped to [1, n]. The rule is `Length`'s (arsum.tasks.settings), the one every entry point uses."""
    length = Length(count, ratio)
    return length.sentences(n_sentences, default_count(n_sentences) if default is None else default)


MIN_CONTENT_WORDS = 5
MIN_LEAD_IN_WORDS = 10


def is_junk(sentence: str, tokens: Sequence[str], arabic: bool = True) -> bool:
    """A unit a reader should not get as a summary sentence while content is left: under MIN_CONTENT_WORDS words
    (labels, subheadings, captions), a short lead-in that ends on `:` (`وأضاف في بيانه:`; what it introduces
    follows), or, in an Arabic release (`arabic`), mostly not Arabic (links, codes, tables of numbers)."""
    if len(tokens) < MIN_CONTENT_WORDS or (len(tokens) < MIN_LEAD_IN_WORDS and sentence.rstrip().endswith(":")):
        return True
    return arabic and sum(1 for t in tokens if not has_arabic(t)) > len(tokens) / 2


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

    def as_lists(self) -> tuple[list[float], list[float], list[float]]:
        """(weights, mean, scale), with mean 0 and scale 1 where the file gives none."""
        n = len(FEATURE_NAMES)
        mean = [0.0] * n if self.mean is None else list(self.mean)
        scale = [1.0] * n if self.scale is None else list(self.scale)
        return list(self.weights), mean, scale

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


MAX_GRAPH_SENTENCES = 200
"""Largest sentence graph built in one piece. Up to this many body sentences, LexRank and the MMR similarity use
the whole release; above it, consecutive blocks of near-equal size (at most this many sentences each), so a huge
release costs time linear in its length (about n x MAX_GRAPH_SENTENCES similarity terms) instead of n squared.
Degree and centroid stay exact over the whole release (they are linear anyway), and exact duplicates are
blocked across the whole release."""


def graph_blocks(n: int, cap: int = MAX_GRAPH_SENTENCES) -> list[range]:
    """Consecutive near-equal blocks of at most `cap` sentences; one block when n <= cap."""
    if n <= 0:
        return []
    parts = -(-n // cap)
    bounds = [k * n // parts for k in range(parts + 1)]
    return [range(bounds[k], bounds[k + 1]) for k in range(parts)]


def _tfidf(terms: Sequence[Sequence[str]]) -> list[dict[str, float]]:
    """L2-normalised sparse TF-IDF vectors: tf damped by log1p, smoothed idf, as the ranker was fitted with."""
    counts: list[dict[str, int]] = []
    df: dict[str, int] = {}
    for ts in terms:
        tf: dict[str, int] = {}
        for t in ts:
            tf[t] = tf.get(t, 0) + 1
        counts.append(tf)
        for t in tf:
            df[t] = df.get(t, 0) + 1
    n = len(terms)
    idf = {t: math.log((n + 1.0) / (d + 1.0)) + 1.0 for t, d in df.items()}
    vectors = []
    for tf in counts:
        x = {t: math.log1p(c) * idf[t] for t, c in tf.items()}
        norm = math.sqrt(sum(v * v for v in x.values()))
        vectors.append({t: v / norm for t, v in x.items()} if norm > 0 else {})
    return vectors


def _dot(a: dict[str, float], b: dict[str, float]) -> float:
    if len(b) < len(a):
        a, b = b, a
    return sum(v * b[t] for t, v in a.items() if t in b)


class SimilarityRows:
    """TF-IDF cosine rows computed on demand, so no n x n matrix is ever held.

    `rows[i]` is {j: cosine} for the sentences j (i included) that share a term with i inside i's graph block
    (see MAX_GRAPH_SENTENCES); every other cosine counts as 0. `rows.full(i)` ignores the blocks.
    """

    def __init__(self, vectors: Sequence[dict[str, float]], blocks: Sequence[range]) -> None:
        self._vectors = vectors
        self._block_of: list[range] = [b for b in blocks for _ in b]
        postings: dict[str, tuple[list[int], list[float]]] = {}
        for j, vec in enumerate(vectors):
            for t, v in vec.items():
                ids, ws = postings.setdefault(t, ([], []))
                ids.append(j)
                ws.append(v)
        self._postings = postings

    def __len__(self) -> int:
        return len(self._vectors)

    def _row(self, i: int, lo: int, hi: int) -> dict[int, float]:
        row: dict[int, float] = {}
        for t, v in self._vectors[i].items():
            ids, ws = self._postings[t]
            a = bisect_left(ids, lo) if lo > 0 else 0
            b = bisect_left(ids, hi, a) if hi < len(self._vectors) else len(ids)
            for j, w in zip(ids[a:b], ws[a:b]):
                row[j] = row.get(j, 0.0) + v * w
        return row

    def __getitem__(self, i: int) -> dict[int, float]:
        block = self._block_of[i]
        return self._row(i, block.start, block.stop)

    def full(self, i: int) -> dict[int, float]:
        return self._row(i, 0, len(self._vectors))


@dataclass(frozen=True)
class DocumentModel:
    """Per-document term statistics that features and MMR both need; memory linear in the text."""

    tokens: list[list[str]]
    terms: list[list[str]]  # content terms (arsum.text.arabic.content_terms), the TF-IDF vocabulary
    vectors: list[dict[str, float]]  # L2-normalised sparse TF-IDF, term -> weight
    keys: list[str]  # normalised text, to spot exact duplicates
    blocks: list[range]  # graph blocks (one unless the release exceeds MAX_GRAPH_SENTENCES)
    similarity: SimilarityRows


def document_model(sentences: Sequence[str], cap: int = MAX_GRAPH_SENTENCES) -> DocumentModel:
    tokens = [tokenize(s) for s in sentences]  # tokenize normalises: terms and duplicate keys come from these
    terms = [terms_of_tokens(t) for t in tokens]
    vectors = _tfidf(terms)
    blocks = graph_blocks(len(sentences), cap)
    return DocumentModel(
        tokens=tokens,
        terms=terms,
        vectors=vectors,
        keys=[" ".join(t) for t in tokens],
        blocks=blocks,
        similarity=SimilarityRows(vectors, blocks),
    )


def _max_scaled(x: list[float]) -> list[float]:
    top = max(x, default=0.0)
    return [v / top for v in x] if top > 0 else [0.0] * len(x)


def _lexrank(rows: Sequence[dict[int, float]]) -> list[float]:
    """Continuous LexRank: power iteration on the row-normalised cosine graph without self-loops.

    `rows` are sparse with local indices; a sentence with no neighbour jumps uniformly (as a dense matrix would).
    """
    n = len(rows)
    if n == 1:
        return [1.0]
    incoming: list[tuple[list[int], list[float]]] = [([], []) for _ in range(n)]
    dangling: list[int] = []
    for i, row in enumerate(rows):
        total = sum(s for j, s in row.items() if j != i)
        if total > 0:
            for j, s in row.items():
                if j != i:
                    incoming[j][0].append(i)
                    incoming[j][1].append(s / total)
        else:
            dangling.append(i)
    r = [1.0 / n] * n
    base = (1 - _DAMPING) / n
    for _ in range(100):
        get = r.__getitem__
        jump = sum(map(get, dangling)) / n
        nxt = [base + _DAMPING * (sum(map(mul, ps, map(get, src))) + jump) for src, ps in incoming]
        done = sum(abs(a - b) for a, b in zip(nxt, r)) < 1e-10
        r = nxt
        if done:
            break
    return r


def _graph_rank(m: DocumentModel) -> list[float]:
    """LexRank per graph block, each block's mass weighted by its share of the sentences (sums to 1 overall)."""
    n = len(m.vectors)
    out: list[float] = []
    for block in m.blocks:
        lo = block.start
        rows = [{j - lo: s for j, s in m.similarity[i].items()} for i in block]
        share = len(block) / n
        out.extend(v * share for v in _lexrank(rows))
    return out


def sentence_features(
    sentences: Sequence[str],
    title: str | None = None,
    paragraphs: Sequence[int] | None = None,
    model: DocumentModel | None = None,
) -> list[list[float]]:
    """Feature rows (n x len(FEATURE_NAMES)); bench/fit_extractive.py fits on exactly these."""
    n = len(sentences)
    if n == 0:
        return []
    m = model if model is not None else document_model(sentences)
    paras = list(paragraphs) if paragraphs is not None else [0] * n
    n_tok = [len(t) for t in m.tokens]

    total: dict[str, float] = {}
    for vec in m.vectors:
        for t, v in vec.items():
            total[t] = total.get(t, 0.0) + v
    # Row sums of the cosine matrix without forming it: v_i . sum_j v_j, minus the diagonal v_i . v_i.
    to_total = [_dot(vec, total) for vec in m.vectors]
    degree = [(s - _dot(vec, vec)) / max(1, n - 1) for s, vec in zip(to_total, m.vectors)]
    c_norm = math.sqrt(sum(v * v for v in total.values()))
    centroid = [s / c_norm for s in to_total] if c_norm > 0 else [0.0] * n

    if title and title.strip():
        head = _tfidf([*m.terms, content_terms(title)])
        headline = [_dot(head[-1], vec) for vec in head[:-1]]
    else:
        lead = m.similarity.full(0)
        headline = [lead.get(j, 0.0) for j in range(n)]

    def share(ts: list[str], pred: Callable[[str], bool]) -> float:
        return sum(1 for t in ts if pred(t)) / len(ts) if ts else 0.0

    lexrank = _max_scaled(_graph_rank(m))
    degree = _max_scaled(degree)
    centroid = _max_scaled(centroid)
    rows = []
    for i, s in enumerate(sentences):
        stripped = s.strip()
        cols = {
            "first": 1.0 if i == 0 else 0.0,
            "pos_inv": 1.0 / (1.0 + i),
            "pos_rel": i / (n - 1) if n > 1 else 0.0,
            "para_start": 1.0 if i == 0 or paras[i] != paras[i - 1] else 0.0,
            "first_para": 1.0 if paras[i] == paras[0] else 0.0,
            "log_len": math.log1p(n_tok[i]),
            "short": 1.0 if n_tok[i] < 6 else 0.0,
            "lexrank": lexrank[i],
            "degree": degree[i],
            "centroid": centroid[i],
            "headline": headline[i],
            "digits": share(m.tokens[i], str.isdigit),
            "quote": 1.0 if _QUOTES.search(s) else 0.0,
            "colon_end": 1.0 if stripped.endswith(":") else 0.0,
            "question": 1.0 if stripped.endswith(("?", "؟")) else 0.0,
            "non_arabic": share(m.tokens[i], lambda t: not has_arabic(t)),
        }
        rows.append([cols[name] for name in FEATURE_NAMES])
    return rows


class RowSource(Protocol):
    """Anything whose item i is sentence i's cosine row: dense (list, numpy row) or sparse {j: cosine}."""

    def __getitem__(self, i: int, /) -> Mapping[int, float] | Sequence[float]: ...


def mmr_select(
    scores: Sequence[float],
    similarity: RowSource,
    count: int,
    mmr_lambda: float,
    keys: Sequence[str] | None = None,
) -> list[int]:
    """Greedy MMR on min-max scaled scores; exact or near duplicates of a chosen sentence are never chosen.

    `similarity[i]` is sentence i's cosine row: a dense sequence, or a sparse {j: cosine} mapping (as
    DocumentModel.similarity gives). Redundancy is only updated from the chosen sentences' rows and the next pick
    comes off a heap, so the cost is about count x row size plus n log n, never n x n.
    """
    s = [float(x) for x in scores]
    n = len(s)
    if n == 0 or count <= 0:
        return []
    lo, hi = min(s), max(s)
    span = hi - lo
    rel = [(x - lo) / span for x in s] if span > 0 else [0.0] * n
    keep = 1.0 - mmr_lambda
    redundancy = [0.0] * n
    value = [mmr_lambda * r for r in rel]  # with zero redundancy
    blocked = [False] * n
    same_key: dict[str, list[int]] = {}
    if keys is not None:
        for i, k in enumerate(keys):
            same_key.setdefault(k, []).append(i)
    heap = [(-v, i) for i, v in enumerate(value)]
    heapq.heapify(heap)
    chosen: list[int] = []
    while len(chosen) < count and heap:
        neg, best = heapq.heappop(heap)
        if blocked[best] or -neg != value[best]:
            continue  # stale: redundancy rose since this entry was pushed (values only ever fall)
        chosen.append(best)  # heap order (-value, index): ties go to the earlier sentence
        blocked[best] = True
        row = similarity[best]
        for j, sim in row.items() if isinstance(row, Mapping) else enumerate(row):
            sim = float(sim)
            if sim >= _DUPLICATE_SIM:
                blocked[j] = True
            if sim > redundancy[j] and not blocked[j]:
                redundancy[j] = sim
                v = mmr_lambda * rel[j] - keep * sim
                if v != value[j]:
                    value[j] = v
                    heapq.heappush(heap, (-v, j))
        if keys is not None:
            for j in same_key[keys[best]]:
                blocked[j] = True
    return sorted(chosen)


def select_content(
    sentences: Sequence[str], model: DocumentModel, scores: Sequence[float], count: int, mmr_lambda: float
) -> list[int]:
    """MMR over the content units first; junk (is_junk) only fills what content cannot, so it never outranks it."""
    arabic = sum(1 for s in sentences if has_arabic(s)) * 2 > len(sentences)
    junk = [is_junk(s, t, arabic) for s, t in zip(sentences, model.tokens)]
    content = [i for i, j in enumerate(junk) if not j]
    picked = _mmr_subset(content, scores, model, count, mmr_lambda)
    if len(picked) < count:
        rest = sorted((i for i, j in enumerate(junk) if j), key=lambda i: (-scores[i], i))
        picked = sorted(picked + rest[: count - len(picked)])
    return picked


class _SubsetRows:
    """Cosine rows of a subset of sentences, re-indexed 0..len(subset)-1 (a RowSource for mmr_select)."""

    def __init__(self, rows: SimilarityRows, subset: Sequence[int]) -> None:
        self._rows, self._subset = rows, subset
        self._local = {i: k for k, i in enumerate(subset)}

    def __getitem__(self, k: int) -> dict[int, float]:
        return {self._local[j]: v for j, v in self._rows[self._subset[k]].items() if j in self._local}


def _mmr_subset(
    subset: Sequence[int], scores: Sequence[float], model: DocumentModel, count: int, mmr_lambda: float
) -> list[int]:
    """mmr_select restricted to `subset`, with indices mapped back to the whole release."""
    if len(subset) == len(scores):
        return mmr_select(scores, model.similarity, count, mmr_lambda, model.keys)
    chosen = mmr_select([scores[i] for i in subset], _SubsetRows(model.similarity, subset), count, mmr_lambda,
                        [model.keys[i] for i in subset])
    return [subset[k] for k in chosen]


class ExtractiveSummarizer:
    """Picks verbatim body sentences in original order; the headline is scored against, never picked."""

    def __init__(self, weights: RankerWeights | None = None) -> None:
        self.weights = weights if weights is not None else RankerWeights.shipped()
        self._linear = list(zip(*self.weights.as_lists()))

    def _score(self, features: Sequence[Sequence[float]]) -> list[float]:
        return [sum((x - m) / s * w for x, (w, m, s) in zip(row, self._linear)) for row in features]

    def score(
        self, sentences: Sequence[str], title: str | None = None, paragraphs: Sequence[int] | None = None
    ) -> list[float]:
        if not sentences:
            return []
        return self._score(sentence_features(sentences, title, paragraphs))

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
        picked = select_content(sentences, model, scores, count, self.weights.mmr_lambda)
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
