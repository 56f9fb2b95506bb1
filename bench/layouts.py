"""How many files, laid out as users really have them, are read right: built from ../shared/eval.

Every file goes through `arsum.text.inputs.releases_from_bytes`, the code `arsum summarize FILE` reads files with.
Layouts (each built from the real articles; nothing is copied into the project):

- spa-body-only: an SPA release without its headline (dateline first). Right: the title is not the dateline
  line and the dateline is found (equal to the dateline the release opens with).
- spa-feed: all SPA releases of ../shared/eval/spa in one file, back to back (no `---`), with no blank line
  between releases, with one, and with no blank line and every end marker and time stamp line removed. Right per true release: its headline is a record's title; per record:
  its title is a true headline.
- news-byline-under, news-byline-under-blank: newspaper headline, then the article's real byline (authors.tsv),
  with no blank line / a blank line, then a blank line and the body. Right: the title is the headline and the
  byline is not the subtitle (and, reported apart, the byline is found as `byline` or `dateline`).
- news-byline-first: the byline then the body, no headline. Right: the byline is not the title.
- spa-wrapped, news-wrapped: the release (headline, blank, body) with every body paragraph hard-wrapped at 72
  columns. Right: the title is the headline, no wrapped piece is the subtitle, and the body sentences are the
  same as those read from the unwrapped file (whitespace aside).
- easc: the EASC articles as distributed (hard-wrapped, no headline). Right: the title is not the opening
  fragment of a wrapped line (it is null, or a whole sentence ending in punctuation).

  python bench/layouts.py [--eval DIR] [--show N]

Run it with PYTHONPATH pointing at another checkout to measure that code (the "before" column of RESULTS.md).
"""

from __future__ import annotations

import argparse
import csv
import html
import os
import re
import sys
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path and not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(ROOT))

from arsum.errors import InputError  # noqa: E402
from arsum.text.inputs import releases_from_bytes  # noqa: E402

EVAL = ROOT.parent / "shared" / "eval"
_DESK = re.compile(r"^\s*[^\W\d_]+(?:[ \t]+[^\W\d_]+){0,2}[ \t]*/[ \t]+")
_WS = re.compile(r"\s+")
_WIRE_DATELINE = re.compile(r"الموافق.*(?:واس|\d{4}\s*م)")


def _squash(text: str | None) -> str:
    return _WS.sub(" ", html.unescape(text or "").replace("\u200f", "")).strip()


def read(text: str, name: str = "f.txt") -> list:
    out = []
    for item in releases_from_bytes(text.encode("utf-8"), source=name, name=name):
        if not isinstance(item, InputError):
            out.append(item)
    return out


@dataclass(frozen=True)
class Article:
    id: str
    headline: str  # as written, desk label included
    body: list[str]  # lines after the blank line under the headline


def articles(folder: Path) -> list[Article]:
    out = []
    for path in sorted(folder.glob("*.txt")):
        lines = path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n")
        head = lines[0].strip()
        body = lines[1:]
        while body and not body[0].strip():
            body.pop(0)
        while body and not body[-1].strip():
            body.pop()
        out.append(Article(path.stem, head, body))
    return out


def bare_title(headline: str) -> str:
    return _squash(_DESK.sub("", headline))


def _title_is(release, headline: str) -> bool:
    return _squash(release.title) == bare_title(headline)


@dataclass
class Tally:
    right: int = 0
    total: int = 0
    failures: list[str] | None = None

    def add(self, ok: bool, what: str) -> None:
        self.total += 1
        self.right += ok
        if not ok:
            (self.failures if self.failures is not None else []).append(what)

    def __str__(self) -> str:
        pct = 100 * self.right / self.total if self.total else 0.0
        return f"{self.right}/{self.total} ({pct:.1f}%)"


def _tally() -> Tally:
    return Tally(failures=[])


def spa_body_only(spa: list[Article]) -> Iterator[tuple[str, Tally]]:
    t, rest = _tally(), _tally()
    for a in spa:
        rs = read("\n".join(a.body) + "\n")
        first = a.body[0].strip()
        r = rs[0] if rs else None
        shown = f"{a.id}: title={r.title if r else None!r} dateline={r.dateline if r else None!r}"
        if not _WIRE_DATELINE.search(first[:140]):  # a later part of a multi-part release: no dateline to find
            rest.add(r is not None and r.title is None and r.dateline is None, shown)
            continue
        ok = r is not None and _squash(r.title) != _squash(first) and r.dateline is not None and \
            _squash(r.dateline) in _squash(first) and len(_squash(r.dateline)) >= 12
        t.add(ok, shown)
    yield "spa-body-only: no dateline as title, dateline found", t
    yield "spa-body-only, releases without a dateline (later parts): title null, no dateline", rest


_END = re.compile(r"^\s*(?://\s*\S+\s*//|\d{1,2}:\d{2}\s*ت\s*[مغ])\s*$")


def spa_feed(spa: list[Article], blank: bool, markers: bool = True) -> Iterator[tuple[str, Tally]]:
    gap = "\n\n" if blank else "\n"

    def body(a: Article) -> str:
        return "\n".join(ln for ln in a.body if markers or not _END.match(ln))

    text = gap.join(a.headline + "\n\n" + body(a) for a in spa) + "\n"
    rs = read(text)
    titles = {_squash(r.title) for r in rs}
    truth = {bare_title(a.headline) for a in spa}
    heads, recs = _tally(), _tally()
    for a in spa:
        heads.add(bare_title(a.headline) in titles, f"{a.id}: headline not a title: {bare_title(a.headline)}")
    for r in rs:
        recs.add(_squash(r.title) in truth, f"{r.id}: title {r.title!r}")
    count = Tally(right=len(rs), total=len(spa))
    suffix = " (blank line between releases)" if blank else ""
    suffix += "" if markers else " (end markers and time stamps removed)"
    yield f"spa-feed{suffix}: records / releases", count
    yield f"spa-feed{suffix}: true headlines that are a record's title", heads
    yield f"spa-feed{suffix}: records whose title is a true headline", recs


def _authors(folder: Path) -> dict[str, str]:
    with (folder / "authors.tsv").open(encoding="utf-8") as fh:
        rows = csv.reader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)  # no header: id, author
        return {row[0]: (row[1] if len(row) > 1 else "").strip() for row in rows if row}


_PAPER_ONLY = re.compile(r"^[|\s]|^\W*$")


def _usable_byline(author: str) -> bool:
    """A byline as a reader would see it under a headline: not empty, not a bare date (`| Tuesday, …`)."""
    return bool(author) and not _PAPER_ONLY.match(author) and any("\u0600" <= c <= "\u06ff" for c in author)


def news_byline(news: list[Article], authors: dict[str, str], layout: str) -> Iterator[tuple[str, Tally]]:
    t, found = _tally(), _tally()
    for a in news:
        by = authors.get(a.id, "")
        if not _usable_byline(by) or (a.body and _squash(a.body[0]).startswith(_squash(by.rstrip(" :")))):
            continue  # no byline, or the body already opens with it
        body = "\n".join(a.body)
        if layout == "first":
            rs = read(by + "\n" + body + "\n")
            ok = bool(rs) and _squash(rs[0].title) != _squash(by)
            t.add(ok, f"{a.id}: title={rs[0].title if rs else None!r}")
            continue
        gap = "\n\n" if layout == "blank" else "\n"
        rs = read(a.headline + gap + by + "\n\n" + body + "\n")
        r = rs[0] if rs else None
        ok = r is not None and _title_is(r, a.headline) and _squash(r.subtitle) != _squash(by)
        t.add(ok, f"{a.id}: title={r.title if r else None!r} subtitle={r.subtitle if r else None!r} by={by!r}")
        where = _squash((r.byline or "") + " " + (r.dateline or "")) if r else ""
        found.add(bool(r) and _squash(by.rstrip(" :")) in where, f"{a.id}: byline={r.byline if r else None!r} "
                  f"dateline={r.dateline if r else None!r} by={by!r}")
    names = {"under": "news-byline-under", "blank": "news-byline-under-blank", "first": "news-byline-first"}
    what = "byline not the title" if layout == "first" else "headline is title, byline not subtitle"
    yield f"{names[layout]}: {what}", t
    if layout != "first":
        yield f"{names[layout]}: byline found (byline or dateline field)", found


def _wrap(lines: list[str]) -> str:
    out = []
    for ln in lines:
        if not ln.strip():
            out.append("")
            continue
        out.extend(textwrap.wrap(ln.strip(), width=72, break_long_words=False, break_on_hyphens=False) or [""])
    return "\n".join(out)


def wrapped(arts: list[Article], label: str) -> Iterator[tuple[str, Tally]]:
    t = _tally()
    for a in arts:
        plain = read(a.headline + "\n\n" + "\n".join(a.body) + "\n")
        rs = read(a.headline + "\n\n" + _wrap(a.body) + "\n")
        if not rs or not plain:
            t.add(False, f"{a.id}: nothing read")
            continue
        r = rs[0]
        same = [_squash(s.text) for s in r.sentences] == [_squash(s.text) for s in plain[0].sentences]
        ok = _title_is(r, a.headline) and _squash(r.subtitle) == _squash(plain[0].subtitle) and same
        t.add(ok, f"{a.id}: title={r.title!r} subtitle={r.subtitle!r} sentences {len(r.sentences)} vs "
              f"{len(plain[0].sentences)}")
    yield f"{label}-wrapped: title, subtitle and sentences as unwrapped", t


_TERMINAL = re.compile(r"[.!?؟…][\"'”’»)\]]*$")


def easc(folder: Path) -> Iterator[tuple[str, Tally]]:
    t = _tally()
    for d in sorted(p for p in folder.iterdir() if p.is_dir()):
        text = (d / "article.txt").read_text(encoding="utf-8")
        rs = read(text)
        first = text.strip().split("\n")[0].strip()
        title = _squash(rs[0].title) if rs else ""
        ok = bool(rs) and (not title or (title != _squash(first) or _TERMINAL.search(first) is not None))
        t.add(ok, f"{d.name}: title={rs[0].title if rs else None!r}")
    yield "easc (hard-wrapped, no headline): title not a wrapped fragment", t


def run(root: Path) -> list[tuple[str, Tally]]:
    spa = articles(root / "spa")
    news = articles(root / "newspapers")
    authors = _authors(root / "newspapers")
    steps: list[Callable[[], Iterator[tuple[str, Tally]]]] = [
        lambda: spa_body_only(spa),
        lambda: spa_feed(spa, blank=False),
        lambda: spa_feed(spa, blank=True),
        lambda: spa_feed(spa, blank=False, markers=False),
        lambda: news_byline(news, authors, "under"),
        lambda: news_byline(news, authors, "blank"),
        lambda: news_byline(news, authors, "first"),
        lambda: wrapped(spa, "spa"),
        lambda: wrapped(news, "news"),
        lambda: easc(root / "easc"),
    ]
    return [row for step in steps for row in step()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--eval", type=Path, default=EVAL)
    ap.add_argument("--show", type=int, default=0, help="print up to N failures per layout")
    args = ap.parse_args()
    if not (args.eval / "spa").is_dir():
        sys.exit(f"layouts: {args.eval} has no spa/ folder (../shared/eval is needed)")
    import arsum

    print(f"arsum from {Path(arsum.__file__).parent}; load average {os.getloadavg()}")
    for label, tally in run(args.eval):
        print(f"{tally!s:>18}  {label}")
        for f in (tally.failures or [])[: args.show]:
            print(f"{'':>20}- {f[:220]}")


if __name__ == "__main__":
    main()
