"""What summarize and translate do to a stream of releases; models and the encoder are loaded once and reused."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from typing import Protocol

from arsum.errors import ArsumError, InputError, ModelUnavailable, UsageError
from arsum.tasks.results import ReleaseSummary, ReleaseTranslation, RunInfo
from arsum.tasks.settings import Length, ModelOptions, SupportOptions
from arsum.text.release import Release

Notify = Callable[[str], None]
Result = ReleaseSummary | ReleaseTranslation

TRANSLATE_WINDOW = 16  # releases translated in one engine call: better batches, output still streams
SUMMARIZE_WINDOW = 8  # releases whose support scores are encoded in one call


@dataclass(frozen=True)
class SummarizeOptions:
    """What `summarize` does, resolved (arsum.tasks.settings): the Arabic length, English or not, how, with what."""

    length: Length = Length()
    english: bool = True
    strategy: str | None = None  # None: routing.summarize.strategy of models.toml
    models: ModelOptions = ModelOptions()
    support: SupportOptions = SupportOptions()
    arabic_only_fallback: bool = True  # a missing English model: a notice and Arabic summaries (else raise it)

    def __post_init__(self) -> None:
        from arsum.models.names import STRATEGIES  # the vocabulary alone: an Arabic-only run never loads models.toml

        if self.strategy is not None and self.strategy not in STRATEGIES:
            raise UsageError(f"unknown strategy {self.strategy!r} (use one of: {', '.join(STRATEGIES)})")


class Process(Protocol):
    """A task over a window of releases (Summarize, Translate); `window` is how many it wants at once."""

    window: int

    def __call__(self, releases: list[Release]) -> list[Result]: ...


def process_stream(
    items: Iterable[Release | InputError], process: Process, on_error: Callable[[InputError], None]
) -> Iterator[Result]:
    """The results of `process` over a stream of releases, a window at a time; bad inputs go to `on_error`."""
    for window in windows(releases_only(items, on_error), process.window):
        yield from process(window)


def releases_only(items: Iterable[Release | InputError], on_error: Callable[[InputError], None]) -> Iterator[Release]:
    """Report bad inputs as they come and pass the good releases on."""
    for item in items:
        if isinstance(item, InputError):
            on_error(item)
        else:
            yield item


def windows(items: Iterable[Release], size: int) -> Iterator[list[Release]]:
    """Consecutive groups of at most `size` releases, so batching never waits for the whole input."""
    window: list[Release] = []
    for item in items:
        window.append(item)
        if len(window) >= size:
            yield window
            window = []
    if window:
        yield window


class Supporter:
    """Loads the sentence encoder its settings name on first use; a failure disables support with one notice."""

    def __init__(self, options: SupportOptions, notify: Notify) -> None:
        self.options = options
        self.notify = notify
        self._encoder = None
        self._failure: str | None = None
        self.min_support = options.min_support
        self.encoder_name = options.encoder

    def encoder(self):
        if self._encoder is None and self._failure is None:
            from arsum.tasks import support

            try:
                encoder = support.get_encoder(self.encoder_name, self.options.revision)
                getattr(encoder, "load", lambda: None)()  # broken weights fail here, once, not mid-run
                self._encoder = encoder
            except ArsumError as error:
                self._failure = f"support scores unavailable: {error}"
                self.notify(self._failure)
            except Exception as error:  # noqa: BLE001 - a broken encoder costs the scores, never the summaries
                from arsum.errors import one_line

                self._failure = f"support scores unavailable: {self.encoder_name}: {one_line(error)}"
                self.notify(self._failure)
        return self._encoder

    def window_encoder(self, texts: list[str]):
        """An encoder that already holds every text of the window (one encode call), or None without support."""
        encoder = self.encoder() if self.options.enabled else None
        if encoder is None or not texts:
            return encoder
        from arsum.tasks.support import CachedEncoder

        cached = CachedEncoder(encoder)
        try:
            cached.prime(texts)
        except Exception as error:  # noqa: BLE001 - an encoder that loads but cannot encode: one notice, go on
            from arsum.errors import one_line

            self._encoder, self._failure = None, f"support scores unavailable: {self.encoder_name}: {one_line(error)}"
            self.notify(self._failure)
            return None
        return cached

    @property
    def settings(self) -> dict[str, object]:
        """Recorded with every scored result, so its support figures can be reproduced."""
        return self.options.record


class Summarize:
    """Summarizes a window of releases; its models (English summarizer, support encoder) load when it is made.

    A missing or broken English model is raised here, or with `arabic_only_fallback` is one notice (`english_error`
    keeps it) and the Arabic summaries still come; a --model that names nothing is a UsageError, raised here.
    """

    def __init__(self, options: SummarizeOptions, notify: Notify) -> None:
        from arsum.tasks.extractive import ExtractiveSummarizer

        self.options = options
        self.notify = notify
        self.extractive = ExtractiveSummarizer()
        self._english = None
        self._english_failure: str | None = None
        self.english_error: ModelUnavailable | None = None
        self.supporter = Supporter(options.support, notify)
        self.window = SUMMARIZE_WINDOW if options.english and options.support.enabled else 1
        if options.english:
            self._english_summarizer(starting=True)
            if self._english is not None and options.support.enabled:
                self.supporter.encoder()

    def _english_summarizer(self, starting: bool = False):
        if self.options.english and self._english is None and self._english_failure is None:
            from arsum.models.config import load_config
            from arsum.models.store import require_downloaded
            from arsum.tasks.abstractive import (  # torch-free, but only needed now
                build_english_summarizer,
                load_models,
                strategy_specs,
            )

            models = self.options.models
            try:
                config = load_config(models.config_path)
                strategy = self.options.strategy or config.routing.strategy
                specs = strategy_specs(config, strategy, models.model)
                require_downloaded(list(specs.values()), models.backend)
                self._english = build_english_summarizer(
                    config,
                    strategy=strategy,
                    model=models.model,
                    device=models.device,
                    quantize=models.quantize,
                    specs=specs,
                    reporter=models.reporter,
                    backend=models.backend,
                )
                load_models(self._english)
            except ModelUnavailable as error:
                if starting and not self.options.arabic_only_fallback:
                    raise
                self._fail_english(error)
        return self._english

    def _fail_english(self, error: ModelUnavailable) -> None:
        self.english_error = error
        self._english_failure = f"English summary skipped: {error}"
        self.notify(self._english_failure)
        self._english = None

    def __call__(self, releases: list[Release]) -> list[ReleaseSummary]:
        return self._with_support([self.summarize(release) for release in releases])

    def summarize(self, release: Release) -> ReleaseSummary:
        arabic = self.extractive.summarize(release, count=self.options.length.count, ratio=self.options.length.ratio)
        if not release.sentences:  # the parser has already warned about it
            return ReleaseSummary(release=release, arabic_summary=arabic)
        summarizer = self._english_summarizer()
        if summarizer is not None:
            try:
                english, warnings = summarizer.summarize(release, arabic)
                return ReleaseSummary(release=release, arabic_summary=arabic, english_summary=english,
                                      warnings=warnings, run=RunInfo.of(*summarizer.model_runs()))
            except ModelUnavailable as error:
                self._fail_english(error)
        missing = (self._english_failure or "English summary not available") if self.options.english else None
        return ReleaseSummary(release=release, arabic_summary=arabic, english_unavailable=missing)

    def _with_support(self, results: list[ReleaseSummary]) -> list[ReleaseSummary]:
        """Support scores for a window of English summaries, encoded together."""
        scored = [r for r in results if r.english_summary is not None]
        if not scored or not self.options.support.enabled:
            return results
        from arsum.tasks.support import annotate_summary, summary_texts

        encoder = self.supporter.window_encoder(
            [t for r in scored if r.english_summary for t in summary_texts(r.english_summary, r.release)]
        )
        if encoder is None:
            return results
        annotated = []
        for result in results:
            if result.english_summary is not None:
                english, warnings = annotate_summary(
                    result.english_summary,
                    result.release,
                    encoder,
                    min_support=self.supporter.min_support,
                    drop_unsupported=self.options.support.drop_unsupported,
                )
                result = replace(result, english_summary=english, support=self.supporter.settings,
                                 warnings=(*result.warnings, *warnings))
            annotated.append(result)
        return annotated


@dataclass(frozen=True)
class TranslateOptions:
    target: str = "en"
    source: str = "ar"
    models: ModelOptions = ModelOptions()
    support: SupportOptions = SupportOptions()


class Translate:
    """Translates releases; the model and the support encoder load when it is made (ModelUnavailable here)."""

    def __init__(self, options: TranslateOptions, notify: Notify) -> None:
        from arsum.models.config import load_config
        from arsum.tasks.translation import build_translator

        models = options.models
        self.options = options
        config = load_config(models.config_path)
        self.translator = build_translator(
            config,
            target=options.target,
            source=options.source,
            model=models.model,
            device=models.device,
            quantize=models.quantize,
            reporter=models.reporter,
            backend=models.backend,
        )
        self.translator.load()
        self.supporter = Supporter(options.support, notify)
        if options.support.enabled:
            self.supporter.encoder()
        self.window = TRANSLATE_WINDOW

    def __call__(self, releases: list[Release]) -> list[ReleaseTranslation]:
        from arsum.tasks.translation import translate_releases

        results = translate_releases(self.translator, releases)
        if not self.options.support.enabled:
            return results
        from arsum.tasks.support import annotate_translation, translation_texts

        encoder = self.supporter.window_encoder([t for r in results for t in translation_texts(r.pairs)])
        if encoder is None:
            return results

        annotated = []
        for result in results:
            pairs, warnings = annotate_translation(
                result.pairs, encoder, min_support=self.supporter.min_support, source_lang=self.options.source
            )
            annotated.append(
                replace(result, pairs=tuple(pairs), warnings=(*result.warnings, *warnings), support=self.supporter.settings)
            )
        return annotated
