"""Web pages as releases: the article's headline and text out of a news page's markup, with trafilatura.

The page's navigation, related-story lists, share buttons, comments and footer are left behind by trafilatura (the
field's standard extractor; bench/html_extract.py compares it with readability-lxml on Arabic pages). What it
returns is plain text, which is then read by the same parser as a text file (headline by shape, byline, dateline,
furniture), so a page and the same article saved as text give the same release. trafilatura is imported only here,
when a page is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from arsum.errors import InputError

_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html[\s>]|head[\s>])", re.IGNORECASE | re.DOTALL)
_HTML_SUFFIXES = (".html", ".htm", ".xhtml")
_SNIFF = 1024


def looks_like_html(name: str, data: bytes) -> bool:
    """A page by its name (`.html`, `.htm`) or by how it starts (`<!DOCTYPE html>`, `<html>`), BOM or not."""
    if name.lower().endswith(_HTML_SUFFIXES):
        return True
    head = data[:_SNIFF].lstrip(b"\xef\xbb\xbf")
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16: look at the ASCII bytes only
        head = head[2:].replace(b"\x00", b"")
    return _HTML_START.match(head) is not None


@dataclass(frozen=True)
class Article:
    """What a page holds as an article: its headline (None when the page gives none), text and author."""

    title: str | None
    text: str
    author: str | None


def extract_article(page: str, source: str) -> Article:
    """The article of one page; a page without article text is an InputError naming the page."""
    import trafilatura

    doc = trafilatura.bare_extraction(
        page, with_metadata=True, include_comments=False, include_tables=True, include_images=False,
        include_links=False, deduplicate=False, favor_precision=True,  # dedup would drop text seen on earlier pages
    )
    text = (getattr(doc, "text", None) or "").strip() if doc is not None else ""
    if not text:
        raise InputError(source, "no article text found in the page")
    title = _headline(page, _clean(getattr(doc, "title", None)))
    author = _clean(getattr(doc, "author", None))
    return Article(title=title, text=text, author=author)


def _headline(page: str, title: str | None) -> str | None:
    """The page's one <h1> when the title trafilatura found is that headline plus the site's name
    (`الصحيفة - headline`, `headline | الصحيفة`); else the title as found."""
    import lxml.html

    try:
        heads = [_clean(h.text_content()) for h in lxml.html.fromstring(page).iter("h1")]
    except (ValueError, lxml.etree.ParserError):  # type: ignore[attr-defined]
        return title
    heads = [h for h in heads if h]
    if len(heads) == 1 and (title is None or (heads[0] != title and heads[0] in title)):
        return heads[0]
    return title


def _clean(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    value = " ".join(value.split())
    return value or None


def article_text(article: Article) -> str:
    """The article laid out as a text release: headline, blank line, the text (its first line dropped when it
    repeats the headline)."""
    lines = article.text.split("\n")
    if article.title is None:
        return article.text
    if lines and " ".join(lines[0].split()) == article.title:
        lines = lines[1:]
    return article.title + "\n\n" + "\n".join(lines)
