"""The public Python API: the one core that the command line, the tests and Ray workers call.

One-off calls load their models every time::

    import arsum
    result = arsum.summarize(open("release.txt", encoding="utf-8").read(), english=False)
    print(result.arabic_summary)

Objects load their models once, when they are made, for many releases::

    summarizer = arsum.Summarizer(english=False)
    for result in summarizer.map(arsum.load_releases(["releases/"])):
        print(arsum.to_dict(result))

Threading: one `Summarizer`, `Translator` or `Checker` may be shared by many threads. Its models load in
`__init__` (a bad argument or a missing model raises there); its calls run one at a time under the object's lock
(each already uses every core); give many releases to `.map` for batching. Results are the frozen records of
`arsum.tasks.results`; `to_dict` gives the JSON object `-f jsonl` prints. Nothing here imports torch,
transformers, typer or rich until a model is needed.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, Self, TypeVar

from arsum.errors import InputError, UsageError
from arsum.reporting import SILENT, Reporter
from arsum.tasks.items import (  # noqa: F401 - load_releases, parse_releases and TEXT_SOURCE are arsum's too
    ITEM,
    TEXT_NAME,
    TEXT_SOURCE,
    as_release,
    check_text,
    kind,
    load_releases,
    parse_releases,
)
from arsum.tasks.pipeline import (
    Notify,
    Process,
    Result,
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
from arsum.text.release import Release

if TYPE_CHECKING:
    from arsum.tasks.check import DocumentCheck
    from arsum.tasks.digest import Digest, DigestOptions
    from arsum.tasks.outdir import RunSummary


O = TypeVar("O", SummarizeOptions, TranslateOptions)
R = TypeVar("R", ReleaseSummary, ReleaseTranslation)
OnError = Callable[[InputError], None]
Item = str | Release | Mapping[str, Any]


def _log_notice(message: str) -> None:
    import logging  # only when there is a notice: start-up stays light

    logging.getLogger("arsum").warning(message)


def _raise(error: InputError) -> None:
    raise error


def _notify(notify: object) -> Notify:
    if notify is None:
        return _log_notice
    if not callable(notify):
        raise UsageError(f"notify must be a function of one message, not {kind(notify)}")
    return notify  # type: ignore[return-value]


def _reporter(reporter: object) -> Reporter:
    if not (callable(getattr(reporter, "status", None)) and callable(getattr(reporter, "track", None))):
        raise UsageError(f"reporter must have status() and track() (arsum.reporting.Reporter), not {kind(reporter)}")
    return reporter  # type: ignore[return-value]


class _Locked:
    """A pipeline task called by one thread at a time (its models and caches are shared, not thread-local)."""

    def __init__(self, process: Process, lock: threading.Lock) -> None:
        self.process = process
        self.lock = lock
        self.window = process.window

    def __call__(self, releases: list[Release]) -> list[Result]:
        with self.lock:
            return self.process(releases)


class _Task(Generic[O, R]):
    """What Summarizer and Translator share: a pipeline task built (models loaded) once, called per release or
    over a stream, one call at a time."""

    _task: Callable[[O, Notify], Process]
    _require_arabic = True

    def _start(self, options: O, notify: Notify | None) -> None:
        self.options = options
        self._lock = threading.Lock()
        self.process: Process = _Locked(type(self)._task(options, _notify(notify)), self._lock)

    @classmethod
    def from_options(cls, options: O, notify: Notify | None = None) -> Self:
        """The same, from options already resolved (the form the CLI builds and Ray ships to its workers); a
        missing English model is a notice here, as on the command line."""
        self = cls.__new__(cls)
        self._start(options, notify)
        return self

    def __call__(self, text_or_release: Item) -> R:
        """One release.

        Args:
            text_or_release: a Release, the text of one release (title line first), or a mapping with
                `id`, `title` and `text`.

        Returns:
            Its record (`to_dict` gives its JSON).
        """
        release = as_release(text_or_release, require_arabic=self._require_arabic)
        return self.process([release])[0]  # type: ignore[return-value]

    def map(self, items: Iterable[Item | InputError], on_error: OnError = _raise) -> Iterator[R]:
        """The records of a stream of releases, in order, a window at a time (batched as the CLI batches).

        Args:
            items: releases, texts or mappings (as `__call__` takes), and input errors in their place (as
                `load_releases` yields them); a text is named `text#N` by its position.
            on_error: called with each input error (and each text that cannot be used); the default raises it.

        Returns:
            An iterator of records.
        """
        if isinstance(items, (str, Mapping, Release)):
            raise UsageError(f"items must be an iterable of {ITEM}; for one, call the object itself")
        return process_stream(self._releases(items, on_error), self.process, on_error)  # type: ignore[return-value]

    def _releases(self, items: Iterable[Item | InputError], on_error: OnError) -> Iterator[Release | InputError]:
        for position, item in enumerate(items, 1):
            if isinstance(item, (Release, InputError)):
                yield item
                continue
            try:
                release = as_release(item, require_arabic=self._require_arabic, argument=f"items[{position - 1}]")
            except InputError as error:
                yield error
                continue
            yield replace(release, id=f"{TEXT_NAME}#{position}") if isinstance(item, str) else release


def summarize_options(
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
) -> SummarizeOptions:
    """`Summarizer`'s arguments resolved (arguments over ARSUM_* variables over models.toml over defaults)."""
    english = resolve_english(english)
    if strategy is not None:
        check_text("strategy", strategy)
    return SummarizeOptions(
        length=Length(sentences, ratio),
        english=english,
        strategy=strategy,
        models=resolve_models(model=model, device=device, quantize=quantize, backend=backend, config=config,
                              reporter=_reporter(reporter)),
        support=resolve_support(enabled=support, used=english, min_support=min_support, encoder=encoder,
                                drop_unsupported=drop_unsupported, config=config),
    )


def translate_options(
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
) -> TranslateOptions:
    """`Translator`'s arguments resolved (arguments over ARSUM_* variables over models.toml over defaults)."""
    from arsum.models.config import normalize_language

    for argument, code in (("to", to), ("source", source)):
        if not check_text(argument, code).strip():
            raise UsageError(f"{argument} must be a language code (en, fr, ar, …), not an empty string")
    return TranslateOptions(
        target=normalize_language(to),
        source=normalize_language(source),
        models=resolve_models(model=model, device=device, quantize=quantize, backend=backend, config=config,
                              reporter=_reporter(reporter)),
        support=resolve_support(enabled=support, min_support=min_support, encoder=encoder, config=config),
    )


class Summarizer(_Task[SummarizeOptions, ReleaseSummary]):
    """Summarizes releases: Arabic extractive summary, and an English one from the configured models.

    The models (English summarizer, support encoder) load when the object is made. Safe to share between
    threads: calls run one at a time.
    """

    _task = Summarize

    def __init__(self, *, arabic_only_fallback: bool = False, notify: Notify | None = None, **options: Any) -> None:
        """Keyword arguments are `arsum summarize`'s options: `sentences`, `ratio`, `english`, `strategy`,
        `model`, `device`, `quantize`, `backend`, `config`, `support`, `min_support`, `encoder`,
        `drop_unsupported`, `reporter`. One left None comes from its ARSUM_* variable, then models.toml, then
        the default. `notify` gets one-line notices (default: the `arsum` logger).

        Args:
            arabic_only_fallback: when the English model is missing or broken, go on with Arabic summaries
                (a notice says why) instead of raising.

        Raises:
            UsageError: an unknown or badly typed argument, both `sentences` and `ratio`, a value out of range.
            ModelUnavailable: English is wanted and its model is missing (without `arabic_only_fallback`).
        """
        if not isinstance(arabic_only_fallback, bool):
            raise UsageError(f"arabic_only_fallback must be True or False, not {kind(arabic_only_fallback)}")
        resolved = summarize_options(**_known(options, summarize_options))
        self._start(replace(resolved, arabic_only_fallback=arabic_only_fallback), notify)


class Translator(_Task[TranslateOptions, ReleaseTranslation]):
    """Translates releases sentence by sentence; the model (and support encoder) load when the object is made.
    Safe to share between threads: calls run one at a time."""

    _task = Translate

    def __init__(self, *, notify: Notify | None = None, **options: Any) -> None:
        """Keyword arguments are `arsum translate`'s options: `to` (--to), `source` (--from), `model`,
        `device`, `quantize`, `backend`, `config`, `support`, `min_support`, `encoder`, `reporter`.

        Raises:
            UsageError: an unknown or badly typed argument.
            ModelUnavailable: no model for the language pair is downloaded, or it is broken.
        """
        resolved = translate_options(**_known(options, translate_options))
        self._require_arabic = resolved.source == "ar"
        self._start(resolved, notify)


class Checker:
    """Checks English text against its Arabic release, as `arsum check` does; the encoder loads when the object
    is made. Safe to share between threads: calls run one at a time."""

    def __init__(self, *, encoder: str | None = None, min_support: float | None = None,
                 config: str | Path | None = None, translation_expected: bool = False) -> None:
        """
        Args:
            encoder: the sentence encoder for support scores (else ARSUM_ENCODER, models.toml `[support]`, use-m3).
            min_support: flag English sentences below this support (else models.toml `[support]`, the calibrated
                threshold).
            config: a user models.toml merged over the packaged one (else ARSUM_CONFIG, the user config file).
            translation_expected: the English should render all of the Arabic (each omission is a problem).

        Raises:
            UsageError: a badly typed or out-of-range argument. ModelUnavailable: the encoder cannot be loaded.
        """
        from arsum.tasks.support import get_encoder

        if not isinstance(translation_expected, bool):
            raise UsageError(f"translation_expected must be True or False, not {kind(translation_expected)}")
        self.settings = resolve_support(min_support=min_support, encoder=encoder, config=config)
        self.translation_expected = translation_expected
        self._lock = threading.Lock()
        self.encoder = get_encoder(self.settings.encoder, self.settings.revision)
        getattr(self.encoder, "load", lambda: None)()

    def __call__(self, source: Item, translation: str) -> DocumentCheck:
        """Per English sentence its support, sources and number flags, and the Arabic sentences left out."""
        from arsum.tasks.check import check_document

        release = as_release(source, argument="source")
        english = check_text("translation", translation)
        with self._lock:
            return check_document(release, english, translation_expected=self.translation_expected,
                                  encoder=self.encoder, min_support=self.settings.min_support)


def _known(options: dict[str, Any], function: Callable[..., Any]) -> dict[str, Any]:
    """The keyword arguments, each one a name `function` takes (a typo is a UsageError, not a silent default)."""
    import inspect

    names = inspect.signature(function).parameters
    unknown = sorted(set(options) - set(names))
    if unknown:
        raise UsageError(f"unknown argument {unknown[0]!r} (known: {', '.join(names)})")
    return options


def summarize(text_or_release: Item, **options: Any) -> ReleaseSummary:
    """Summarize one release, loading what it needs (use `Summarizer` for many).

    Args:
        text_or_release: a Release, the text of one release, or a mapping with `id`, `title` and `text`.
        **options: `Summarizer`'s keyword arguments (`sentences`, `english`, `model`, `arabic_only_fallback`, …).

    Returns:
        The summary record; `.arabic_summary.sentences` are verbatim sentences.
    """
    release = as_release(text_or_release)  # a bad input fails before any model loads
    return Summarizer(**options)(release)


def translate(text_or_release: Item, **options: Any) -> ReleaseTranslation:
    """Translate one release, loading its model (use `Translator` for many); `**options` are `Translator`'s."""
    translator = Translator(**options)
    return translator(text_or_release)


def check(
    source: Item,
    translation: str,
    *,
    translation_expected: bool = False,
    encoder: str | None = None,
    min_support: float | None = None,
    config: str | Path | None = None,
) -> DocumentCheck:
    """Check an English summary or translation against its Arabic release, as `arsum check` does (`Checker`'s
    arguments; use a `Checker` for many)."""
    release = as_release(source, argument="source")
    check_text("translation", translation)
    checker = Checker(encoder=encoder, min_support=min_support, config=config,
                      translation_expected=translation_expected)
    return checker(release, translation)


def run_ray(
    command: str,
    paths: Sequence[str | Path],
    output_dir: str | Path,
    *,
    address: str = "local",
    workers: int | None = None,
    gpus_per_worker: float = 0.0,
    threads_per_worker: int = 1,
    input_format: str = "text",
    max_bytes: int | None = None,
    require_arabic: bool = True,
    **options: Any,
) -> RunSummary:
    """What `arsum summarize|translate --ray ADDRESS --output-dir DIR` does: every release of `paths` through the
    command on Ray actors, written as shards in `output_dir` (a rerun resumes). `**options` are `Summarizer`'s
    or `Translator`'s; `notify` is not one (input errors become error records in DIR).

    Returns:
        This run's counts (`.written`, `.errors`, `.line(output_dir)`).
    """
    from arsum.tasks.distributed import Cluster, InputOptions, Job
    from arsum.tasks.distributed import run_ray as _run_ray
    from arsum.text.inputs import DEFAULT_MAX_BYTES

    if command not in ("summarize", "translate"):
        raise UsageError(f"command must be 'summarize' or 'translate', not {command!r}")
    if isinstance(paths, (str, bytes, Path)):
        raise UsageError(f"paths must be a list of paths, not one {kind(paths)}")
    names = [str(p) for p in paths]
    resolve = summarize_options if command == "summarize" else translate_options
    job = Job(command, resolve(**_known(options, resolve)))  # type: ignore[arg-type]
    if input_format not in ("text", "jsonl"):
        raise UsageError(f"input_format must be 'text' or 'jsonl', not {input_format!r}")
    inputs = InputOptions(input_format, DEFAULT_MAX_BYTES if max_bytes is None else max_bytes, require_arabic)  # type: ignore[arg-type]
    return _run_ray(job, names, Path(output_dir), cluster=Cluster(address, workers, gpus_per_worker, threads_per_worker),
                    inputs=inputs)


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

        summary = summarize_options(
            sentences=DIGEST_SENTENCES if sentences is None and ratio is None else sentences, ratio=ratio,
            english=english, model=model, device=device, quantize=quantize,
            backend=backend, config=config, support=support, min_support=min_support, encoder=encoder,
            reporter=reporter,
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
