"""Output formats. Every renderer streams: one release in, its output out, nothing held back."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, Protocol, TextIO

from arsum.cli.labels import (  # noqa: F401  (re-exported: tests import them from here)
    SUPPORT_LEGEND,
    _is_low,
    flag_text,
    pair_status,
    score_text,
    shown,
    support_note,
    support_word,
)
from arsum.errors import escape_controls
from arsum.tasks.results import Item, ReleaseSummary, ReleaseTranslation, to_dict
from arsum.text.release import SUBTITLE_INDEX, TITLE_INDEX, sentence_number

_MD_SPECIAL = re.compile(r"[\\`*_\[\]#|~<>&]")
_MD_ENTITY = {"<": "&lt;", ">": "&gt;", "&": "&amp;"}
_MD_LIST_NUMBER = re.compile(r"^(\d+)([.)])")


def md_text(text: str) -> str:
    """Input text as markdown that renders as exactly that text, on one line: HTML (`<script>`, `<a href=…>`) and
    entities become literal text, and emphasis, links, code, headings, list markers and table pipes are escaped.
    Control characters are left to `shown`, which the markdown renderers apply to the whole document."""
    flat = " ".join(part.strip() for part in re.split(r"[\r\n]+", text) if part.strip())
    escaped = _MD_SPECIAL.sub(lambda m: _MD_ENTITY.get(m.group(), "\\" + m.group()), flat)
    if escaped[:1] in ("-", "+", "="):  # a list marker or a setext underline at the start of a line
        return "\\" + escaped
    return _MD_LIST_NUMBER.sub(r"\1\\\2", escaped)  # `2024. ` would start an ordered list


def md_code(text: str) -> str:
    """Input text (an id) as a markdown code span that nothing inside can close: the fence is one backtick longer
    than the longest run of backticks in it, with a space inside when the text starts or ends with one."""
    flat = " ".join(re.split(r"[\r\n]+", text))
    fence = "`" * (max((len(run) for run in re.findall(r"`+", flat)), default=0) + 1)
    pad = " " if flat.startswith(("`", " ")) or flat.endswith(("`", " ")) else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def _notes(item: Item) -> list[str]:
    """Warnings a reader sees in each release; a missing English model is said once per run on stderr instead."""
    return list(item.release.warnings) + list(item.warnings)


def _support_mark(support: float | None, flags: tuple[str, ...], sources: tuple[int, ...] = ()) -> str:
    return "" if support is None else f" [{support_note(support, flags, sources)}]"


def _md_mark(support: float | None, flags: tuple[str, ...], sources: tuple[int, ...] = ()) -> str:
    return "" if support is None else " " + md_text(f"[{support_note(support, flags, sources)}]")


def _translated_heading(item: ReleaseTranslation) -> tuple[str | None, str | None]:
    by_index = {p.index: p.translation for p in item.pairs}
    return by_index.get(TITLE_INDEX), by_index.get(SUBTITLE_INDEX)


def _paragraphs(item: ReleaseTranslation) -> list[list[str]]:
    """Translations grouped by source paragraph, in order; title and subtitle excluded."""
    groups: dict[int, list[str]] = {}
    for pair in item.pairs:
        if pair.index >= 0:
            groups.setdefault(pair.paragraph, []).append(pair.translation)
    return [groups[k] for k in sorted(groups)]


class Renderer(Protocol):
    def write(self, item: Item) -> None: ...
    def close(self) -> None: ...


class JsonlRenderer:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, item: Item) -> None:
        self.stream.write(json.dumps(to_dict(item), ensure_ascii=False) + "\n")
        self.stream.flush()

    def close(self) -> None:
        pass


class JsonRenderer:
    """A JSON array, written element by element so memory stays flat on long runs."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.count = 0

    def write(self, item: Item) -> None:
        body = json.dumps(to_dict(item), ensure_ascii=False, indent=2)
        self.stream.write(("[\n" if self.count == 0 else ",\n") + _indent(body))
        self.count += 1

    def close(self) -> None:
        self.stream.write("[]\n" if self.count == 0 else "\n]\n")
        self.stream.flush()


def _indent(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


Notify = Callable[[str], None]


def _no_notices(message: str) -> None:
    """-q, or a caller that keeps warnings elsewhere."""


class TextRenderer:
    """Plain text for pipes: no colour, no reordering, one release after another.

    stdout holds the text only: each release's warnings go to `notify` (stderr, silenced by -q), so
    `arsum summarize -f text | …` never feeds `warning:` lines to the next program.
    """

    def __init__(self, stream: TextIO, notify: Notify = _no_notices) -> None:
        self.stream = stream
        self.notify = notify
        self.count = 0

    def write(self, item: Item) -> None:
        lines = self._summary(item) if isinstance(item, ReleaseSummary) else self._translation(item)
        if self.count:
            lines.insert(0, "---" if isinstance(item, ReleaseTranslation) else "")
        self.stream.write(shown("\n".join(lines)) + "\n")
        self.stream.flush()
        self.count += 1
        for warning in _notes(item):
            self.notify(f"warning: {item.release.id}: {warning}")

    @staticmethod
    def _summary(item: ReleaseSummary) -> list[str]:
        lines = [f"# {escape_controls(item.release.id)}", *([item.release.title] if item.release.title is not None else [])]
        if item.release.subtitle:
            lines.append(item.release.subtitle)
        lines += ["", "Arabic summary:"]
        lines += [f"{sentence_number(s.index)}. {s.text}" for s in item.arabic_summary.sentences] or ["(no sentences)"]
        english = item.english_summary
        if english is not None:
            lines += ["", "English summary:"]
            lines += [s.text + _support_mark(s.support, s.flags, s.sources) for s in english.sentences] or [english.text]
        return lines

    @staticmethod
    def _translation(item: ReleaseTranslation) -> list[str]:
        title, subtitle = _translated_heading(item)
        lines = [t for t in (title, subtitle) if t is not None]
        for paragraph in _paragraphs(item):
            lines.append("")
            lines += paragraph
        return lines

    def close(self) -> None:
        pass


class MarkdownRenderer:
    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, item: Item) -> None:
        lines = self._summary(item) if isinstance(item, ReleaseSummary) else self._translation(item)
        self.stream.write(shown("\n".join(lines)) + "\n\n")
        self.stream.flush()

    @staticmethod
    def _summary(item: ReleaseSummary) -> list[str]:
        release = item.release
        lines = [f"## {md_text(release.title if release.title is not None else release.id)}", ""]
        if release.subtitle:
            lines += [f"*{md_text(release.subtitle)}*", ""]
        lines += [md_code(release.id), "", "**Arabic summary**", ""]
        lines += [f"- ({sentence_number(s.index)}) {md_text(s.text)}" for s in item.arabic_summary.sentences]
        english = item.english_summary
        if english is not None:
            lines += ["", "**English summary**", ""]
            lines += [f"- {md_text(s.text)}{_md_mark(s.support, s.flags, s.sources)}" for s in english.sentences]
            lines += ["", f"<sub>{md_text(english.model)} · {md_text(english.strategy)}</sub>"]
        warnings = _notes(item)
        if warnings:
            lines += ["", "> **Warnings**"] + [f"> - {md_text(w)}" for w in warnings]
        return lines

    @staticmethod
    def _translation(item: ReleaseTranslation) -> list[str]:
        title, subtitle = _translated_heading(item)
        lines = [f"## {md_text(title or item.release.id)}", ""]
        if subtitle:
            lines += [f"*{md_text(subtitle)}*", ""]
        for paragraph in _paragraphs(item):
            lines += [md_text(" ".join(paragraph)), ""]
        return lines

    def close(self) -> None:
        pass


def _bar(support: float, cells: int = 5) -> str:
    """Support in [0, 1] as a bar of `cells` blocks (below 0 shows empty)."""
    filled = round(max(0.0, min(1.0, support)) * cells)
    return "█" * filled + "░" * (cells - filled)


def _raise_broken_pipe() -> None:
    """rich's default exits with status 1; re-raise so the CLI ends like every other format (141, quiet)."""
    raise BrokenPipeError


class RichRenderer:
    """A panel per release: numbered sentences, Arabic right-aligned, reordered with --bidi for terminals without bidi.

    Everything from the input goes into Text objects or Paragraphs, never through Rich markup.
    """

    def __init__(self, stream: TextIO, bidi: bool = False) -> None:
        from rich.console import Console

        self.console = Console(file=stream, soft_wrap=False)
        self.console.on_broken_pipe = _raise_broken_pipe  # type: ignore[method-assign]
        self.bidi = bidi

    def _ar(self, text: str, *, style: str = "", label: str = "") -> Any:
        from arsum.cli.rtl import Paragraph

        return Paragraph(shown(text), style=style, label=label, reorder=self.bidi)

    def write(self, item: Item) -> None:
        from rich.panel import Panel
        from rich.text import Text

        body = self._summary(item) if isinstance(item, ReleaseSummary) else self._translation(item)
        self.console.print(Panel(body, title=Text(escape_controls(item.release.id)), title_align="left", expand=True))

    @staticmethod
    def _support(support: float | None, flags: tuple[str, ...], sources: tuple[int, ...] = ()) -> Any:
        """A bar, a word and the score, coloured: green when supported, yellow when weak or a number is unknown."""
        from rich.text import Text

        if support is None:
            return Text("not scored", style="dim")
        style = "yellow" if flags else "green"
        line = Text(_bar(support) + " ", style=style)
        line.append(shown(support_note(support, flags, sources)), style=style)
        return line

    def _summary(self, item: ReleaseSummary) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        release = item.release
        parts: list[Any] = [self._ar(release.title, style="bold")] if release.title is not None else []
        if release.subtitle:
            parts.append(self._ar(release.subtitle, style="italic"))
        chosen = item.arabic_summary.sentences
        total = len(release.sentences)
        heading = f"Arabic summary · {len(chosen)} of {total} sentence{'' if total == 1 else 's'}"
        parts.append(Text(heading, style="bold cyan"))
        parts += [self._ar(s.text, label=f"{sentence_number(s.index)}. ") for s in chosen]
        english = item.english_summary
        if english is not None:
            parts.append(Text(shown(f"English summary · {english.model} · {english.strategy}"), style="bold cyan"))
            grid = Table.grid(padding=(0, 1))
            grid.add_column(width=1)
            grid.add_column(ratio=1)
            for s in english.sentences:
                support = [] if s.support is None else [self._support(s.support, s.flags, s.sources)]
                grid.add_row("•", Group(Text(shown(s.text)), *support))
            parts.append(grid if english.sentences else Text(shown(english.text)))
        parts += [Text(shown(f"⚠ {w}"), style="yellow") for w in _notes(item)]
        return Group(*parts)

    def _translation(self, item: ReleaseTranslation) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=True, header_style="bold cyan", expand=True)
        table.add_column("#", justify="right", no_wrap=True)
        table.add_column("Arabic", ratio=1)
        table.add_column(Text(shown(item.target_lang)), ratio=1)
        table.add_column("support", width=12)
        for pair in item.pairs:
            table.add_row(
                sentence_number(pair.index), self._ar(pair.source), Text(shown(pair.translation)),
                self._support_cell(pair.support, pair.flags),
            )
        notes = [Text(shown(f"{item.model} · {item.source_lang}→{item.target_lang}"), style="dim")]
        return Group(table, *notes, *(Text(shown(f"⚠ {w}"), style="yellow") for w in _notes(item)))

    @staticmethod
    def _support_cell(support: float | None, flags: tuple[str, ...]) -> Any:
        from rich.text import Text

        if support is None:
            return Text("-", style="dim")
        style = "yellow" if flags else "green"
        extra = "".join(f"\n{flag_text(f)}" for f in flags if not f.startswith("low-support"))
        return Text(shown(f"{_bar(support)} {score_text(support)}\n{support_word(flags)}{extra}"), style=style)

    def close(self) -> None:
        pass


def make_renderer(fmt: str, stream: TextIO, *, bidi: bool = False, notify: Notify = _no_notices) -> Renderer:
    """`notify` receives what is not the format itself (the text format's per-release warnings)."""
    if fmt == "json":
        return JsonRenderer(stream)
    if fmt == "jsonl":
        return JsonlRenderer(stream)
    if fmt == "markdown":
        return MarkdownRenderer(stream)
    if fmt == "rich":
        return RichRenderer(stream, bidi=bidi)
    if fmt == "html":
        from arsum.cli.html import HtmlRenderer

        return HtmlRenderer(stream)
    return TextRenderer(_visual(stream) if bidi else stream, notify)


def _visual(stream: TextIO) -> TextIO:
    """--bidi for text: lines in display order, wrapped at the terminal's width (arsum.cli.rtl.VisualLines)."""
    from arsum.cli.rtl import VisualLines, output_width

    return VisualLines(stream, output_width())  # type: ignore[return-value]


# --------------------------------------------------------------------------- arsum check


def check_records(result: Any) -> list[dict[str, Any]]:
    """The JSON records of a check: one per line pair (--aligned), else one for the document."""
    if hasattr(result, "pairs"):
        return [p.to_dict() for p in result.pairs]
    return [result.to_dict()]


def _score(support: float | None) -> str:
    return "-" if support is None else score_text(support)


def _title(result: Any) -> str:
    return f"{result.id} (checked as a {result.expect})"


_OMISSIONS = "Arabic sentences no English sentence is close to in meaning"


def render_check(result: Any, fmt: str, stream: TextIO, *, bidi: bool = False) -> None:
    """Write a DocumentCheck or AlignedCheck (arsum.tasks.check) in one of the output formats.

    Human formats number lines and sentences from 1 (the title and subtitle by name), as everywhere else;
    JSON keeps the 0-based `index` fields of its schema. Every string from the inputs is printed as text.
    """
    aligned = hasattr(result, "pairs")
    if fmt in ("json", "jsonl"):
        records = check_records(result)
        if fmt == "jsonl":
            stream.write("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        else:
            stream.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "rich":
        _rich_check(result, stream, bidi=bidi)
    elif fmt == "html":
        from arsum.cli.html import check_page

        stream.write(check_page(result))
    elif fmt == "markdown":
        stream.write(shown("\n".join(_markdown_aligned(result) if aligned else _markdown_document(result))) + "\n")
    else:
        text_stream = _visual(stream) if bidi else stream
        text_stream.write(shown("\n".join(_text_aligned(result) if aligned else _text_document(result))) + "\n")
        text_stream.flush()
    stream.flush()


def _one_line(text: str) -> str:
    """A field of a tab-separated line: its own tabs and line breaks would shift the columns."""
    return " ".join(text.split())


def _text_aligned(result: Any) -> list[str]:
    lines = [f"# {SUPPORT_LEGEND}", "# line\tscore\tstatus\tEnglish"]
    lines += [f"{p.index + 1}\t{_score(p.support)}\t{pair_status(p.support, p.flags)}\t{_one_line(p.translation)}"
              for p in result.pairs]
    return lines


def _text_document(result: Any) -> list[str]:
    lines = [f"# {_one_line(_title(result))}", SUPPORT_LEGEND, "", "English sentences:"]
    lines += [f"{s.index + 1}\t[{support_note(s.support, s.flags, s.sources)}]\t{_one_line(s.text)}"
              for s in result.sentences] or ["(none: the English text is empty)"]
    lines += ["", f"{_OMISSIONS}:"]
    lines += [f"{sentence_number(o.index)}\t[best {score_text(o.support)}]\t{_one_line(o.text)}"
              for o in result.omissions] or ["(none)"]
    return lines


def _markdown_aligned(result: Any) -> list[str]:
    lines = [f"_{md_text(SUPPORT_LEGEND)}_", "", "| line | Arabic | English | score | status |", "|---|---|---|---|---|"]
    for p in result.pairs:
        cells = (str(p.index + 1), md_text(p.source), md_text(p.translation), _score(p.support),
                 md_text(pair_status(p.support, p.flags)))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _markdown_document(result: Any) -> list[str]:
    lines = [f"## {md_text(result.id)}", "", f"Checked as a {result.expect}. _{md_text(SUPPORT_LEGEND)}_", "",
             "**English sentences**", ""]
    lines += [f"{s.index + 1}. {md_text(s.text)}{_md_mark(s.support, s.flags, s.sources)}" for s in result.sentences]
    lines += [] if result.sentences else ["_none: the English text is empty_"]
    lines += ["", f"**{_OMISSIONS}**", ""]
    lines += [f"- ({sentence_number(o.index)}) {md_text(o.text)} {md_text(f'[best {score_text(o.support)}]')}"
              for o in result.omissions] or ["_none_"]
    return lines


def _rich_check(result: Any, stream: TextIO, *, bidi: bool) -> None:
    """Tables of Text cells: nothing from the inputs is read as Rich markup (`[link=…]`, `[/]`)."""
    from rich.table import Table
    from rich.text import Text

    renderer = RichRenderer(stream, bidi=bidi)  # its console and Arabic paragraphs (wrapped, then reordered with --bidi)
    console, ar = renderer.console, renderer._ar

    def coloured(words: str, flags: tuple[str, ...]) -> Text:
        return Text(shown(words), style="yellow" if flags else "green")

    legend = Text(SUPPORT_LEGEND, style="dim")
    if hasattr(result, "pairs"):
        table = Table("line", "Arabic", "English", "closeness of meaning", header_style="bold cyan", expand=True,
                      caption=legend)
        for p in result.pairs:
            score = "" if p.support is None else f"{score_text(p.support)} "
            table.add_row(str(p.index + 1), ar(p.source), Text(shown(p.translation)),
                          coloured(score + pair_status(p.support, p.flags), p.flags))
        console.print(table)
        return
    table = Table("#", "English", "closeness of meaning", "from Arabic", header_style="bold cyan", expand=True,
                  title=Text(escape_controls(_title(result))), caption=legend)
    for s in result.sentences:
        table.add_row(str(s.index + 1), Text(shown(s.text)), coloured(support_note(s.support, s.flags), s.flags),
                      ", ".join(map(sentence_number, s.sources)))
    console.print(table)
    if not result.sentences:
        console.print(Text("the English text is empty", style="yellow"))
    if result.omissions:
        omitted = Table("#", _OMISSIONS, "best", header_style="bold cyan", expand=True,
                        style="yellow" if result.expect == "translation" else None)
        for o in result.omissions:
            omitted.add_row(sentence_number(o.index), ar(o.text), score_text(o.support))
        console.print(omitted)


def human_size(size: int | None) -> str:
    """Decimal units, as the catalogue's download_mb and the hub's own file sizes are written."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit in ("B", "kB", "MB") else f"{value:.1f} {unit}"
        value /= 1000
    return f"{size} B"  # pragma: no cover


def _short_list(codes: tuple[str, ...], shown: int = 3) -> str:
    """A long language list as a count (the text and JSON formats and `models info` list them all)."""
    return ",".join(codes) if len(codes) <= shown else f"{len(codes)} codes"


def render_model_list(rows: list[Any], fmt: str, stream: TextIO) -> None:
    """`models list`: one record per configured model (JSON), a tab-separated table (text) or a Rich table."""
    if fmt in ("json", "jsonl"):
        records = [
            {
                "name": r.name, "source": r.source, "revision": r.revision, "family": r.family,
                "tasks": list(r.tasks), "languages": list(r.languages), "license": r.license,
                "backend": r.backend, "state": r.state, "cached": r.cached, "size_bytes": r.size_bytes,
                "download_bytes": r.download_mb * 10**6 if r.download_mb else None,
                "path": str(r.path) if r.path else None, "conversion": str(r.conversion) if r.conversion else None,
            }
            for r in rows
        ]
        if fmt == "json":
            print(json.dumps(records, ensure_ascii=False, indent=2), file=stream)
        else:
            for record in records:
                print(json.dumps(record, ensure_ascii=False), file=stream)
        return
    header = ("name", "state", "download", "tasks", "languages", "license")
    table = [
        (r.name, r.state, human_size(r.download_mb * 10**6 if r.download_mb else None), ",".join(r.tasks),
         ",".join(r.languages) if fmt == "text" else _short_list(r.languages), r.license or "-")
        for r in rows
    ]
    if fmt == "rich":
        from rich import box
        from rich.console import Console
        from rich.table import Column, Table
        from rich.text import Text

        # The name is what the user types next: it never wraps or shrinks; the other columns wrap instead.
        name = Column("name", no_wrap=True, min_width=max(len(row[0]) for row in table) if table else 4)
        rich_table = Table(name, *(Column(h, overflow="fold") for h in header[1:]), header_style="bold cyan",
                           box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)
        for row in table:
            rich_table.add_row(*(Text(shown(cell)) for cell in row))
        Console(file=stream).print(rich_table)
    else:
        print("\t".join(header), file=stream)
        for row in table:
            print("\t".join(escape_controls(cell) for cell in row), file=stream)
