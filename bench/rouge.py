"""ROUGE-N and ROUGE-L on pre-tokenised text, so every system is scored by one scorer without network packages.

Tokenisation is the caller's job (the EASC harness uses `arsum.text.arabic.tokenize`); here a text is a token list.
ROUGE-L is the LCS of the whole candidate and the whole reference token sequences (summary-level, no
per-sentence union), computed bit-parallel so the harness stays fast in pure Python.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PRF:
    precision: float
    recall: float
    f1: float


def _prf(overlap: int, n_candidate: int, n_reference: int) -> PRF:
    p = overlap / n_candidate if n_candidate else 0.0
    r = overlap / n_reference if n_reference else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(p, r, f)


def ngrams(tokens: Sequence[str], n: int) -> Counter[tuple[str, ...]]:
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def rouge_n(candidate: Sequence[str], reference: Sequence[str], n: int) -> PRF:
    c, r = ngrams(candidate, n), ngrams(reference, n)
    overlap = sum((c & r).values())
    return _prf(overlap, sum(c.values()), sum(r.values()))


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Bit-parallel LCS (Crochemore et al. 2001): one big-int update per token of `a`."""
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for j, tok in enumerate(b):
        masks[tok] = masks.get(tok, 0) | (1 << j)
    full = (1 << len(b)) - 1
    v = full
    for tok in a:
        u = v & masks.get(tok, 0)
        v = ((v + u) | (v - u)) & full
    return len(b) - bin(v).count("1")


def rouge_l(candidate: Sequence[str], reference: Sequence[str]) -> PRF:
    return _prf(lcs_length(candidate, reference), len(candidate), len(reference))


METRICS = ("rouge1", "rouge2", "rougeL")


def score(candidate: Sequence[str], reference: Sequence[str]) -> dict[str, PRF]:
    return {
        "rouge1": rouge_n(candidate, reference, 1),
        "rouge2": rouge_n(candidate, reference, 2),
        "rougeL": rouge_l(candidate, reference),
    }


def score_multi(candidate: Sequence[str], references: Sequence[Sequence[str]]) -> dict[str, PRF]:
    """Scores against each reference separately and averages P, R and F over the references."""
    if not references:
        raise ValueError("need at least one reference")
    per_ref = [score(candidate, ref) for ref in references]
    out: dict[str, PRF] = {}
    for m in METRICS:
        out[m] = PRF(
            sum(s[m].precision for s in per_ref) / len(per_ref),
            sum(s[m].recall for s in per_ref) / len(per_ref),
            sum(s[m].f1 for s in per_ref) / len(per_ref),
        )
    return out
