"""`arsum digest` output: Rich (a panel per desk, a row per story), text, markdown, json/jsonl, html.

Stories arrive already in reading order (desk, then size or time); every string from an input goes through
`shown` (terminal formats), Markdown escaping, or the HTML page's escaping, never through markup.
"""

from __future__ import annotations

import json
from typing import TextIO

from arsum.cli.html import BIDI_CONTROLS
from arsum.cli.labels import NO_DESK, desk_name, desks, story_when  # noqa: F401  (re-exported)
from arsum.cli.render import md_code, md_text
from arsum.cli.render import shown as _shown
from arsum.tasks.digest import Digest, Story, story_to_dict


def shown(text: str) -> str:
    """Input text for a terminal or a Markdown file: controls escaped (render.shown), and bidi controls too
    (`\u202e` would reverse the rest of a row)."""
    return BIDI_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", _shown(text))


def lead(story: Story) -> str:
    """The story's first summary sentence (the reader's lead), else its headline."""
    sentences = story.summary.arabic_summary.sentences
    return sentences[0].text if sentences else story.headline


def _md(text: str) -> str:
    """Input text as literal markdown on one line: the summaries' own escaping (`render.md_text`) over `shown`."""
    return md_text(" ".join(shown(text).split()))


def _markdown(digest: Digest) -> str:
    lines = ["# موجز الأخبار", "", f"{len(digest.stories)} قصة من {digest.releases} خبرًا", ""]
    for desk, stories in desks(digest.stories):
        lines += [f"## {_md(desk_name(desk))}", ""]
        for story in stories:
            when = story_when(story)
            lines += [f"### {_md(story.headline)}", "",
                      f"*{story.sources} مصدر · {len(story.releases)} خبر{' · ' + _md(when) if when else ''}*", ""]
            lines += [f"- {_md(s.text)}" for s in story.summary.arabic_summary.sentences]
            english = story.summary.english_summary
            if english is not None:
                lines += ["", f"> {_md(english.text)}"]
            lines += ["", "<details><summary>الأخبار</summary>", ""]
            lines += [f"- {_md(r.outlet or r.source)}: {_md(r.title or r.id)}{' (' + _md(r.time) + ')' if r.time else ''}"
                      f" {md_code(shown(r.id))}" for r in story.releases]
            lines += ["", "</details>", ""]
    return "\n".join(lines)


def _text(digest: Digest) -> str:
    lines = []
    for desk, stories in desks(digest.stories):
        lines += [f"== {shown(desk_name(desk))} =="]
        for story in stories:
            when = story_when(story)
            lines.append(f"* {shown(story.headline)} [{story.sources} sources, {len(story.releases)} releases"
                         f"{', ' + shown(when) if when else ''}]")
            lines += [f"  {shown(s.text)}" for s in story.summary.arabic_summary.sentences]
            if story.summary.english_summary is not None:
                lines.append(f"  EN: {shown(story.summary.english_summary.text)}")
            lines += [f"    - {shown(r.id)}\t{shown(r.outlet or r.source)}\t{shown(r.title or '')}" for r in story.releases]
        lines.append("")
    return "\n".join(lines)


def _rich(digest: Digest, stream: TextIO, bidi: bool) -> None:
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    from arsum.cli.render import RichRenderer

    renderer = RichRenderer(stream, bidi=bidi)  # its console and RTL paragraphs (reordered with --bidi)
    for desk, stories in desks(digest.stories):
        table = Table(show_header=True, header_style="bold cyan", expand=True, show_lines=True)
        table.add_column("sources", justify="right", no_wrap=True, width=7)
        table.add_column("story", ratio=1)
        for story in stories:
            cell = Table.grid()
            cell.add_row(renderer._ar(shown(story.headline), style="bold"))
            cell.add_row(renderer._ar(shown(lead(story))))
            when = story_when(story)
            cell.add_row(Text(shown(f"{len(story.releases)} releases{' · ' + when if when else ''}"), style="dim"))
            table.add_row(Text(str(story.sources), style="bold green" if story.sources > 1 else ""), cell)
        name = shown(desk_name(desk))
        if bidi:
            from arsum.cli.rtl import visual_order

            name = visual_order(name, "R")
        title = Text(name, style="bold")
        renderer.console.print(Panel(table, title=title, title_align="right", expand=True))
    renderer.console.print(Text(f"{len(digest.stories)} stories from {digest.releases} releases"
                                + (f" ({digest.hidden} below --min-sources)" if digest.hidden else ""), style="dim"))


def render_digest(digest: Digest, fmt: str, stream: TextIO, *, bidi: bool = False) -> None:
    """Write a digest in one of the output formats."""
    if fmt == "json":
        stream.write(json.dumps([story_to_dict(s) for s in digest.stories], ensure_ascii=False, indent=2) + "\n")
    elif fmt == "jsonl":
        stream.write("".join(json.dumps(story_to_dict(s), ensure_ascii=False) + "\n" for s in digest.stories))
    elif fmt == "html":
        from arsum.cli.html import digest_page

        stream.write(digest_page(digest))
    elif fmt == "markdown":
        stream.write(_markdown(digest) + "\n")
    elif fmt == "rich":
        _rich(digest, stream, bidi)
    else:
        from arsum.cli.render import _visual

        out = _visual(stream) if bidi else stream  # --bidi: lines in display order, as for summarize
        out.write(_text(digest))
        out.flush()
    stream.flush()
