"""Translating releases sentence by sentence, batched across whole releases.

One sentence per model input: given several sentences at once, MT models silently drop some of them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from arsum.errors import UsageError
from arsum.models.config import Config, ModelSpec, normalize_language
from arsum.models.engine import Engine, Generated, ModelRun, build_engine
from arsum.models.store import translator_spec
from arsum.reporting import SILENT, Reporter
from arsum.tasks.results import ReleaseTranslation, RunInfo, TranslationPair
from arsum.text.release import Release, reading_units


class Translator(Protocol):
    """Sentences in, one translation each out, with what produced them (for the records)."""

    source: str
    target: str

    @property
    def model_id(self) -> str: ...

    @property
    def revision(self) -> str | None: ...

    @property
    def settings(self) -> dict[str, Any]: ...

    def model_run(self) -> ModelRun: ...

    def translate(self, sentences: list[str]) -> Generated: ...


class Seq2SeqTranslator:
    """A Translator over an Engine; `translate` returns exactly one output per input, in order."""

    def __init__(self, engine: Engine, source: str = "ar", target: str = "en") -> None:
        self.engine = engine
        self.source = source
        self.target = target

    @property
    def model_id(self) -> str:
        return self.engine.model_id

    @property
    def revision(self) -> str | None:
        return self.engine.revision

    @property
    def settings(self) -> dict[str, Any]:
        return self.engine.settings.as_dict()

    def model_run(self) -> ModelRun:
        return self.engine.model_run("translator")

    def load(self) -> None:
        self.engine.load()

    def translate(self, sentences: list[str]) -> Generated:
        return self.engine.generate(list(sentences), target=self.target)


def build_translator(
    config: Config,
    *,
    target: str = "en",
    source: str = "ar",
    model: str | None = None,
    device: str = "auto",
    quantize: str | None = None,
    spec: ModelSpec | None = None,
    reporter: Reporter = SILENT,
    backend: str | None = None,
) -> Seq2SeqTranslator:
    """Routing: `translate.<target>`, else the default multilingual model; `model` (--model) overrides both.

    `spec`: the model already resolved by the caller (store.translator_spec), so it is not resolved twice.
    """
    target, source = normalize_language(target), normalize_language(source)
    spec = spec or translator_spec(config, target, model, source=source)
    if spec.family == "marian" and spec.tgt_lang and spec.tgt_lang != target:
        raise UsageError(f"model {spec.name} translates into {spec.tgt_lang!r}, not {target!r}; choose another --model")
    engine = build_engine(spec, device=device, quantize=quantize, reporter=reporter, backend=backend)
    return Seq2SeqTranslator(engine, source=source, target=target)


release_segments = reading_units  # what is translated: the release's units (arsum.text.release)


def translate_releases(translator: Translator, releases: Sequence[Release]) -> list[ReleaseTranslation]:
    """All sentences of all releases in one engine call (best batching), split back per release.

    Each release gets the outputs and the warnings of its own sentences only.
    """
    per_release = [release_segments(r) for r in releases]
    generated = translator.translate([text for segments in per_release for _, _, text in segments])
    run = RunInfo.of(translator.model_run())
    results: list[ReleaseTranslation] = []
    position = 0
    for release, segments in zip(releases, per_release):
        mine = generated.part(position, position + len(segments))
        position += len(segments)
        pairs = tuple(
            TranslationPair(index=index, paragraph=paragraph, source=text, translation=translation)
            for (index, paragraph, text), translation in zip(segments, mine.texts, strict=True)
        )
        results.append(
            ReleaseTranslation(
                release=release, pairs=pairs, model=translator.model_id, revision=translator.revision,
                source_lang=translator.source, target_lang=translator.target, generation=dict(translator.settings),
                warnings=mine.warnings, run=run,
            )
        )
    return results
