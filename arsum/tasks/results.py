"""Results as frozen dataclasses, built once, carrying what produced them so JSON output is reproducible."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from arsum import __version__
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
