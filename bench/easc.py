"""EASC loader shared by the evaluation and fitting scripts: one segmentation and one reference repair for all.

Decisions (see ../shared/eval/README.md for the corpus quirks):
- Articles are read by the code `arsum summarize FILE` reads a file with (`arsum.text.inputs.releases_from_bytes`
  on the file's bytes): hard-wrapped newspaper lines reflowed, headline found by shape (none of the 51 has one:
  `title` is None), bylines and datelines set aside, sentences as the CLI cuts them. Every system chooses from
  these sentences, and `EascDoc.release` is what the CLI summarises, so the README's ROUGE table is the CLI's.
- `split_article` is the former loader's own segmentation (lines joined inside paragraphs, `split_sentences` per
  paragraph), kept for the first-K baseline on the raw files that does not depend on arsum's parser.
- References drop the line break without a space ("العلوم\\nالاجتماعية" -> "العلومالاجتماعية"): every
  reference token equal to the normalised concatenation of the two words around one of the article's line
  breaks is split back into the two words. Alef forms etc. are folded by `arsum.text.arabic.normalize`.
- Reference sentence counts and labels: an article sentence is "in" a reference when the longest common
  substring of the two (normalised, tokens concatenated without separators) covers at least half of the
  sentence. K = median over references of that count (at least 1); a sentence's label is the share of
  references that contain it.
"""

from __future__ import annotations

import csv
import difflib
import math
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from arsum.text.arabic import normalize, split_sentences, tokenize
from arsum.text.inputs import releases_from_bytes
from arsum.text.release import Release

EASC_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "eval" / "easc"
COVER = 0.5

_PARA_END = re.compile(r"[.!?؟؛:…][\"'”’»)\]]*\s*$")
_PARA_START = re.compile(r"^(\s|[-–•*])")


@dataclass(frozen=True)
class EascDoc:
    id: str
    source: str
    title: str | None
    sentences: tuple[str, ...]
    paragraphs: tuple[int, ...]
    references: tuple[str, ...]
    reference_tokens: tuple[tuple[str, ...], ...]
    labels: tuple[float, ...]
    k: int
    release: Release | None = None  # the article as `arsum summarize FILE` reads it


def split_article(text: str) -> tuple[str | None, list[str]]:
    """(title, paragraphs) with hard-wrapped lines joined."""
    lines = text.replace("\r\n", "\n").split("\n")
    title = None
    if len(lines) > 1 and lines[0].strip() and not lines[1].strip():
        first = lines[0].strip()
        if len(first.split()) <= 12 and not _PARA_END.search(first):
            title, lines = first, lines[1:]
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if not line.strip():
            if current:
                paragraphs.append(" ".join(current))
                current = []
            continue
        if current and _PARA_START.match(line):
            paragraphs.append(" ".join(current))
            current = []
        current.append(line.strip())
        if _PARA_END.search(line):
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return title, paragraphs


def _joined_words(text: str) -> dict[str, str]:
    """Normalised 'left+right' -> 'left right' for the two words around each line break of the article."""
    out: dict[str, str] = {}
    lines = [ln for ln in text.split("\n")]
    for a, b in zip(lines, lines[1:]):
        left, right = a.split(), b.split()
        if left and right:
            l, r = normalize(left[-1]), normalize(right[0])
            out[l + r] = f"{l} {r}"
    return out


def repair_reference(reference: str, article: str) -> str:
    joined = _joined_words(article)
    return " ".join(joined.get(tok, tok) for tok in normalize(reference).split())


def coverage(sentence: str, reference_key: str) -> float:
    key = "".join(tokenize(sentence))
    if not key:
        return 0.0
    sm = difflib.SequenceMatcher(None, key, reference_key, autojunk=False)
    return sm.find_longest_match(0, len(key), 0, len(reference_key)).size / len(key)


def read_release(path: Path) -> Release:
    """The article as the CLI reads the file: one release (the first, should a file ever be cut into several)."""
    items = list(releases_from_bytes(path.read_bytes(), source=str(path), name=path.name))
    releases = [r for r in items if isinstance(r, Release)]
    if not releases:
        raise SystemExit(f"{path}: {items[0] if items else 'nothing read'}")
    return releases[0]


def raw_sentences(text: str) -> list[str]:
    """The former loader's sentences of a raw article (split_article, then split_sentences per paragraph)."""
    return [s for para in split_article(text)[1] for s in split_sentences(para)]


def load_doc(folder: Path, source: str = "") -> EascDoc:
    path = folder.joinpath("article.txt")
    article = path.read_text(encoding="utf-8")
    release = read_release(path)
    title = release.title
    sentences = [s.text for s in release.sentences]
    para_of = [s.paragraph for s in release.sentences]
    refs = [
        repair_reference(f.read_text(encoding="utf-8"), article)
        for f in sorted(folder.glob("reference_*.txt"))
    ]
    ref_keys = ["".join(tokenize(r)) for r in refs]
    member = [[coverage(s, rk) >= COVER for s in sentences] for rk in ref_keys]
    counts = [sum(m) for m in member]
    k = max(1, math.ceil(statistics.median(counts))) if counts else 1
    labels = tuple(sum(m[i] for m in member) / len(member) for i in range(len(sentences)))
    return EascDoc(
        id=folder.name,
        source=source,
        title=title,
        sentences=tuple(sentences),
        paragraphs=tuple(para_of),
        references=tuple(refs),
        reference_tokens=tuple(tuple(tokenize(r)) for r in refs),
        labels=labels,
        k=min(k, len(sentences)),
        release=release,
    )


def load_easc(root: Path = EASC_DIR) -> list[EascDoc]:
    sources: dict[str, str] = {}
    index = root / "index.tsv"
    if index.exists():
        with index.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                sources[row["doc_id"]] = row.get("source_name", "")
    return [load_doc(d, sources.get(d.name, "")) for d in sorted(root.iterdir()) if d.is_dir()]
