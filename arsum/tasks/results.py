"""Results as frozen dataclasses, built once, carrying what produced them so JSON output is reproducible."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

from arsum import __version__
from arsum.errors import InputError
from arsum.text.release import Release

if TYPE_CHECKING:  # annotations only: importing the engine (and models.toml's parser) costs the extractive path ~10 ms
    from arsum.models.engine import ModelRun


@dataclass(frozen=True)
class RunInfo:
    """What reproduces a record (sacrebleu's signature): arsum's version and each model's exact snapshot."""

    arsum: str = __version__
    models: tuple[ModelRun, ...] = ()

    @classmethod
    def of(cls, *models: ModelRun) -> RunInfo:
        return cls(models=models)


@dataclass(frozen=True)
class ScoredSentence:
    index: int
    text: str
    score: float


@dataclass(frozen=True)
class ArabicSummary:
    sentences: tuple[ScoredSentence, ...]
    method: str
    settings: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class EnglishSentence:
    """One English sentence with how well the Arabic source supports it (None: not scored)."""

    text: str
    support: float | None = None
    sources: tuple[int, ...] = ()
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class EnglishSummary:
    text: str
    sentences: tuple[EnglishSentence, ...]
    model: str
    revision: str | None
    strategy: str
    generation: dict[str, Any] = field(default_factory=dict)
    chunks: int = 1


@dataclass(frozen=True)
class ReleaseSummary:
    release: Release
    arabic_summary: ArabicSummary
    english_summary: EnglishSummary | None = None
    warnings: tuple[str, ...] = ()
    support: dict[str, Any] | None = None  # encoder and threshold behind the support scores
    run: RunInfo = RunInfo()
    english_unavailable: str | None = None  # why English was wanted but not made; None when made or not requested


@dataclass(frozen=True)
class TranslationPair:
    """A source sentence and its translation; `index` -1 marks the title, -2 the subtitle."""

    index: int
    paragraph: int
    source: str
    translation: str
    support: float | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReleaseTranslation:
    release: Release
    pairs: tuple[TranslationPair, ...]
    model: str
    revision: str | None
    source_lang: str
    target_lang: str
    generation: dict[str, Any] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    support: dict[str, Any] | None = None  # encoder and threshold behind the support scores
    run: RunInfo = RunInfo()


@dataclass(frozen=True)
class ErrorRecord:
    """An input that could not be used, as a record (a Ray run writes these next to the results).

    `id` is the input's source (a path, `PATH:LINE` for a JSON line): the key a rerun skips by.
    `message` is the problem alone; `arsum: SOURCE: MESSAGE` is what the single-process CLI prints on stderr.
    """

    id: str
    source: str
    message: str

    @classmethod
    def from_error(cls, error: InputError) -> ErrorRecord:
        return cls(id=error.source, source=error.source, message=error.problem)


Item = ReleaseSummary | ReleaseTranslation


RELEASE_FIELDS = ("id", "source", "encoding", "title", "subtitle", "desk", "dateline", "byline", "timestamp",
                  "end_marker", "parts")
"""The Release fields every record starts with, in this order; then `sentences`, their count (the text is long)."""


def jsonable(value: Any) -> Any:
    """The one JSON normaliser: tuples become lists, all the way down, so a record's dict equals its printed JSON."""
    if isinstance(value, dict):
        return {key: jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(item) for item in value]
    return value


def _release_fields(item: Item) -> dict[str, Any]:
    release = item.release
    return {**{name: getattr(release, name) for name in RELEASE_FIELDS}, "sentences": len(release.sentences)}


def summary_to_dict(item: ReleaseSummary) -> dict[str, Any]:
    english = item.english_summary
    return jsonable({
        **_release_fields(item),
        "arabic_summary": [asdict(s) for s in item.arabic_summary.sentences],
        "arabic_method": {"method": item.arabic_summary.method, "settings": item.arabic_summary.settings},
        "english_summary": None if english is None else asdict(english),
        "support": item.support,
        "warnings": all_warnings(item),
        "run": asdict(item.run),
    })


def translation_to_dict(item: ReleaseTranslation) -> dict[str, Any]:
    return jsonable({
        **_release_fields(item),
        "model": item.model,
        "revision": item.revision,
        "source_lang": item.source_lang,
        "target_lang": item.target_lang,
        "generation": item.generation,
        "pairs": [asdict(p) for p in item.pairs],
        "support": item.support,
        "warnings": all_warnings(item),
        "run": asdict(item.run),
    })


def to_dict(item: Item | ErrorRecord) -> dict[str, Any]:
    """The JSON object `-f json`/`-f jsonl` print for a record (and a Ray run writes)."""
    if isinstance(item, ErrorRecord):
        return asdict(item)
    return summary_to_dict(item) if isinstance(item, ReleaseSummary) else translation_to_dict(item)


def all_warnings(item: Item) -> list[str]:
    """The release's own warnings (from parsing), then the task's, then why English is missing when it was asked for
    (human formats leave that last one out: the CLI says it once per run on stderr)."""
    missing = getattr(item, "english_unavailable", None)
    return list(item.release.warnings) + list(item.warnings) + ([missing] if missing else [])
