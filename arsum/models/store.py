"""Where models live: the Hugging Face cache or a local folder; status, download, and `--model` resolution.

A local folder is either a transformers model or a CTranslate2 conversion made by `arsum models convert`
(recognised without importing ctranslate2, whose config.json has no model_type: arsum_ct2.json keeps it).

Only `pull` touches the network. Cache paths and offline mode are read from the environment at call time
(huggingface_hub reads them once at import), so tests and users can point them anywhere.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from arsum.errors import ModelUnavailable, UsageError, one_line
from arsum.models.config import (
    BACKENDS,
    CROSSSUM_NAMES,
    MBART50_CODES,
    NLLB_CODES,
    Config,
    GenerationSettings,
    ModelSpec,
    is_local_source,
    normalize_language,
    user_cache_base,
)
from arsum.models.ctranslate2_backend import resolve_ct2_folder
from arsum.models.folders import (
    METADATA_FILE,
    WEIGHT_FILES,
    is_ct2_folder,
    read_json_object,
    read_metadata,
    read_model_config,
    stale_conversion,
)

TOKENIZER_PATTERNS = [
    "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
    "*.spm", "*.model", "vocab.json", "vocab.txt", "merges.txt", "sentencepiece.bpe.model", "spiece.model",
]
CONFIG_PATTERNS = ["config.json", "generation_config.json"]
_HUB_ID = re.compile(r"[\w.-]+/[\w.-]+")
# config.json `model_type` -> our family; NLLB shares M2M100's model type and differs by tokenizer.
MODEL_TYPE_FAMILIES = {"marian": "marian", "mt5": "mt5", "t5": "t5", "m2m_100": "m2m100", "mbart": "mbart50",
                       "bart": "bart", "pegasus": "pegasus"}


@dataclass(frozen=True)
class ModelStatus:
    name: str
    source: str
    revision: str | None
    family: str
    tasks: tuple[str, ...]
    languages: tuple[str, ...]
    license: str | None
    backend: str
    cached: bool
    size_bytes: int | None
    path: Path | None
    download_mb: int | None = None
    conversion: Path | None = None  # the CTranslate2 conversion `backend = "auto"` runs, when there is one

    @property
    def state(self) -> str:
        """What `models list` shows: not downloaded, downloaded, or converted (the fast path is ready)."""
        if self.conversion is not None:
            return "converted"
        return "downloaded" if self.cached else "not downloaded"


def is_offline(env: Mapping[str, str] = os.environ) -> bool:
    return any(env.get(k, "").strip().lower() in {"1", "true", "yes", "on"} for k in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


OFFLINE_ROUTES = "`arsum models import ARCHIVE|FOLDER` (an archive from `arsum models export`, or a model folder) or -m FOLDER"
"""What works with no network: said wherever a model is missing or cannot be downloaded."""


ENCODER_OFFLINE_ROUTE = "--encoder FOLDER (a copy of the encoder's folder)"
"""What works with no network for a sentence encoder: `models import` takes seq2seq models only, -m sets another
model."""


def pull_hint(names: str, env: Mapping[str, str] = os.environ, *, offline: str = OFFLINE_ROUTES) -> str:
    """How to get a missing model: `models pull` where the hub can be reached, the `offline` routes where not."""
    if is_offline(env):
        return f"run `arsum models pull {names}` where the hub is reachable; offline, use {offline}"
    return f"run `arsum models pull {names}`; with no network, {offline}"


def hub_cache_dir(env: Mapping[str, str] = os.environ) -> Path:
    if env.get("HF_HUB_CACHE"):
        return Path(env["HF_HUB_CACHE"]).expanduser()
    if env.get("HF_HOME"):
        return Path(env["HF_HOME"]).expanduser() / "hub"
    return user_cache_base(env) / "huggingface" / "hub"


def has_weights(folder: Path) -> bool:
    return any((folder / name).is_file() for name in WEIGHT_FILES)


def folder_size(folder: Path) -> int:
    """Bytes of the files a snapshot points at (cache snapshots are symlinks into blobs)."""
    total = 0
    for path in folder.rglob("*"):
        try:
            if path.is_file():
                total += path.stat().st_size
        except OSError:
            continue
    return total


def cached_snapshot(spec: ModelSpec, env: Mapping[str, str] = os.environ) -> Path | None:
    """The local folder holding this model, or None when it is not (fully) there."""
    if spec.is_local:
        folder = Path(spec.source).expanduser()
        return folder if folder.is_dir() else None
    if not (hub_cache_dir(env) / f"models--{spec.source.replace('/', '--')}").is_dir():
        return None  # not downloaded: say so without importing huggingface_hub (and its HTTP stack)
    from huggingface_hub import try_to_load_from_cache

    try:
        found = try_to_load_from_cache(spec.source, "config.json", cache_dir=hub_cache_dir(env), revision=spec.revision)
    except Exception:  # noqa: BLE001 - an invalid repo id is simply "not cached"
        return None
    if not isinstance(found, str):
        return None
    folder = Path(found).parent
    return folder if has_weights(folder) else None


def conversion_of(spec: ModelSpec) -> Path | None:
    """The CTranslate2 conversion of a model (ct2_path, a converted source folder, or arsum's cache), if any;
    None for one made from other weights than the model's folder holds now."""
    try:
        folder = resolve_ct2_folder(spec, None)
    except ModelUnavailable:
        return None
    return None if _stale(spec, folder) else folder


def _stale(spec: ModelSpec, conversion: Path, env: Mapping[str, str] = os.environ) -> ModelUnavailable | None:
    source = cached_snapshot(spec, env)
    return stale_conversion(spec, conversion, source) if source is not None else None


def current_conversion(spec: ModelSpec, quantize: str | None = None) -> Path:
    """The conversion a CTranslate2 run loads; ModelUnavailable (with the fix) when there is none, or when it was
    made from other weights than the model's folder holds now (a newer snapshot, replaced weights)."""
    folder = resolve_ct2_folder(spec, quantize)
    stale = _stale(spec, folder)
    if stale is not None:
        raise stale
    return folder


def choose_backend(spec: ModelSpec, requested: str | None = None, device: str = "auto") -> ModelSpec:
    """The spec with a concrete backend: `--backend` over the config's; `auto` is CTranslate2 when a conversion
    exists (on cpu or cuda: CTranslate2 has no mps), else transformers. Engines only ever see a concrete one."""
    backend = requested or spec.backend
    if backend not in BACKENDS:
        raise UsageError(f"--backend {backend}: unknown backend (use one of: {', '.join(BACKENDS)})")
    if backend == "auto":
        try:
            conversion = resolve_ct2_folder(spec, None) if device != "mps" else None
        except ModelUnavailable:
            conversion = None
        stale = _stale(spec, conversion) if conversion is not None else None
        if stale is not None:
            raise stale  # said, never run, never silently skipped
        backend = "ctranslate2" if conversion is not None else "transformers"
    return spec if backend == spec.backend else replace(spec, backend=backend)


def status(spec: ModelSpec, env: Mapping[str, str] = os.environ) -> ModelStatus:
    folder = cached_snapshot(spec, env)
    return ModelStatus(
        name=spec.name, source=spec.source, revision=spec.revision, family=spec.family, tasks=spec.tasks,
        languages=spec.languages, license=spec.license, backend=spec.backend, cached=folder is not None,
        size_bytes=folder_size(folder) if folder is not None else None, path=folder,
        download_mb=spec.download_mb, conversion=conversion_of(spec) if spec.backend != "transformers" else None,
    )


def list_models(config: Config, env: Mapping[str, str] = os.environ) -> list[ModelStatus]:
    return [status(spec, env) for spec in config.models.values()]


def model_path(spec: ModelSpec, env: Mapping[str, str] = os.environ) -> Path:
    """The folder to load from; ModelUnavailable (with the pull hint) when it is not downloaded."""
    if spec.is_local:
        folder = Path(spec.source).expanduser()
        if not folder.is_dir():
            raise ModelUnavailable(spec.name, f"folder {folder} does not exist", _fix_source_hint(spec))
        return folder
    folder = cached_snapshot(spec, env)
    if folder is None:
        raise ModelUnavailable(spec.name, f"{spec.source} is not downloaded", pull_hint(spec.name, env))
    return folder


PULL_TIMEOUTS_S = (10.0, 60.0)
"""(connect, read) timeouts of every request `arsum models pull` makes: a server that accepts the connection and
never answers ends the pull with one line instead of hanging (huggingface_hub's own client has none)."""


def _hub_client_with_timeouts(connect: float, read: float) -> None:
    import httpx2
    from huggingface_hub import set_client_factory
    from huggingface_hub.utils._http import default_client_factory

    def factory() -> httpx2.Client:
        client = default_client_factory()
        client.timeout = httpx2.Timeout(read, connect=connect)
        return client

    set_client_factory(factory)


def pull(config: Config, name: str, env: Mapping[str, str] = os.environ,
         timeouts: tuple[float, float] = PULL_TIMEOUTS_S) -> Path:
    """Download a configured model (or hub id) into the HF cache, with the hub's own progress bars."""
    spec = resolve_model(config, name)
    if spec.is_local:
        return model_path(spec, env)
    if is_offline(env):
        raise ModelUnavailable(spec.name, "cannot download while HF_HUB_OFFLINE is set",
                               f"unset HF_HUB_OFFLINE where the hub is reachable; offline, use {OFFLINE_ROUTES}")
    from huggingface_hub import HfApi, snapshot_download

    _hub_client_with_timeouts(*timeouts)
    try:
        files = [s.rfilename for s in HfApi().model_info(spec.source, revision=spec.revision, timeout=timeouts[1]).siblings or []]
        folder = snapshot_download(
            spec.source, revision=spec.revision, cache_dir=hub_cache_dir(env), allow_patterns=download_patterns(files)
        )
    except Exception as exc:  # noqa: BLE001 - every hub/network failure becomes one line
        raise ModelUnavailable(spec.name, f"download of {spec.source} failed: {one_line(exc)}",
                               f"check the network and the hub id; with no network, {OFFLINE_ROUTES}") from None
    return Path(folder)


def download_patterns(files: list[str]) -> list[str]:
    """safetensors when the repo has them; pytorch_model.bin only otherwise; never other formats."""
    names = {Path(f).name for f in files}
    weights = ["model*.safetensors", "model.safetensors.index.json"] if any(n.endswith(".safetensors") for n in names) \
        else ["pytorch_model*.bin", "pytorch_model.bin.index.json"]
    return CONFIG_PATTERNS + TOKENIZER_PATTERNS + weights


def info(config: Config, name: str, env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    spec = resolve_model(config, name)
    state = status(spec, env)
    result: dict[str, Any] = {
        "name": spec.name, "source": spec.source, "revision": spec.revision, "family": spec.family,
        "tasks": list(spec.tasks), "languages": list(spec.languages), "license": spec.license,
        "backend": spec.backend, "max_input_tokens": spec.max_input_tokens, "src_lang": spec.src_lang,
        "tgt_lang": spec.tgt_lang, "generation": spec.generation.as_dict(), "description": spec.description,
        "cached": state.cached, "size_bytes": state.size_bytes, "path": str(state.path) if state.path else None,
        "download_mb": spec.download_mb, "state": state.state,
        "conversion": str(state.conversion) if state.conversion else None,
    }
    is_conversion = state.path is not None and is_ct2_folder(state.path)
    converted = state.path if is_conversion else state.conversion
    metadata = read_metadata(converted) if converted is not None else {}
    if is_conversion:
        result["architecture"] = {k: metadata[k] for k in ("model_type", "quantization", "max_position_embeddings")
                                  if metadata.get(k) is not None}
    elif state.path is not None:
        model_config = read_model_config(state.path, spec.name)
        keys = ("model_type", "vocab_size", "d_model", "encoder_layers", "decoder_layers", "num_layers",
                "max_position_embeddings")
        result["architecture"] = {k: model_config[k] for k in keys if k in model_config}
    if metadata.get("output_vocabulary"):
        result["output_vocabulary"] = metadata["output_vocabulary"]  # entries the decoder may write, of how many
    return result


def family_of_folder(folder: Path, name: str) -> str:
    model_type = _model_type(folder, name)
    family = MODEL_TYPE_FAMILIES.get(model_type)
    if family is None:
        raise ModelUnavailable(name, f"model type {model_type!r} is not a supported seq2seq family",
                               "use a Marian, mT5/T5, NLLB, M2M100, mBART-50, BART or Pegasus model")
    if family == "m2m100" and "nllb" in _tokenizer_class(folder).lower():
        return "nllb"
    return family


def _model_type(folder: Path, name: str) -> str:
    if not is_ct2_folder(folder):
        return str(read_model_config(folder, name)["model_type"])
    model_type = read_metadata(folder).get("model_type")
    if not isinstance(model_type, str):
        raise ModelUnavailable(name, f"CTranslate2 model {folder} has no {METADATA_FILE}, so its family is unknown",
                               "convert the transformers model with `arsum models convert FOLDER --output DIR`")
    return model_type


def resolve_model(config: Config, name_or_path: str) -> ModelSpec:
    """`--model`: a configured name, else a local folder, else a hub id (family read once it is cached)."""
    if name_or_path in config.models:
        return config.models[name_or_path]
    folder = Path(name_or_path).expanduser()
    if folder.is_dir():
        return spec_for_folder(folder.resolve(), name=name_or_path)
    if is_local_source(name_or_path) or not _HUB_ID.fullmatch(name_or_path):
        raise UsageError(f"{name_or_path}: not a configured model ({', '.join(config.models)}), "
                         "an existing folder, or a hub id (org/name)")
    for spec in config.models.values():
        if spec.source == name_or_path:
            return spec
    provisional = ModelSpec(name=name_or_path, source=name_or_path, family="auto")
    cached = cached_snapshot(provisional)
    if cached is not None:
        return replace(spec_for_folder(cached, name=name_or_path, source=name_or_path), backend="auto")
    return provisional


def spec_for_folder(folder: Path, *, name: str, source: str | None = None) -> ModelSpec:
    """A spec for an unconfigured model, from what its own files say; a CTranslate2 folder runs on that backend."""
    family = family_of_folder(folder, name)
    ct2 = is_ct2_folder(folder)
    model_config = read_metadata(folder) if ct2 else read_model_config(folder, name)
    src_lang, tgt_lang = {"nllb": ("arb_Arab", None), "mbart50": ("ar_AR", None), "m2m100": ("ar", None)}.get(family, (None, None))
    if family == "marian":
        tgt_lang = marian_target(folder)
    positions = model_config.get("max_position_embeddings")
    max_tokens = positions if isinstance(positions, int) and not isinstance(positions, bool) and positions > 0 else 512
    return ModelSpec(
        name=name, source=source or str(folder), family=family, revision=None, src_lang=src_lang, tgt_lang=tgt_lang,
        max_input_tokens=int(min(max_tokens, 1024)), generation=folder_generation_settings(folder),
        backend="ctranslate2" if ct2 else "transformers", ct2_path=str(folder) if ct2 else None,
        description=f"unconfigured {family} model" + (" (CTranslate2)" if ct2 else ""),
    )


def marian_target(folder: Path) -> str | None:
    """The one language an OPUS-MT folder translates into, from its tokenizer_config.json (`en`, or ISO 639-3
    `eng` as the tc-big models write it), so `--to fr` with an ar-en folder is refused instead of labelling English
    as French; None when the file does not say or names a group (`mul`, `zle`: the target is chosen by token)."""
    value = read_json_object(folder / "tokenizer_config.json").get("target_lang")
    if not isinstance(value, str) or not re.fullmatch(r"[A-Za-z]{2,3}", value.strip()):
        return None
    code = normalize_language(value)
    if len(code) == 2:
        return code
    shorts = {short for short, flores in NLLB_CODES.items() if flores.split("_")[0] == code and len(short) == 2}
    return shorts.pop() if len(shorts) == 1 else None


def folder_generation_settings(folder: Path) -> GenerationSettings:
    """An unconfigured model decodes the way its own generation_config.json says (capped to our defaults)."""
    defaults = GenerationSettings()
    data = read_json_object(folder / "generation_config.json")

    def number(key: str, kind: type, fallback: Any) -> Any:
        value = data.get(key)
        usable = isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value < float("inf")
        return kind(value) if usable else fallback

    max_new = number("max_new_tokens", int, None) or min(number("max_length", int, defaults.max_new_tokens), defaults.max_new_tokens)
    return GenerationSettings(
        num_beams=number("num_beams", int, defaults.num_beams),
        max_new_tokens=max_new,
        no_repeat_ngram_size=number("no_repeat_ngram_size", int, defaults.no_repeat_ngram_size),
        length_penalty=number("length_penalty", float, defaults.length_penalty),
    ).capped()


def _tokenizer_class(folder: Path) -> str:
    return str(read_json_object(folder / "tokenizer_config.json").get("tokenizer_class") or "")


def _fix_source_hint(spec: ModelSpec) -> str:
    return f"check the path (models.{spec.name}.source if it is configured)"


def model_languages(spec: ModelSpec) -> tuple[str, ...]:
    """The languages a model serves: its `languages`, else those its family's code table names (NLLB, mBART-50);
    () when nothing says (an unconfigured folder of another family), and then nothing is refused."""
    return spec.languages or tuple({"nllb": NLLB_CODES, "mbart50": MBART50_CODES}.get(spec.family, ()))


def translation_targets(config: Config, source: str = "ar") -> list[str] | None:
    """Every `--to` the routing serves: its own targets and the default model's languages, less the source;
    None when the default model does not say which languages it serves."""
    default = model_languages(config.model(config.routing.default_translate))
    if not default:
        return None
    return sorted((set(config.routing.translate) | set(default)) - {normalize_language(source)})


def translator_spec(config: Config, target: str, model: str | None = None, *, source: str = "ar") -> ModelSpec:
    """Routing: `translate.<target>`, else the default multilingual model; `model` (--model) overrides both.

    A target that no model serves, or the source language itself, is a usage error (exit 2) naming the codes
    that work, rather than a download hint for a model that could not help.
    """
    target, source = normalize_language(target), normalize_language(source)
    spec = resolve_model(config, model) if model else None
    if spec is not None:
        supported = [code for code in model_languages(spec) if code != source] or None
    else:
        supported = translation_targets(config, source)
    if target == source:
        raise UsageError(f"--to {target}: that is the source language (--from {source}); "
                         f"translate into one of: {', '.join(supported or ['another language'])}")
    if supported is not None and target not in supported:
        whose = f"model {spec.name}" if spec else "arsum"
        named = {name.split("_")[0]: code for code, name in reversed(CROSSSUM_NAMES.items())}.get(target)
        meant = f" (the code for {target} is {named})" if named in supported else ""
        raise UsageError(f"--to {target}: {whose} cannot translate into it{meant}; supported: {', '.join(supported)}")
    return spec or config.model(config.routing.translator_for(target))


def require_downloaded(specs: list[ModelSpec], backend: str | None = None, env: Mapping[str, str] = os.environ) -> None:
    """ModelUnavailable now, from a look at the disk, rather than after torch has been imported; one message
    names every missing model, so a strategy that needs two does not send the user back twice."""
    missing: list[ModelUnavailable] = []
    for spec in specs:
        concrete = choose_backend(spec, backend)
        try:
            if concrete.backend == "ctranslate2":
                current_conversion(concrete)
            else:
                model_path(concrete, env)
        except ModelUnavailable as error:
            missing.append(error)
    if len(missing) == 1:
        raise missing[0]
    if missing:
        names = [error.name for error in missing]
        hints = list(dict.fromkeys(error.hint for error in missing))
        pulls = all(hint.startswith("run `arsum models pull ") for hint in hints)
        if pulls:
            raise ModelUnavailable(" and ".join(names), "not downloaded", pull_hint(" ".join(names), env))
        raise ModelUnavailable(" and ".join(names), "; ".join(f"{e.name}: {e.problem}" for e in missing), "; ".join(hints))
