"""ROUGE of arsum's extractive summarizer against baselines on the EASC development part (../shared/eval/easc).

Every system picks K sentences per article, K = median sentence count of that article's references, from the
same sentences (bench/easc.py: hard-wrapped lines joined inside paragraphs, then arsum.text.arabic.split_sentences).
One scorer (bench/rouge.py) for all: tokens = arsum.text.arabic.tokenize (diacritics removed; alef forms, alef
maqsura and ta marbuta folded; words and numbers); ROUGE-1/2/L recall and F1 against each reference, averaged
over the article's references, then over articles.

Systems: arsum with the shipped weights (fitted on all of this part, so in-sample), arsum cross-validated
(each fold scored with weights and settings fitted on the other folds; nested), lead-K, sumy TextRank and
LexRank (Tokenizer("arabic") [needs pyarabic], Stemmer("arabic"), sumy's Arabic stop words), and a greedy
ROUGE-2 oracle. Writes nothing.

  python bench/eval_extractive.py [--folds 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if not os.environ.get("PYTHONPATH"):  # PYTHONPATH=OTHER_CHECKOUT measures that checkout's arsum (RESULTS "before")
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from easc import EASC_DIR, EascDoc, load_easc, raw_sentences  # noqa: E402
from fit_extractive import FOLDS, cross_validate, prepare, summary_indices  # noqa: E402
from rouge import METRICS, score_multi  # noqa: E402

from arsum.tasks.extractive import ExtractiveSummarizer  # noqa: E402
from arsum.text.arabic import tokenize  # noqa: E402

Picker = Callable[[EascDoc], list[int]]


def lead(doc: EascDoc) -> list[int]:
    return list(range(doc.k))


def oracle(doc: EascDoc) -> list[int]:
    """Greedy: add the sentence that most raises mean ROUGE-2 F1 against the references, until K."""
    chosen: list[int] = []
    for _ in range(doc.k):
        best, best_val = -1, -1.0
        for i in range(len(doc.sentences)):
            if i in chosen:
                continue
            cand = tokenize(" ".join(doc.sentences[j] for j in sorted([*chosen, i])))
            val = score_multi(cand, doc.reference_tokens)["rouge2"].f1
            if val > best_val:
                best, best_val = i, val
        chosen.append(best)
    return sorted(chosen)


def sumy_picker(kind: str) -> Picker:
    from sumy.models.dom import ObjectDocumentModel, Paragraph, Sentence
    from sumy.nlp.stemmers import Stemmer
    from sumy.nlp.tokenizers import Tokenizer
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.summarizers.text_rank import TextRankSummarizer
    from sumy.utils import get_stop_words

    tokenizer = Tokenizer("arabic")
    cls = TextRankSummarizer if kind == "textrank" else LexRankSummarizer
    summarizer = cls(Stemmer("arabic"))
    summarizer.stop_words = get_stop_words("arabic")

    def pick(doc: EascDoc) -> list[int]:
        sents = [Sentence(s, tokenizer) for s in doc.sentences]
        document = ObjectDocumentModel([Paragraph(sents)])
        ids = {id(s): i for i, s in enumerate(sents)}
        return sorted(ids[id(s)] for s in summarizer(document, doc.k))

    return pick


def cli_picker(summarizer: ExtractiveSummarizer) -> Picker:
    """What `arsum summarize FILE -n K` picks: the release the CLI reads, summarised by the CLI's call."""
    def pick(doc: EascDoc) -> list[int]:
        assert doc.release is not None
        return [s.index for s in summarizer.summarize(doc.release, count=doc.k).sentences]

    return pick


def raw_lead_scores(docs: Sequence[EascDoc]) -> dict[str, tuple[float, float]]:
    """First-K sentences of the raw file as the former loader cut them (no arsum parser): mean (recall, F1)."""
    sums = {m: [0.0, 0.0] for m in METRICS}
    for doc in docs:
        raw = raw_sentences((EASC_DIR / doc.id / "article.txt").read_text(encoding="utf-8"))
        s = score_multi(tokenize(" ".join(raw[: doc.k])), doc.reference_tokens)
        for m in METRICS:
            sums[m][0] += s[m].recall
            sums[m][1] += s[m].f1
    return {m: (v[0] / len(docs), v[1] / len(docs)) for m, v in sums.items()}


def arsum_picker(summarizer: ExtractiveSummarizer) -> Picker:
    def pick(doc: EascDoc) -> list[int]:
        return [s.index for s in summarizer.select(doc.sentences, doc.title, doc.k, paragraphs=doc.paragraphs)]

    return pick


def evaluate(docs: Sequence[EascDoc], pick: Picker) -> tuple[dict[str, tuple[float, float]], float]:
    """Mean (recall, F1) per metric over documents, and mean ms per document spent in `pick`."""
    sums = {m: [0.0, 0.0] for m in METRICS}
    spent = 0.0
    for doc in docs:
        t0 = time.perf_counter()
        picked = pick(doc)
        spent += time.perf_counter() - t0
        assert len(picked) == len(set(picked)) <= doc.k, (doc.id, picked)
        cand = tokenize(" ".join(doc.sentences[i] for i in picked))
        s = score_multi(cand, doc.reference_tokens)
        for m in METRICS:
            sums[m][0] += s[m].recall
            sums[m][1] += s[m].f1
    n = len(docs)
    return {m: (v[0] / n, v[1] / n) for m, v in sums.items()}, 1000.0 * spent / n


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--folds", type=int, default=FOLDS, help="folds for the cross-validated arsum row")
    args = ap.parse_args(argv)
    if not EASC_DIR.is_dir():
        sys.exit(f"EASC not found at {EASC_DIR}")

    docs = load_easc()
    prepared = prepare(docs)
    cv = cross_validate(prepared, args.folds)
    by_id = {p.doc.id: p for p in prepared}
    shipped = ExtractiveSummarizer()

    systems: list[tuple[str, Picker, bool]] = [
        ("arsum summarize FILE -n K (shipped weights, in-sample)", cli_picker(shipped), True),
        ("arsum (shipped weights, in-sample)", arsum_picker(shipped), True),
        (f"arsum ({args.folds}-fold nested CV)", lambda d: summary_indices(by_id[d.id], cv[d.id]), False),
        ("lead-K", lead, False),
        ("sumy TextRank", sumy_picker("textrank"), True),
        ("sumy LexRank", sumy_picker("lexrank"), True),
        ("oracle (greedy ROUGE-2)", oracle, False),
    ]
    n_sent = [len(d.sentences) for d in docs]
    print(
        f"EASC development part: {len(docs)} articles, {sum(n_sent)} sentences "
        f"(median {statistics.median(n_sent)}), K median {statistics.median(d.k for d in docs)}, "
        f"{sum(len(d.references) for d in docs)} references"
    )
    header = "| system | R-1 R | R-1 F | R-2 R | R-2 F | R-L R | R-L F | ms/doc |"
    print(header)
    print("|" + "---|" * 8)
    for name, pick, timed in systems:
        res, ms = evaluate(docs, pick)
        cells = " | ".join(f"{res[m][0]:.4f} | {res[m][1]:.4f}" for m in METRICS)
        print(f"| {name} | {cells} | {f'{ms:.1f}' if timed else '-'} |")
    for label, part in (("newspaper articles", [d for d in docs if "Newspaper" in d.source]),
                        ("Wikipedia articles", [d for d in docs if "Newspaper" not in d.source])):
        if not part:
            continue
        print(f"\n{label} ({len(part)}):")
        print(header)
        print("|" + "---|" * 8)
        for name, pick in (("arsum summarize FILE -n K", cli_picker(shipped)), ("lead-K", lead)):
            res, _ = evaluate(part, pick)
            print(f"| {name} | " + " | ".join(f"{res[m][0]:.4f} | {res[m][1]:.4f}" for m in METRICS) + " | - |")
        res = raw_lead_scores(part)
        print("| first-K of the raw file (former loader) | "
              + " | ".join(f"{res[m][0]:.4f} | {res[m][1]:.4f}" for m in METRICS) + " | - |")
    res = raw_lead_scores(docs)
    print("\nall: | first-K of the raw file (former loader) | "
          + " | ".join(f"{res[m][0]:.4f} | {res[m][1]:.4f}" for m in METRICS) + " | - |")
    settings = sorted({(str((w.info or {}).get("l2")), w.mmr_lambda) for w in cv.values()})
    print(f"CV: folds = documents sorted by id dealt round-robin; (l2, MMR lambda) picked per fold: {settings}")
    print(f"shipped weights: {shipped.weights.version}, mmr_lambda {shipped.weights.mmr_lambda}, "
          f"l2 {(shipped.weights.info or {}).get('l2')}")


if __name__ == "__main__":
    main()
