"""`-f html`: one self-contained right-to-left page for every command (summarize, translate, check, digest).

What a desk pastes into its CMS or mails around: `dir="rtl"`, Arabic fonts declared (the reader's own, no web
fonts), no external resource of any kind (a Content-Security-Policy forbids them), every string from an input
escaped and isolated (`dir="auto"`) so neither markup nor bidi controls in a release can change the page.
Summaries and translations stream: the page head is written first, one article per release as it is made.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Any, TextIO

from arsum import __version__
from arsum.cli.labels import (
    SUPPORT_LEGEND,
    desk_name,
    desks,
    pair_status,
    score_text,
    story_when,
    support_note,
)
from arsum.errors import escape_controls
from arsum.tasks.results import Item, ReleaseSummary, ReleaseTranslation

BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
"""Characters that change the direction of what follows: stripped from pages, escaped on terminals."""

_STYLE = """
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6474; --rule: #d9dde5; --accent: #0b5cad; --warn: #a15c00; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 60rem; padding: 1.5rem; color: var(--ink); background: #fff; line-height: 1.7;
  font-family: "Noto Naskh Arabic", "Noto Sans Arabic", "Amiri", "Scheherazade New", "Geeza Pro", "Traditional Arabic",
  "Arabic Typesetting", "Segoe UI", Tahoma, "DejaVu Sans", sans-serif; font-size: 17px; }
[lang="en"], .ltr { font-family: "Segoe UI", "Helvetica Neue", Arial, "DejaVu Sans", sans-serif; font-size: 15px; }
header { border-bottom: 3px solid var(--ink); margin-bottom: 1rem; }
h1 { font-size: 1.6rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2rem 0 .5rem; padding-bottom: .25rem; border-bottom: 1px solid var(--rule);
  color: var(--accent); }
h3 { font-size: 1.1rem; margin: 0 0 .25rem; }
article { padding: .75rem 0 1rem; border-bottom: 1px solid var(--rule); }
.meta { color: var(--muted); font-size: .85rem; margin: 0 0 .4rem; }
.meta span + span::before { content: " · "; }
.count { display: inline-block; min-width: 1.6rem; padding: 0 .4rem; border-radius: .8rem; background: var(--accent);
  color: #fff; text-align: center; font-weight: bold; }
ol.summary, ul.members { margin: .25rem 0; padding-inline-start: 1.4rem; }
.english { direction: ltr; text-align: left; background: #f5f7fa; padding: .4rem .8rem; border-radius: .3rem; }
.weak { color: var(--warn); }
.note { color: var(--warn); font-size: .85rem; }
details summary { cursor: pointer; color: var(--muted); font-size: .9rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0; }
th, td { border: 1px solid var(--rule); padding: .3rem .5rem; vertical-align: top; text-align: start; }
th { background: #f0f2f6; }
footer { color: var(--muted); font-size: .8rem; margin-top: 2rem; }
"""


def text(value: object) -> str:
    """Any value as page text: control and bidi characters out, then HTML-escaped (quotes too)."""
    cleaned = BIDI_CONTROLS.sub("", escape_controls(str(value), keep="\n\t"))
    return html.escape(cleaned, quote=True)


def auto(value: object, tag: str = "span", cls: str | None = None) -> str:
    """A string in its own direction-isolated element, so an English title or a number never reorders its line."""
    attr = f' class="{cls}"' if cls else ""
    return f'<{tag} dir="auto"{attr}>{text(value)}</{tag}>'


def page_head(title: str, subtitle: str = "") -> str:
    """The start of a page: doctype, language and direction, fonts and styles inline, no external resource."""
    sub = f'<p class="meta">{text(subtitle)}</p>' if subtitle else ""
    return (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl">\n<head>\n<meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'; '
        'img-src data:">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="arsum {text(__version__)}">\n'
        f"<title>{text(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{text(title)}</h1>{sub}</header>\n<main>\n"
    )


def page_foot() -> str:
    return f'</main>\n<footer dir="ltr" class="ltr">arsum {text(__version__)}</footer>\n</body>\n</html>\n'


def _meta(*parts: str | None) -> str:
    shown = [p for p in parts if p]
    return f'<p class="meta">{"".join(f"<span>{p}</span>" for p in shown)}</p>' if shown else ""


def _support(support: float | None, flags: Iterable[str], sources: tuple[int, ...] = ()) -> str:
    """The label every human format gives a score (closeness of meaning, sentences from 1, never -0.00)."""
    flags = tuple(flags)
    if support is None:  # a blank line of `check --aligned`: say what is missing, if anything
        return f' <small class="weak">[{text(pair_status(support, flags))}]</small>' if flags else ""
    weak = any(f.startswith("low-support") for f in flags)
    return f' <small class="{"weak" if weak else "meta"}">[{text(support_note(support, flags, sources))}]</small>'


def _notes(warnings: Iterable[str]) -> str:
    return "".join(f'<p class="note" dir="auto">{text(w)}</p>' for w in warnings)


def arabic_list(sentences: Iterable[Any]) -> str:
    items = "".join(f"<li>{text(s.text)}</li>" for s in sentences)
    return f'<ol class="summary">{items}</ol>' if items else ""


def english_block(summary: Any) -> str:
    """An English summary, left to right, each sentence with its support."""
    if summary is None:
        return ""
    body = " ".join(f"{text(s.text)}{_support(s.support, s.flags, s.sources)}" for s in summary.sentences) or text(
        summary.text)
    return f'<p class="english" lang="en" dir="ltr">{body}</p>'


class HtmlRenderer:
    """summarize and translate as one page, an article per release, written as each release is done."""

    def __init__(self, stream: TextIO, title: str = "arsum") -> None:
        self.stream = stream
        self.stream.write(page_head(title))
        self.stream.flush()

    def write(self, item: Item) -> None:
        self.stream.write(self._summary(item) if isinstance(item, ReleaseSummary) else self._translation(item))
        self.stream.flush()

    @staticmethod
    def _header(item: Item) -> str:
        r = item.release
        subtitle = f'<p dir="auto"><strong>{text(r.subtitle)}</strong></p>' if r.subtitle else ""
        title = f'<h3 dir="auto">{text(r.title)}</h3>' if r.title else ""
        return (f'{title}{subtitle}'
                + _meta(auto(r.id, cls="ltr"), auto(r.desk) if r.desk else None, auto(r.dateline) if r.dateline else None))

    def _summary(self, item: ReleaseSummary) -> str:
        return (f"<article>{self._header(item)}{arabic_list(item.arabic_summary.sentences)}"
                f"{english_block(item.english_summary)}{_notes([*item.release.warnings, *item.warnings])}</article>\n")

    def _translation(self, item: ReleaseTranslation) -> str:
        rows = "".join(
            f'<tr><td dir="auto">{text(p.source)}</td><td dir="auto" lang="{text(item.target_lang)}">'
            f"{text(p.translation)}{_support(p.support, p.flags)}</td></tr>"
            for p in item.pairs
        )
        table = (f'<table><thead><tr><th>{text(item.source_lang)}</th><th>{text(item.target_lang)}</th></tr></thead>'
                 f"<tbody>{rows}</tbody></table>")
        return f"<article>{self._header(item)}{table}{_notes([*item.release.warnings, *item.warnings])}</article>\n"

    def close(self) -> None:
        self.stream.write(page_foot())
        self.stream.flush()


def check_page(result: Any) -> str:
    """arsum check as a page: each English sentence with its support, then what the English leaves out.
    Lines and sentences are numbered from 1, as in every human format."""
    from arsum.text.release import sentence_number

    legend = f'<p class="note" dir="ltr" lang="en">{text(SUPPORT_LEGEND)}</p>'
    if hasattr(result, "pairs"):
        rows = "".join(
            f'<tr><td>{p.index + 1}</td><td dir="auto">{text(p.source)}</td><td dir="ltr" lang="en">{text(p.translation)}'
            f"{_support(p.support, p.flags)}</td></tr>" for p in result.pairs
        )
        body = f"<table><thead><tr><th>#</th><th>العربية</th><th>English</th></tr></thead><tbody>{rows}</tbody></table>"
        return page_head("arsum check") + legend + body + _notes(result.warnings) + page_foot()
    rows = "".join(
        f'<tr><td>{s.index + 1}</td><td dir="ltr" lang="en">{text(s.text)}{_support(s.support, s.flags)}</td>'
        f'<td class="ltr">{text(", ".join(map(sentence_number, s.sources)))}</td></tr>' for s in result.sentences
    )
    omitted = "".join(
        f'<li dir="auto">({text(sentence_number(o.index))}) {text(o.text)} '
        f'<small class="meta">[{score_text(o.support)}]</small></li>'
        for o in result.omissions
    )
    body = (
        f'<article><h3 dir="auto">{text(result.id)}</h3>'
        f'{_meta(text("checked as a " + result.expect))}'
        f"<table><thead><tr><th>#</th><th>English</th><th>sources</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<h3>جمل عربية لا تقابلها أي جملة إنجليزية في المعنى</h3>"
        f'{"<ul>" + omitted + "</ul>" if omitted else "<p class=meta>—</p>"}</article>'
    )
    return page_head("arsum check", result.id) + legend + body + _notes(result.warnings) + page_foot()


def digest_page(digest: Any, title: str = "موجز الأخبار") -> str:
    """A digest as a page: a section per desk, an article per story (headline, sources, summary, members)."""
    parts = [page_head(title, f"{len(digest.stories)} قصة من {digest.releases} خبرًا")]
    for desk, stories in desks(digest.stories):
        parts.append(f'<section><h2 dir="auto">{text(desk_name(desk))}</h2>\n')
        for story in stories:
            members = "".join(
                f"<li>{auto(r.outlet or r.source, cls='meta')} {auto(r.title or r.id)}"
                f"{' ' + auto(r.time, cls='meta ltr') if r.time else ''}</li>"
                for r in story.releases
            )
            when = story_when(story)
            parts.append(
                f'<article id="{text(story.id)}"><h3 dir="auto">{text(story.headline)}</h3>'
                + _meta(f'<span class="count">{story.sources}</span> مصدر' if story.sources != 1 else "مصدر واحد",
                        f'<span dir="ltr">{text(when)}</span>' if when else None)
                + arabic_list(story.summary.arabic_summary.sentences)
                + english_block(story.summary.english_summary)
                + f"<details><summary>{len(story.releases)} خبر</summary>"
                f'<ul class="members">{members}</ul></details></article>\n'
            )
        parts.append("</section>\n")
    return "".join(parts) + page_foot()
