"""Count defective units in arsum's Arabic summaries over ../shared/eval/spa and ../shared/eval/newspapers.

A unit is what a reader sees: one body sentence (or clause piece) of a release. Every release is parsed and
summarised with the default settings; each summary unit is checked by the rules below, written here on their own
(shapes of the text, not arsum's parsing code), so a parser bug is not also a checker bug. `--all` checks every
body unit, not only the summaries.

Defect kinds:
  fragment       a piece cut inside a sentence: ends on a comma, starts with punctuation, or stops mid-line
                 without a terminator and not at a clause boundary (the next piece does not open a clause)
  short          under 3 words while its source line is longer
  end_marker     // انتهى // or // يتبع // in any spelling (tatweel, hamza, slashes), or the NNNN end code
  timestamp      a clock time with ت م / ت غ / GMT
  dateline       an agency tag (واس) or a city + Hijri/Gregorian date opening
  part_label     إضافة أولى … إضافة خامسة وأخيرة
  byline         a short `name – city` / `متابعات` line
  caption        photo captions and credits (تصوير, عدسة, الصورة)
  web            web leftovers (Next, Previous, سمات tag lists, اقرأ أيضا, http)
  heading        a list heading alone (أولاً :, ثانياً -, 1-)
  abbreviation   a piece ending or starting inside an abbreviation in Arabic letters (بي. بي. سي, د.)
  glued          a missed boundary: a dot glued to the next sentence (3 words or more) after a digit, % or a quote
  line_cut       a sentence cut at a line break: the unit stops without a terminator and the next line goes on
                 with a relative, a bracket or a comma

  python bench/check_units.py [--all] [--examples 3]
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from arsum.tasks.extractive import ExtractiveSummarizer
from arsum.text.release import Release
from arsum.text.releases import parse_releases

EVAL = ROOT.parent / "shared" / "eval"
SETS = ("spa", "newspapers")

_WORD = re.compile(r"[^\W_]+")
_TERMINAL_END = re.compile(r"[.!?؟…:؛][\"'”’»›)\]}]*\s*$")
_CLAUSE_OPENERS = re.compile(
    r"^(?:و\S+|ف\S+|حيث|كما|إذ|اذ|إذا|بينما|فيما|مما|لكن|غير|ثم|مشير\S*|مؤكد\S*|موضح\S*|لافت\S*|مضيف\S*|منوه\S*"
    r"|معرب\S*|داعي\S*|مبين\S*|عاد\S*|معتبر\S*|إلا|الا|بل|الأمر|التي|الذي|الذين|بعد|قبل|ليتم|لت\S+|لي\S+|وذلك|ما|من|في|عبر)$"
)
_END_MARKER = re.compile(r"/\s*/?\s*[اإأ]?\s*ن\s*ت\s*ه[\u0640\s]*[ىي]|يـ*تـ*بـ*ع\s*/|\bN{3,}\b|\bنتهى\b")
_TIMESTAMP = re.compile(r"(?<!\d)\d{1,2}\s*:\s*\d{2}\s*(?:ت\s*[مغ]|GMT|UTC)")
_DATELINE = re.compile(
    r"(?<![^\W\d_])\(?واس\)?(?![^\W\d_])|^\S+(?:\s\S+)?\s+\d{1,2}\s+\S+\s+14\d\d\s*هـ?"
)
_PART = re.compile(r"^[اإ]ضافة\s+\S+(?:\s+و?[اأ]خيرة)?\s*[.:]?$")
_BYLINE = re.compile(r"^[^\d.،]{2,40}\s[–—-]\s*[^\d.،]{2,25}$|^\S+\s?[–—-]\s?\S+$|متابعات|^(?:خاص|كتب|بقلم)\b")
_CAPTION = re.compile(r"\(\s*تصوير|تصوير\s*[:/]|^تصوير\s|عدسة\s*[:/]|\(الصورة|الصورة\s*:|صورة\s*(?:أرشيفية|ارشيفية)")
_WEB = re.compile(r"\b(?:Next|Previous|Share|Tweet)\b|^سمات\s|\sسمات\s|اقرأ أيضا|اقرأ ايضا|شارك(?:ها)?\s*:")
_ORDINALS = (
    "أول|اول|ثان|ثالث|رابع|خامس|سادس|سابع|ثامن|تاسع|عاشر|حادي عشر|ثاني عشر"
)
_HEADING = re.compile(rf"^(?:(?:{_ORDINALS})[اًٌ]*|\d{{1,2}}|[أ-ي])\s*[-:.)]?\s*[:\-–]?\s*$")
_LETTER_NAMES = re.compile(
    r"(?:^|\s)(?:بي|سي|إم|ام|جيه|اكس|إكس|إف|اف|دي|تي|إن|ان|إس|اس|إل|ال|كيه|آر|ار|يو|واي|زد|جي|أو|او|[ء-ي])\s*\.$"
)
_LETTER_START = re.compile(r"^(?:بي|سي|اكس|إكس|جيه|دي|تي|إم|[ء-ي])\s*\.")
_GLUED = re.compile(r"[\d%\"”»)]\.(?=[\u0621-\u064A])(?P<rest>[^.!?؟]*)")
_GOES_ON = re.compile(r"^\s*(?:[(،,]|و?(?:التي|الذي|الذين)\s)")


def words(text: str) -> int:
    return len(_WORD.findall(text))


def _next_text(source: str, unit: str) -> str:
    """What follows `unit` in the source file, up to 300 characters (empty when not found verbatim)."""
    at = source.find(unit, source.find("\n"))  # the body: not the title line
    return "" if at < 0 else source[at + len(unit): at + len(unit) + 300]


def _fragment(unit: str, after: str) -> bool:
    if re.match(r"^[،,.!?؟:;؛)]", unit):
        return True
    if re.search(r"[،,]\s*$", unit):
        return True
    rest = after.lstrip(" \t،,")
    if not rest or _TERMINAL_END.search(unit) or after[:1] == "\n":
        return False
    first = rest.split(maxsplit=1)[0] if rest.split() else ""
    return not (_CLAUSE_OPENERS.match(first) and words(unit) >= 3 and words(rest) >= 3)


def _line_cut(unit: str, after: str) -> bool:
    """The unit ends a line without a terminator and the next line continues its sentence."""
    return after.startswith("\n") and not _TERMINAL_END.search(unit) and words(unit) >= 4 and bool(
        _GOES_ON.match(after.lstrip("\n")))


Rule = Callable[[str, str, str, int], bool]
RULES: dict[str, Rule] = {
    "fragment": lambda u, p, after, i: _fragment(u, after),
    "short": lambda u, p, after, i: words(u) < 3 and words(p) > words(u),
    "end_marker": lambda u, p, after, i: bool(_END_MARKER.search(u)),
    "timestamp": lambda u, p, after, i: bool(_TIMESTAMP.search(u)),
    "dateline": lambda u, p, after, i: bool(_DATELINE.search(u)),
    "part_label": lambda u, p, after, i: bool(_PART.match(u.strip())),
    "byline": lambda u, p, after, i: i == 0 and words(u) <= 6 and bool(_BYLINE.search(u.strip())),
    "caption": lambda u, p, after, i: bool(_CAPTION.search(u)),
    "web": lambda u, p, after, i: bool(_WEB.search(u)),
    "heading": lambda u, p, after, i: bool(_HEADING.match(u.strip())),
    "abbreviation": lambda u, p, after, i: bool(_LETTER_NAMES.search(u.strip()) and _LETTER_START.match(after.lstrip()))
    or bool(_LETTER_START.match(u) and words(u) <= 2),
    "glued": lambda u, p, after, i: any(words(m.group("rest")) >= 3 for m in _GLUED.finditer(u)),
    "line_cut": lambda u, p, after, i: _line_cut(u, after),
}


def releases(folder: Path) -> Iterator[tuple[Release, str]]:
    for path in sorted(folder.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        for release in parse_releases(text, source=path.name, name=path.name, encoding="utf-8"):
            yield release, text


def check(release: Release, source: str, all_units: bool, summarizer: ExtractiveSummarizer) -> list[tuple[str, str]]:
    """(kind, unit text) for every defect among the release's summary (or all) units."""
    if all_units:
        picked = [s.index for s in release.sentences]
    else:
        picked = [s.index for s in summarizer.summarize(release).sentences]
    out = []
    for i in picked:
        s = release.sentences[i]
        para = release.paragraphs[s.paragraph]
        after = _next_text(source, s.text)
        for kind, rule in RULES.items():
            if rule(s.text, para, after, s.index):
                out.append((kind, s.text))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--all", action="store_true", help="check every body unit, not only the summaries")
    ap.add_argument("--examples", type=int, default=2, help="examples printed per defect kind")
    ap.add_argument("--eval", type=Path, default=EVAL, help="folder holding spa/ and newspapers/")
    args = ap.parse_args()
    summarizer = ExtractiveSummarizer()
    total_bad = 0
    for name in SETS:
        kinds: Counter[str] = Counter()
        examples: dict[str, list[str]] = defaultdict(list)
        n_rel = n_bad_rel = n_units = 0
        for release, source in releases(args.eval / name):
            n_rel += 1
            n_units += len(release.sentences) if args.all else len(summarizer.summarize(release).sentences)
            found = check(release, source, args.all, summarizer)
            if found:
                n_bad_rel += 1
            for kind, text in found:
                kinds[kind] += 1
                if len(examples[kind]) < args.examples:
                    examples[kind].append(f"{release.id}: {text[:160]!r}")
        total_bad += sum(kinds.values())
        what = "units" if args.all else "summary units"
        print(f"{name}: {n_rel} releases, {n_units} {what}; releases with a defective unit: "
              f"{n_bad_rel} ({100.0 * n_bad_rel / max(1, n_rel):.1f}%); defects: {sum(kinds.values())}")
        for kind in RULES:
            if kinds[kind]:
                print(f"  {kind:13s} {kinds[kind]:4d}")
                for ex in examples[kind]:
                    print(f"      {ex}")
    print(f"total defects: {total_bad}")


if __name__ == "__main__":
    main()
