"""The public Python API: the one core that the command line, the tests and Ray workers call.

One-off calls load their models every time::

    import arsum
    result = arsum.summarize(open("release.txt", encoding="utf-8").read(), english=False)
    print(result.arabic_summary)

Objects load their models once, for many releases::

    summarizer = arsum.Summarizer(english=False)
    for result in summarizer.map(arsum.load_releases(["releases/"])):
        print(arsum.to_dict(result))

Results are the frozen records of `arsum.tasks.results`; `to_dict` gives the JSON object `-f jsonl` prints.
Nothing here imports torch, transformers, typer or rich until a model is needed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Generic, Self, TypeVar

from arsum.errors import InputError
from arsum.reporting import SILENT, Reporter
from arsum.tasks.pipeline import (
    Notify,
    Process,
    Summarize,
    SummarizeOptions,
    Translate,
    TranslateOptions,
    process_stream,
)
from arsum.tasks.results import ReleaseSummary, ReleaseTranslation
from arsum.tasks.settings import (
    Length,
    resolve_english,
    resolve_models,
    resolve_support,
)
from arsum.text import releases as _releases
from arsum.text.release import Release

if TYPE_CHECKING:
    from arsum.tasks.check import DocumentCheck
    from arsum.tasks.digest import Digest, DigestOptions

TEXT_SOURCE = "<text>"
TEXT_NAME = "text"

_log = logging.getLogger("arsum")
O = TypeVar("O", SummarizeOptions, TranslateOptions)
R = TypeVar("R", ReleaseSummary, ReleaseTranslation)
OnError = Callable[[InputError], None]


def _log_notice(message: str) -> None:
    _log.warning(message)


def _raise(error: InputError) -> None:
    raise error


def parse_releases(text: str, *, name: str = TEXT_NAME, require_arabic: bool = True) -> list[Release]:
    """The releases in a text (several are separated by a line holding only `---`).

    Args:
        text: the text of one input, as read.
        name: the start of every release id (`NAME#1`, `NAME#2`, …).
        require_arabic: refuse text without Arabic letters, as the CLI does without --lang.

    Returns:
        The releases, in order.

    Raises:
        InputError: the text is empty, only separators, or has no Arabic (with `require_arabic`).
    """
    return _releases.parse_releases(text, source=TEXT_SOURCE, name=name, encoding=None, require_arabic=require_arabic)


def _one_release(item: str | Release) -> Release:
    if isinstance(item, Release):
        return item
    found = parse_releases(item, require_arabic=False)
    if len(found) != 1:
        raise InputError(TEXT_SOURCE, f"holds {len(found)} releases; use arsum.parse_releases and .map()")
    return found[0]


class _Task(Generic[O, R]):
    """What Summarizer and Translator share: a pipeline task built once, called per release or over a stream."""

    _task: Callable[[O, Notify], Process]

    def _start(self, options: O, notify: Notify | None) -> None:
        self.options = options
        self.process = type(self)._task(options, notify or _log_notice)

    @classmethod
    def from_options(cls, options: O, notify: Notify | None = None) -> Self:
        """The same, from options already gathered (the form the CLI builds and Ray ships to its workers)."""
        self = cls.__new__(cls)
        self._start(options, notify)
        return self

    def __call__(self, text_or_release: str | Release) -> R:
        """One release.

        Args:
            text_or_release: a parsed Release, or the text of one release (title line first).

        Returns:
            Its record (`to_dict` gives its JSON).
        """
        return self.process([_one_release(text_or_release)])[0]  # type: ignore[return-value]

    def map(self, items: Iterable[Release | InputError], on_error: OnError = _raise) -> Iterator[R]:
        """The records of a stream of releases, in order, a window at a time (batched as the CLI batches).

        Args:
            items: releases, and input errors in their place (as `load_releases` yields them).
            on_error: called with each input error; the default raises it.

        Returns:
            An iterator of records.
        """
        return process_stream(items, self.process, on_error)  # type: ignore[return-value]


class Summarizer(_Task[SummarizeOptions, ReleaseSummary]):
    """Summarizes releases: Arabic extractive summary, and an English one when its model is there.

    Models (English summarizer, support encoder) are loaded once, at the first release that needs them.
    """

    _task = Summarize

    def __init__(
        self,
        *,
        sentences: int | None = None,
        ratio: float | None = None,
        english: bool | None = None,
        strategy: str | None = None,
        model: str | None = None,
        device: str | None = None,
        quantize: str | None = None,
        backend: str | None = None,
        config: str | Path | None = None,
        support: bool = True,
        min_support: float | None = None,
        encoder: str | None = None,
        drop_unsupported: bool = False,
        reporter: Reporter = SILENT,
        notify: Notify | None = None,
    ) -> None:
        """Args mirror `arsum summarize`'s options; `notify` gets one-line notices (default: the `arsum` logger).
        An argument left None is taken from its ARSUM_* variable, then models.toml, then the default.

        Raises:
            UsageError: both `sentences` and `ratio`, either out of range, or any argument of the wrong type.
        """
        english = resolve_english(english)
        options = SummarizeOptions(
            length=Length(sentences, ratio),
            english=english,
            strategy=strategy,
            models=resolve_models(model=model, device=device, quantize=quantize, backend=backend,
                                  config=config, reporter=reporter),
            support=resolve_support(enabled=support, used=english, min_support=min_support, encoder=encoder,
                                    drop_unsupported=drop_unsupported, config=config),
        )
        self._start(options, notify)


class Translator(_Task[TranslateOptions, ReleaseTranslation]):
    """Translates releases sentence by sentence; the model is loaded once, when the translator is made."""

    _task = Translate

    def __init__(
        self,
        *,
        to: str = "en",
        source: str = "ar",
        model: str | None = None,
        device: str | None = None,
        quantize: str | None = None,
        backend: str | None = None,
        config: str | Path | None = None,
        support: bool = True,
        min_support: float | None = None,
        encoder: str | None = None,
        reporter: Reporter = SILENT,
        notify: Notify | None = None,
    ) -> None:
        """Args mirror `arsum translate`'s options (`to` is --to, `source` is --from).

        Raises:
            ModelUnavailable: no model for the language pair is downloaded, or it is broken.
        """
        options = TranslateOptions(
            target=to,
            source=source,
            models=resolve_models(model=model, device=device, quantize=quantize, backend=backend,
                                  config=config, reporter=reporter),
            support=resolve_support(enabled=support, min_support=min_support, encoder=encoder, config=config),
        )
        self._start(options, notify)


def summarize(text_or_release: str | Release, **options: object) -> ReleaseSummary:
    """Summarize one release, loading what it needs (use `Summarizer` for many).

    Args:
        text_or_release: a parsed Release, or the text of one release.
        **options: `Summarizer`'s keyword arguments (`sentences`, `english`, `model`, …).

    Returns:
        The summary record; `.arabic_summary.sentences` are verbatim sentences, `.english_summary` is None
        when no English model is downloaded (a notice says so).
    """
    return Summarizer(**options)(text_or_release)  # type: ignore[arg-type]


def translate(text_or_release: str | Release, **options: object) -> ReleaseTranslation:
    """Translate one release, loading its model (use `Translator` for many).

    Args:
        text_or_release: a parsed Release, or the text of one release.
        **options: `Translator`'s keyword arguments (`to`, `source`, `model`, …).

    Returns:
        The translation record.
    """
    return Translator(**options)(text_or_release)  # type: ignore[arg-type]


def check(
    source: str | Release,
    translation: str,
    *,
    translation_expected: bool = False,
    encoder: str | None = None,
    min_support: float | None = None,
    config: str | Path | None = None,
) -> DocumentCheck:
    """Check an English summary or translation against its Arabic release, as `arsum check` does.

    Args:
        source: a parsed Release, or the text of one release (headline first).
        translation: the English text.
        translation_expected: the English should render all of the Arabic (each omission is a problem).
        encoder: the sentence encoder for support scores (else ARSUM_ENCODER, models.toml `[support]`, use-m3).
        min_support: flag English sentences below this support (else models.toml `[support]`, the calibrated
            threshold).
        config: a user models.toml merged over the packaged one (else ARSUM_CONFIG, the user config file).

    Returns:
        Per English sentence its support, sources and number flags, and the Arabic sentences left out.
    """
    from arsum.tasks.check import check_document
    from arsum.tasks.support import get_encoder

    settings = resolve_support(min_support=min_support, encoder=encoder, config=config)
    release = _one_release(source)
    return check_document(
        release, translation, translation_expected=translation_expected,
        encoder=get_encoder(settings.encoder, settings.revision), min_support=settings.min_support,
    )


# --------------------------------------------------------------------------- digest (b22)


class Digester:
    """Groups a day's releases into stories and summarises each story once (`arsum digest`).

    The summariser is built here; the sentence encoder that links follow-ups loads at the first digest.
    """

    def __init__(
        self,
        *,
        sort: str = "size",
        min_sources: int = 1,
        follow_ups: bool = True,
        sentences: int | None = None,
        ratio: float | None = None,
        english: bool = False,
        model: str | None = None,
        device: str | None = None,
        quantize: str | None = None,
        backend: str | None = None,
        config: str | Path | None = None,
        support: bool = True,
        min_support: float | None = None,
        encoder: str | None = None,
        reporter: Reporter = SILENT,
        notify: Notify | None = None,
    ) -> None:
        """Args mirror `arsum digest`'s options (`follow_ups=False` is --no-follow-ups; English is off by default).

        Raises:
            UsageError: an unknown `sort`, `min_sources` below 1, or bad summary options.
        """
        from arsum.tasks.digest import DIGEST_SENTENCES, DigestOptions

        summary = SummarizeOptions(
            length=Length(DIGEST_SENTENCES if sentences is None and ratio is None else sentences, ratio),
            english=resolve_english(english),
            models=resolve_models(model=model, device=device, quantize=quantize, backend=backend,
                                  config=config, reporter=reporter),
            support=resolve_support(enabled=support, used=english, min_support=min_support, encoder=encoder,
                                    config=config),
        )
        self._start(DigestOptions(summary=summary, sort=sort, min_sources=min_sources, topical=follow_ups),
                    notify, reporter)

    def _start(self, options: DigestOptions, notify: Notify | None, reporter: Reporter) -> None:
        from arsum.tasks.digest import DigestRun

        self.options = options
        self.reporter = reporter
        self.run = DigestRun(options, notify or _log_notice)

    @classmethod
    def from_options(cls, options: DigestOptions, notify: Notify | None = None, reporter: Reporter = SILENT) -> Self:
        """The same, from options already gathered (the form the CLI builds)."""
        self = cls.__new__(cls)
        self._start(options, notify, reporter)
        return self

    def __call__(self, items: Iterable[Release | InputError | str], on_error: OnError = _raise) -> Digest:
        """The stories of `items` (releases, release texts, or what `load_releases` yields), in reading order.

        Args:
            items: releases; input errors in their place are passed to `on_error` (the default raises them).
            on_error: called with each input error; the rest is digested.
        """
        releases = (
            parse_releases(item, name=f"text{n}")[0] if isinstance(item, str) else item
            for n, item in enumerate(items, 1)
        )
        return self.run(releases, on_error, self.reporter)


def digest(items: Iterable[Release | InputError | str], **options: object) -> Digest:
    """The stories of a day's releases, loading what it needs (use `Digester` for several days).

    Args:
        items: releases, release texts, or `arsum.load_releases(...)`.
        **options: `Digester`'s keyword arguments (`sort`, `min_sources`, `english`, …).
    """
    return Digester(**options)(items)  # type: ignore[arg-type]
