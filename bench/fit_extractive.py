"""Fit the extractive ranker on the EASC development part, cross-validated, and write the shipped weights.

Model: a linear score w . z(x) over arsum.tasks.extractive.FEATURE_NAMES (z: standardised with the training
sentences' mean and standard deviation), fitted with a listwise softmax loss (ListNet, top-1): inside each
document the softmax of the scores should match the distribution of the annotators' choices (label = share
of the five references that contain the sentence). L2-regularised, convex, solved by Newton's method, so the
fit is deterministic. Only the content features are L2-penalised: the position features (POSITION_FEATURES) are
left (almost) free, so the strongest L2, infinity, is a pure position ranker; its fitted weights decrease with
the index, i.e. it is lead-K, and the model family always contains the lead baseline. The L2 strength and the MMR lambda are picked from small grids by an inner
cross-validation (ROUGE-2 F1) on the training documents only, so the reported CV score is nested: no test
fold ever influences its own weights or settings.

  python bench/fit_extractive.py            # 5-fold CV report, then fit on all and write the weights
  python bench/fit_extractive.py --no-write # CV report only
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from easc import EascDoc, load_easc  # noqa: E402
from rouge import score_multi  # noqa: E402

from arsum.tasks.extractive import (  # noqa: E402
    FEATURE_NAMES,
    DocumentModel,
    RankerWeights,
    document_model,
    select_content,
    sentence_features,
)
from arsum.text.arabic import tokenize  # noqa: E402

WEIGHTS_PATH = ROOT / "arsum" / "data" / "extractive_weights.json"
VERSION = "easc-dev-listnet-3"
# L2 on the content features only; inf = content weights fixed at 0 (position only, i.e. lead-K).
L2_GRID = (1.0, 10.0, 100.0, math.inf)
POSITION_FEATURES = ("first", "pos_inv", "pos_rel")
_FREE_L2 = 1e-6  # ridge on the position weights: keeps Newton's system well posed, nothing more
LAMBDAS = (0.7, 0.8, 0.9, 1.0)
FOLDS = 5
INNER_FOLDS = 4


@dataclass(frozen=True)
class Prepared:
    doc: EascDoc
    x: np.ndarray
    model: DocumentModel


def prepare(docs: Sequence[EascDoc]) -> list[Prepared]:
    """Features and similarity rows computed once per document: the grids below reuse them many times."""
    out = []
    for d in docs:
        m = document_model(d.sentences)
        x = np.asarray(sentence_features(d.sentences, d.title, d.paragraphs, m), dtype=float)
        out.append(Prepared(d, x, m))
    return out


def fold_of(i: int, folds: int) -> int:
    """Documents sorted by id, dealt round-robin: fixed, and mixes Wikipedia and newspaper articles."""
    return i % folds


def fit_linear(train: Sequence[Prepared], l2: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ListNet weights (standardised space), mean, scale; `l2` penalises content features only."""
    xs = np.vstack([p.x for p in train])
    mean = xs.mean(axis=0)
    scale = xs.std(axis=0)
    scale[scale < 1e-9] = 1.0
    data = []
    for p in train:
        y = np.asarray(p.doc.labels, dtype=float)
        if y.sum() <= 0 or len(y) < 2:
            continue
        data.append(((p.x - mean) / scale, y / y.sum()))
    n_docs = max(1, len(data))
    free = np.array([name in POSITION_FEATURES for name in FEATURE_NAMES])
    active = free if math.isinf(l2) else np.ones(len(FEATURE_NAMES), dtype=bool)
    reg = np.where(free, _FREE_L2, 0.0 if math.isinf(l2) else l2)[active]
    data = [(z[:, active], q) for z, q in data]
    w = np.zeros(int(active.sum()))
    for _ in range(100):
        grad = reg * w
        hess = np.diag(reg)
        for z, q in data:
            s = z @ w
            e = np.exp(s - s.max())
            prob = e / e.sum()
            grad += z.T @ (prob - q) / n_docs
            hess += (z.T * prob) @ z / n_docs - np.outer(z.T @ prob, z.T @ prob) / n_docs
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-10:
            break
    full = np.zeros(len(FEATURE_NAMES))
    full[active] = w
    return full, mean, scale


def summary_indices(p: Prepared, weights: RankerWeights) -> list[int]:
    w, mean, scale = (np.asarray(v, dtype=float) for v in weights.as_lists())
    scores = ((p.x - mean) / scale) @ w
    return select_content(p.doc.sentences, p.model, list(scores), p.doc.k, weights.mmr_lambda)


def rouge2_f(p: Prepared, picked: Sequence[int]) -> float:
    cand = tokenize(" ".join(p.doc.sentences[i] for i in sorted(picked)))
    return score_multi(cand, p.doc.reference_tokens)["rouge2"].f1


def _weights(w: np.ndarray, mean: np.ndarray, scale: np.ndarray, lam: float, **kw: object) -> RankerWeights:
    return RankerWeights(
        VERSION, FEATURE_NAMES, tuple(float(x) for x in w), lam,
        tuple(float(x) for x in mean), tuple(float(x) for x in scale), **kw,  # type: ignore[arg-type]
    )


def select_settings(
    train: Sequence[Prepared], folds: int = INNER_FOLDS, l2_grid: Sequence[float] = L2_GRID,
    lambdas: Sequence[float] = LAMBDAS,
) -> tuple[float, float, dict[tuple[float, float], float]]:
    """(l2, lambda) with the best inner-CV ROUGE-2 F1 on `train`; ties go to the first in grid order."""
    table: dict[tuple[float, float], list[float]] = {(l2, lam): [] for l2 in l2_grid for lam in lambdas}
    for f in range(folds):
        inner_train = [p for i, p in enumerate(train) if fold_of(i, folds) != f]
        inner_test = [p for i, p in enumerate(train) if fold_of(i, folds) == f]
        for l2 in l2_grid:
            w, mean, scale = fit_linear(inner_train, l2)
            for lam in lambdas:
                cand = _weights(w, mean, scale, lam)
                table[(l2, lam)].extend(rouge2_f(p, summary_indices(p, cand)) for p in inner_test)
    means = {k: float(np.mean(v)) for k, v in table.items()}
    best = max(means, key=lambda k: (means[k], -list(means).index(k)))
    return best[0], best[1], means


def l2_label(l2: float) -> float | str:
    """JSON-safe L2 for the weights' info ("inf" = position only)."""
    return "inf" if math.isinf(l2) else l2


def fit(train: Sequence[Prepared], **info: object) -> RankerWeights:
    l2, lam, _ = select_settings(train)
    w, mean, scale = fit_linear(train, l2)
    return _weights(w, mean, scale, lam, info={"l2": l2_label(l2), **info})


def cross_validate(prepared: Sequence[Prepared], folds: int = FOLDS) -> dict[str, RankerWeights]:
    """Weights for each document fitted (with nested setting selection) without its fold: doc id -> weights."""
    out: dict[str, RankerWeights] = {}
    for f in range(folds):
        train = [p for i, p in enumerate(prepared) if fold_of(i, folds) != f]
        weights = fit(train)
        for i, p in enumerate(prepared):
            if fold_of(i, folds) == f:
                out[p.doc.id] = weights
    return out


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=FOLDS)
    ap.add_argument("--no-write", action="store_true", help="report CV only, keep the shipped weights")
    args = ap.parse_args(argv)

    prepared = prepare(load_easc())
    cv = cross_validate(prepared, args.folds)
    cv_r2 = float(np.mean([rouge2_f(p, summary_indices(p, cv[p.doc.id])) for p in prepared]))
    settings = sorted({(str((w.info or {}).get("l2")), w.mmr_lambda) for w in cv.values()})
    print(f"{args.folds}-fold nested CV ROUGE-2 F1: {cv_r2:.4f}; (l2, lambda) chosen per fold: {settings}")

    l2, lam, grid = select_settings(prepared, folds=args.folds)
    print(f"{args.folds}-fold CV grid on all documents (ROUGE-2 F1), used only to pick the shipped settings:")
    for (g_l2, g_lam), v in grid.items():
        mark = " <-" if (g_l2, g_lam) == (l2, lam) else ""
        print(f"  l2 {g_l2:6.1f} lambda {g_lam:.1f}: {v:.4f}{mark}")
    w, mean, scale = fit_linear(prepared, l2)
    full = _weights(
        w, mean, scale, lam,
        info={
            "fitted_on": "EASC development part (51 articles); listwise softmax; label = share of references; "
            "L2 on content features only",
            "l2": l2_label(l2),
            "cv_folds": args.folds,
            "nested_cv_rouge2_f1": round(cv_r2, 4),
            "command": "python bench/fit_extractive.py",
        },
    )
    in_r2 = float(np.mean([rouge2_f(p, summary_indices(p, full)) for p in prepared]))
    print(f"shipped: l2 {l2}, mmr_lambda {lam}; ROUGE-2 F1 on the development part (in-sample) {in_r2:.4f}")
    for name, wt in zip(FEATURE_NAMES, full.weights):
        print(f"  {name:12s} {wt:+.4f}")
    if not args.no_write:
        WEIGHTS_PATH.parent.mkdir(parents=True, exist_ok=True)
        WEIGHTS_PATH.write_text(json.dumps(full.to_dict(), indent=2) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
