"""Output formats. Every renderer streams: one release in, its output out, nothing held back."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any, Protocol, TextIO

from arsum.tasks.results import ReleaseSummary, ReleaseTranslation
from arsum.text.release import SUBTITLE_INDEX, TITLE_INDEX

Item = ReleaseSummary | ReleaseTranslation


def _release_fields(item: Item) -> dict[str, Any]:
    release = item.release
    return {
        "id": release.id,
        "source": release.source,
        "encoding": release.encoding,
        "title": release.title,
        "subtitle": release.subtitle,
        "desk": release.desk,
        "dateline": release.dateline,
        "byline": release.byline,
        "timestamp": release.timestamp,
        "end_marker": release.end_marker,
        "sentences": len(release.sentences),
    }


def summary_to_dict(item: ReleaseSummary) -> dict[str, Any]:
    english = item.english_summary
    return {
        **_release_fields(item),
        "arabic_summary": [asdict(s) for s in item.arabic_summary.sentences],
        "arabic_method": {"method": item.arabic_summary.method, "settings": item.arabic_summary.settings},
        "english_summary": None if english is None else {
            "text": english.text,
            "sentences": [asdict(s) for s in english.sentences],
            "model": english.model,
            "revision": english.revision,
            "strategy": english.strategy,
            "generation": english.generation,
            "chunks": english.chunks,
        },
        "support": item.support,
        "warnings": _all_warnings(item),
        "run": asdict(item.run),
    }


def translation_to_dict(item: ReleaseTranslation) -> dict[str, Any]:
    return {
        **_release_fields(item),
        "model": item.model,
        "revision": item.revision,
        "source_lang": item.source_lang,
        "target_lang": item.target_lang,
        "generation": item.generation,
        "pairs": [asdict(p) for p in item.pairs],
        "support": item.support,
        "warnings": _all_warnings(item),
        "run": asdict(item.run),
    }


def to_dict(item: Item) -> dict[str, Any]:
    return summary_to_dict(item) if isinstance(item, ReleaseSummary) else translation_to_dict(item)


def _all_warnings(item: Item) -> list[str]:
    return list(item.release.warnings) + list(item.warnings)


def _support_mark(support: float | None, flags: tuple[str, ...], sources: tuple[int, ...] = ()) -> str:
    if support is None:
        return ""
    cited = f" from {', '.join(map(str, sources))}" if sources else ""
    return f" [support {support:.2f}{cited}{'; ' + ', '.join(flags) if flags else ''}]"


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


class TextRenderer:
    """Plain text for pipes: no colour, no reordering, one release after another."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.count = 0

    def write(self, item: Item) -> None:
        lines = self._summary(item) if isinstance(item, ReleaseSummary) else self._translation(item)
        if self.count:
            lines.insert(0, "---" if isinstance(item, ReleaseTranslation) else "")
        self.stream.write("\n".join(lines) + "\n")
        self.stream.flush()
        self.count += 1

    @staticmethod
    def _summary(item: ReleaseSummary) -> list[str]:
        lines = [f"# {item.release.id}", item.release.title]
        if item.release.subtitle:
            lines.append(item.release.subtitle)
        lines += ["", "Arabic summary:"]
        lines += [s.text for s in item.arabic_summary.sentences] or ["(no sentences)"]
        lines += ["", "English summary:"]
        english = item.english_summary
        if english is None:
            lines.append("(not available)")
        else:
            lines += [s.text + _support_mark(s.support, s.flags, s.sources) for s in english.sentences] or [english.text]
        lines += [f"warning: {w}" for w in _all_warnings(item)]
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
        self.stream.write("\n".join(lines) + "\n\n")
        self.stream.flush()

    @staticmethod
    def _summary(item: ReleaseSummary) -> list[str]:
        release = item.release
        lines = [f"## {release.title}", ""]
        if release.subtitle:
            lines += [f"*{release.subtitle}*", ""]
        lines += [f"`{release.id}`", "", "**Arabic summary**", ""]
        lines += [f"- {s.text}" for s in item.arabic_summary.sentences]
        lines += ["", "**English summary**", ""]
        english = item.english_summary
        if english is None:
            lines.append("_not available_")
        else:
            lines += [f"- {s.text}{_support_mark(s.support, s.flags, s.sources)}" for s in english.sentences]
            lines += ["", f"<sub>{english.model} · {english.strategy}</sub>"]
        warnings = _all_warnings(item)
        if warnings:
            lines += ["", "> **Warnings**"] + [f"> - {w}" for w in warnings]
        return lines

    @staticmethod
    def _translation(item: ReleaseTranslation) -> list[str]:
        title, subtitle = _translated_heading(item)
        lines = [f"## {title or item.release.id}", ""]
        if subtitle:
            lines += [f"*{subtitle}*", ""]
        for paragraph in _paragraphs(item):
            lines += [" ".join(paragraph), ""]
        return lines

    def close(self) -> None:
        pass


def _raise_broken_pipe() -> None:
    """rich's default exits with status 1; re-raise so the CLI ends like every other format (141, quiet)."""
    raise BrokenPipeError


class RichRenderer:
    """A panel per release; Arabic right-aligned, optionally reordered for terminals without bidi."""

    def __init__(self, stream: TextIO, bidi: bool = False) -> None:
        from rich.console import Console

        self.console = Console(file=stream, soft_wrap=False)
        self.console.on_broken_pipe = _raise_broken_pipe  # type: ignore[method-assign]
        self.bidi = bidi

    def _ar(self, text: str) -> str:
        if not self.bidi:
            return text
        from bidi import get_display

        return get_display(text)

    def write(self, item: Item) -> None:
        from rich.panel import Panel

        body = self._summary(item) if isinstance(item, ReleaseSummary) else self._translation(item)
        self.console.print(Panel(body, title=item.release.id, title_align="left", expand=True))

    def _summary(self, item: ReleaseSummary) -> Any:
        from rich.console import Group
        from rich.text import Text

        release = item.release
        parts: list[Any] = [Text(self._ar(release.title), style="bold", justify="right")]
        if release.subtitle:
            parts.append(Text(self._ar(release.subtitle), style="italic", justify="right"))
        parts.append(Text("Arabic summary", style="bold cyan"))
        for s in item.arabic_summary.sentences:
            parts.append(Text(self._ar(s.text), justify="right"))
        parts.append(Text("English summary", style="bold cyan"))
        english = item.english_summary
        if english is None:
            parts.append(Text("not available (see warnings)", style="dim"))
        else:
            for s in english.sentences:
                line = Text(s.text)
                if s.support is not None:
                    low = any(f.startswith("low-support") for f in s.flags)
                    line.append(f"  {'⚠ ' if low else ''}support {s.support:.2f}", style="yellow" if low else "green")
                    if s.sources:
                        line.append(f" ← {', '.join(map(str, s.sources))}", style="dim")
                    numbers = [f for f in s.flags if f.startswith("number")]
                    if numbers:
                        line.append("  " + ", ".join(numbers), style="yellow")
                parts.append(line)
            parts.append(Text(f"{english.model} · {english.strategy}", style="dim"))
        parts += [Text(f"⚠ {w}", style="yellow") for w in _all_warnings(item)]
        return Group(*parts)

    def _translation(self, item: ReleaseTranslation) -> Any:
        from rich.console import Group
        from rich.table import Table
        from rich.text import Text

        table = Table(show_header=True, header_style="bold cyan", expand=True)
        table.add_column("Arabic", justify="right", ratio=1)
        table.add_column(item.target_lang, ratio=1)
        table.add_column("support", justify="right", width=8)
        for pair in item.pairs:
            low = any(f.startswith("low-support") for f in pair.flags)
            score = Text("-" if pair.support is None else f"{'⚠ ' if low else ''}{pair.support:.2f}",
                         style="yellow" if low or len(pair.flags) else "green")
            table.add_row(self._ar(pair.source), pair.translation, score)
        notes = [Text(f"{item.model} · {item.source_lang}→{item.target_lang}", style="dim")]
        return Group(table, *notes, *(Text(f"⚠ {w}", style="yellow") for w in _all_warnings(item)))

    def close(self) -> None:
        pass


def make_renderer(fmt: str, stream: TextIO, *, bidi: bool = False) -> Renderer:
    if fmt == "json":
        return JsonRenderer(stream)
    if fmt == "jsonl":
        return JsonlRenderer(stream)
    if fmt == "markdown":
        return MarkdownRenderer(stream)
    if fmt == "rich":
        return RichRenderer(stream, bidi=bidi)
    return TextRenderer(stream)
