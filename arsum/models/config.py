"""models.toml: the model catalogue and routing table, validated into frozen dataclasses.

The packaged file is the default; one user file (--config, ARSUM_CONFIG, or the user config dir) is merged
over it table by table. Nothing is read at import time, and this module never imports torch.
"""

from __future__ import annotations

import math
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from arsum.errors import ConfigError, ModelUnavailable
from arsum.models.names import BACKENDS, FAMILIES, STRATEGIES, TASKS  # noqa: F401 - the vocabulary, re-exported

FORCED_BOS_FAMILIES = frozenset({"nllb", "m2m100", "mbart50"})
DECODER_START_FAMILIES = frozenset({"mt5", "t5"})

# The 202 FLORES-200 codes of NLLB-200 (transformers' NllbTokenizer), keyed by the code users type: ISO 639-1 where
# the language has one (the macrolanguage code for a standard variety: ar = arb_Arab, fa = pes_Arab, ms = zsm_Latn),
# else ISO 639-3; a second script of the same language adds it (zh-Hant = zho_Hant, ks-Deva = kas_Deva).
NLLB_CODES = dict(pair.split("=") for pair in """
    ace=ace_Latn ace-Arab=ace_Arab acm=acm_Arab acq=acq_Arab aeb=aeb_Arab af=afr_Latn ajp=ajp_Arab ak=aka_Latn
    am=amh_Ethi apc=apc_Arab ar=arb_Arab ars=ars_Arab ary=ary_Arab arz=arz_Arab as=asm_Beng ast=ast_Latn
    awa=awa_Deva ay=ayr_Latn az=azj_Latn azb=azb_Arab ba=bak_Cyrl ban=ban_Latn be=bel_Cyrl bem=bem_Latn
    bg=bul_Cyrl bho=bho_Deva bjn=bjn_Latn bjn-Arab=bjn_Arab bm=bam_Latn bn=ben_Beng bo=bod_Tibt bs=bos_Latn
    bug=bug_Latn ca=cat_Latn ceb=ceb_Latn cjk=cjk_Latn ckb=ckb_Arab crh=crh_Latn cs=ces_Latn cy=cym_Latn
    da=dan_Latn de=deu_Latn dik=dik_Latn dyu=dyu_Latn dz=dzo_Tibt ee=ewe_Latn el=ell_Grek en=eng_Latn eo=epo_Latn
    es=spa_Latn et=est_Latn eu=eus_Latn fa=pes_Arab fi=fin_Latn fj=fij_Latn fo=fao_Latn fon=fon_Latn fr=fra_Latn
    fur=fur_Latn fuv=fuv_Latn ga=gle_Latn gd=gla_Latn gl=glg_Latn gn=grn_Latn gu=guj_Gujr ha=hau_Latn he=heb_Hebr
    hi=hin_Deva hne=hne_Deva hr=hrv_Latn ht=hat_Latn hu=hun_Latn hy=hye_Armn id=ind_Latn ig=ibo_Latn ilo=ilo_Latn
    is=isl_Latn it=ita_Latn ja=jpn_Jpan jv=jav_Latn ka=kat_Geor kab=kab_Latn kac=kac_Latn kam=kam_Latn
    kbp=kbp_Latn kea=kea_Latn kg=kon_Latn ki=kik_Latn kk=kaz_Cyrl km=khm_Khmr kmb=kmb_Latn kmr=kmr_Latn
    kn=kan_Knda knc=knc_Latn knc-Arab=knc_Arab ko=kor_Hang ks=kas_Arab ks-Deva=kas_Deva ky=kir_Cyrl lb=ltz_Latn
    lg=lug_Latn li=lim_Latn lij=lij_Latn lmo=lmo_Latn ln=lin_Latn lo=lao_Laoo lt=lit_Latn ltg=ltg_Latn
    lua=lua_Latn luo=luo_Latn lus=lus_Latn lv=lvs_Latn mag=mag_Deva mai=mai_Deva mg=plt_Latn mi=mri_Latn
    min=min_Latn mk=mkd_Cyrl ml=mal_Mlym mn=khk_Cyrl mni=mni_Beng mos=mos_Latn mr=mar_Deva ms=zsm_Latn mt=mlt_Latn
    my=mya_Mymr nb=nob_Latn ne=npi_Deva nl=nld_Latn nn=nno_Latn nso=nso_Latn nus=nus_Latn ny=nya_Latn oc=oci_Latn
    om=gaz_Latn or=ory_Orya pa=pan_Guru pag=pag_Latn pap=pap_Latn pl=pol_Latn prs=prs_Arab ps=pbt_Arab pt=por_Latn
    qu=quy_Latn rn=run_Latn ro=ron_Latn ru=rus_Cyrl rw=kin_Latn sa=san_Deva sat=sat_Beng sc=srd_Latn scn=scn_Latn
    sd=snd_Arab sg=sag_Latn shn=shn_Mymr si=sin_Sinh sk=slk_Latn sl=slv_Latn sm=smo_Latn sn=sna_Latn so=som_Latn
    sq=als_Latn sr=srp_Cyrl ss=ssw_Latn st=sot_Latn su=sun_Latn sv=swe_Latn sw=swh_Latn szl=szl_Latn ta=tam_Taml
    taq=taq_Latn taq-Tfng=taq_Tfng te=tel_Telu tg=tgk_Cyrl th=tha_Thai ti=tir_Ethi tk=tuk_Latn tl=tgl_Latn
    tn=tsn_Latn tpi=tpi_Latn tr=tur_Latn ts=tso_Latn tt=tat_Cyrl tum=tum_Latn tw=twi_Latn tzm=tzm_Tfng ug=uig_Arab
    uk=ukr_Cyrl umb=umb_Latn ur=urd_Arab uz=uzn_Latn vec=vec_Latn vi=vie_Latn war=war_Latn wo=wol_Latn xh=xho_Latn
    yi=ydd_Hebr yo=yor_Latn yue=yue_Hant zh=zho_Hans zh-Hant=zho_Hant zu=zul_Latn
""".split())
MBART50_CODES = {
    "ar": "ar_AR", "en": "en_XX", "fr": "fr_XX", "de": "de_DE", "es": "es_XX", "it": "it_IT",
    "pt": "pt_XX", "nl": "nl_XX", "tr": "tr_TR", "ur": "ur_PK", "fa": "fa_IR", "ru": "ru_RU",
    "uk": "uk_UA", "pl": "pl_PL", "zh": "zh_CN", "ja": "ja_XX", "ko": "ko_KR", "hi": "hi_IN",
    "bn": "bn_IN", "id": "id_ID", "sw": "sw_KE", "he": "he_IL", "az": "az_AZ", "vi": "vi_VN",
}
# Keys of crossSum's `langid_map` (config.json task_specific_params): the 45 XL-Sum languages, by the code users type.
CROSSSUM_NAMES = {
    "am": "amharic", "ar": "arabic", "az": "azerbaijani", "bn": "bengali", "my": "burmese", "zh": "chinese_simplified",
    "zh-Hant": "chinese_traditional", "en": "english", "fr": "french", "gu": "gujarati", "ha": "hausa", "hi": "hindi",
    "ig": "igbo", "id": "indonesian", "ja": "japanese", "rn": "kirundi", "ko": "korean", "ky": "kyrgyz", "mr": "marathi",
    "ne": "nepali", "om": "oromo", "ps": "pashto", "fa": "persian", "pcm": "pidgin", "pt": "portuguese", "pa": "punjabi",
    "ru": "russian", "gd": "scottish_gaelic", "sr": "serbian_cyrillic", "sr-Latn": "serbian_latin", "si": "sinhala",
    "so": "somali", "es": "spanish", "sw": "swahili", "ta": "tamil", "te": "telugu", "th": "thai", "ti": "tigrinya",
    "tr": "turkish", "uk": "ukrainian", "ur": "urdu", "uz": "uzbek", "vi": "vietnamese", "cy": "welsh", "yo": "yoruba",
}


GENERATION_MAXIMA = {"num_beams": 16, "max_new_tokens": 2048, "no_repeat_ngram_size": 16}
"""arsum's own bounds on decoding, whatever a config or a model folder asks: 1e6 beams or 1e9 new tokens would
exhaust memory or never end."""
MAX_INPUT_TOKENS = 16_384
MAX_CONFIG_BYTES = 1_000_000  # a models.toml is a few KB; a 2 GB (sparse) file is refused unread


@dataclass(frozen=True)
class GenerationSettings:
    num_beams: int = 4
    max_new_tokens: int = 256
    no_repeat_ngram_size: int = 0
    length_penalty: float = 1.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def capped(self) -> GenerationSettings:
        """These settings within GENERATION_MAXIMA (for values read from a model folder's own files)."""
        return replace(self, **{k: min(getattr(self, k), top) for k, top in GENERATION_MAXIMA.items()})


@dataclass(frozen=True)
class ModelSpec:
    """One named model; `source` is a hub id or a local folder."""

    name: str
    source: str
    family: str
    revision: str | None = None
    tasks: tuple[str, ...] = ("translate", "summarize")
    languages: tuple[str, ...] = ()
    license: str | None = None
    max_input_tokens: int = 512
    prefix: str = ""
    src_lang: str | None = None
    tgt_lang: str | None = None
    target_token: str | None = None
    decoder_start_token: str | None = None
    lang_tokens: Mapping[str, str] = field(default_factory=dict)
    backend: str = "auto"
    ct2_path: str | None = None
    description: str = ""
    download_mb: int | None = None  # what `models pull` downloads, in MB (10**6 bytes)
    generation: GenerationSettings = field(default_factory=GenerationSettings)

    @property
    def is_local(self) -> bool:
        return is_local_source(self.source)

    @property
    def target_mode(self) -> str | None:
        return target_token_mode(self.family)


@dataclass(frozen=True)
class Routing:
    translate: Mapping[str, str]
    default_translate: str
    summarize_english: str
    strategy: str
    english_summarizer: str

    def translator_for(self, target: str) -> str:
        return self.translate.get(target, self.default_translate)


@dataclass(frozen=True)
class SupportSettings:
    """The `[support]` table: which sentence encoder scores English against Arabic, and the flag threshold."""

    encoder: str = "use-m3"
    revision: str | None = None
    min_support: float | None = None


@dataclass(frozen=True)
class Config:
    models: Mapping[str, ModelSpec]
    routing: Routing
    sources: tuple[Path, ...]
    support: SupportSettings = SupportSettings()

    def model(self, name: str) -> ModelSpec:
        try:
            return self.models[name]
        except KeyError:
            raise ModelUnavailable(name, "not a configured model", "see `arsum models list`") from None


def target_token_mode(family: str) -> str | None:
    """How a family picks its output language: a forced first token, the decoder start token, or not at all."""
    if family in FORCED_BOS_FAMILIES:
        return "forced_bos"
    if family in DECODER_START_FAMILIES:
        return "decoder_start"
    return None


def family_language_code(family: str, lang: str) -> str:
    """The code a family's tokenizer uses for an ISO language (`en` -> `eng_Latn` for NLLB)."""
    if family == "nllb":
        return NLLB_CODES.get(lang, lang)
    if family == "mbart50":
        return MBART50_CODES.get(lang, lang)
    if family == "m2m100":
        return lang if lang.startswith("__") else f"__{lang}__"
    return lang


_FLORES_CODE = re.compile(r"[a-z]{3}_[A-Z][a-z]{3}")
_SHORT_OF_FLORES = {flores: short for short, flores in NLLB_CODES.items()}


def normalize_language(code: str) -> str:
    """The code arsum uses for a language: `EN`, `en-US`, `en_GB` -> `en`; a script is kept (`zh-hant` -> `zh-Hant`);
    a FLORES-200 code becomes its short form (`fra_Latn` -> `fr`)."""
    code = code.strip()
    if _FLORES_CODE.fullmatch(code) and code in _SHORT_OF_FLORES:
        return _SHORT_OF_FLORES[code]
    language, *subtags = re.split(r"[-_]", code)
    script = next((tag.title() for tag in subtags if len(tag) == 4 and tag.isalpha()), None)
    return f"{language.lower()}-{script}" if script else language.lower()


def is_local_source(source: str) -> bool:
    return source.startswith(("/", "~", "./", "../", ".\\", "..\\")) or (len(source) > 1 and source[1] == ":")


def default_config_path() -> Path:
    """The packaged models.toml: inside the wheel, or at the repo root in a source checkout."""
    try:
        from importlib.resources import files

        packaged = files("arsum") / "models.toml"
        if packaged.is_file():
            return Path(str(packaged))
    except (ModuleNotFoundError, OSError):  # pragma: no cover - defensive
        pass
    return Path(__file__).resolve().parents[2] / "models.toml"


def user_config_path(env: Mapping[str, str] = os.environ) -> Path:
    if env.get("XDG_CONFIG_HOME"):
        return Path(env["XDG_CONFIG_HOME"]) / "arsum" / "models.toml"
    if sys.platform == "win32" and env.get("APPDATA"):
        return Path(env["APPDATA"]) / "arsum" / "models.toml"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "arsum" / "models.toml"
    return Path.home() / ".config" / "arsum" / "models.toml"


def user_cache_base(env: Mapping[str, str] = os.environ) -> Path:
    """$XDG_CACHE_HOME or ~/.cache: where the hub cache and arsum's conversions live unless told otherwise."""
    return Path(env["XDG_CACHE_HOME"]).expanduser() if env.get("XDG_CACHE_HOME") else Path.home() / ".cache"


def config_files(cli_path: Path | None = None, env: Mapping[str, str] = os.environ) -> list[Path]:
    """Default first, then the one user file that applies (an explicit path must exist)."""
    files = [default_config_path()]
    explicit = cli_path or (Path(env["ARSUM_CONFIG"]) if env.get("ARSUM_CONFIG") else None)
    if explicit is not None:
        if not explicit.is_file():
            problem = "not a regular file (a models.toml)" if os.path.exists(explicit) else "config file not found"
            raise ConfigError(str(explicit), None, problem)
        files.append(explicit)
    else:
        user = user_config_path(env)
        if user.is_file():
            files.append(user)
    return files


def load_config(cli_path: Path | None = None, env: Mapping[str, str] = os.environ) -> Config:
    files = config_files(cli_path, env)
    models: dict[str, dict[str, Any]] = {}
    model_origin: dict[str, Path] = {}
    routing: dict[str, Any] = {}
    routing_origin: dict[str, Path] = {}
    support: dict[str, Any] = {}
    for path in files:
        raw = _read_toml(path)
        _check_keys(path, "", raw, {"models", "routing", "support"})
        support.update(_support_table(path, raw.get("support", {})))
        for name, entry in _table(path, "models", raw.get("models", {})).items():
            key = f"models.{name}"
            entry = _table(path, key, entry)
            _validate_model_entry(path, key, entry)
            merged = {**models.get(name, {}), **entry}
            if "generation" in entry and "generation" in models.get(name, {}):
                merged["generation"] = {**models[name]["generation"], **entry["generation"]}
            if "source" in entry:
                merged["source"] = _resolve_source(entry["source"], path)
            models[name] = merged
            model_origin[name] = path
        raw_routing = _table(path, "routing", raw.get("routing", {}))
        _check_keys(path, "routing", raw_routing, {"translate", "summarize"})
        for section in ("translate", "summarize"):
            if section in raw_routing:
                table = _table(path, f"routing.{section}", raw_routing[section])
                for key, value in table.items():
                    routing[f"{section}.{key}"] = value
                    routing_origin[f"{section}.{key}"] = path
    specs = {name: _build_spec(model_origin[name], name, entry) for name, entry in models.items()}
    return Config(
        models=specs, routing=_build_routing(routing, routing_origin, specs), sources=tuple(files),
        support=SupportSettings(**support),
    )


# --- validation -------------------------------------------------------------------------------------------

_MODEL_TYPES: dict[str, tuple[type, ...]] = {
    "source": (str,), "revision": (str,), "family": (str,), "tasks": (list,), "languages": (list,),
    "license": (str,), "max_input_tokens": (int,), "prefix": (str,), "src_lang": (str,), "tgt_lang": (str,),
    "target_token": (str,), "decoder_start_token": (str,), "lang_tokens": (dict,), "backend": (str,),
    "ct2_path": (str,), "description": (str,), "generation": (dict,), "download_mb": (int,),
}
_GENERATION_TYPES: dict[str, tuple[type, ...]] = {
    "num_beams": (int,), "max_new_tokens": (int,), "no_repeat_ngram_size": (int,), "length_penalty": (int, float),
}
_TYPE_NAMES = {str: "a string", list: "a list", int: "an integer", dict: "a table", float: "a number"}


_SUPPORT_TYPES: dict[str, tuple[type, ...]] = {"encoder": (str,), "revision": (str,), "min_support": (float, int)}


def _support_table(path: Path, value: Any) -> dict[str, Any]:
    table = _table(path, "support", value)
    _check_keys(path, "support", table, _SUPPORT_TYPES)
    for key, item in table.items():
        _check_type(path, f"support.{key}", item, _SUPPORT_TYPES[key])
    if "min_support" in table and not -1.0 <= table["min_support"] <= 1.0:
        raise ConfigError(str(path), "support.min_support", "must be between -1 and 1 (a cosine similarity)")
    if "encoder" in table:
        table = {**table, "encoder": _resolve_source(table["encoder"], path)}
    return table


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_CONFIG_BYTES + 1)
        if len(data) > MAX_CONFIG_BYTES:
            raise ConfigError(str(path), None, f"larger than {MAX_CONFIG_BYTES} bytes; not a models.toml")
        text = data.decode("utf-8")
    except OSError as exc:
        raise ConfigError(str(path), None, f"cannot read: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(str(path), None, "not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), None, f"invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(str(path), None, "invalid TOML: nested too deeply") from None


def _table(path: Path, key: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(str(path), key, f"must be a table, not {_type_name(value)}")
    return value


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return _TYPE_NAMES.get(type(value), type(value).__name__)


def _check_keys(path: Path, prefix: str, table: Mapping[str, Any], allowed: set[str] | Mapping[str, Any]) -> None:
    for key in table:
        if key not in allowed:
            where = f"{prefix}.{key}" if prefix else key
            raise ConfigError(str(path), where, f"unknown key (expected one of: {', '.join(sorted(allowed))})")


def _check_type(path: Path, key: str, value: Any, types: tuple[type, ...]) -> None:
    if isinstance(value, bool) or not isinstance(value, types):
        raise ConfigError(str(path), key, f"must be {_TYPE_NAMES[types[0]]}, not {_type_name(value)}")


def _validate_model_entry(path: Path, key: str, entry: Mapping[str, Any]) -> None:
    _check_keys(path, key, entry, _MODEL_TYPES)
    for name, value in entry.items():
        _check_type(path, f"{key}.{name}", value, _MODEL_TYPES[name])
    if "family" in entry and entry["family"] not in FAMILIES:
        raise ConfigError(str(path), f"{key}.family", f"unknown family {entry['family']!r} (known: {', '.join(FAMILIES)})")
    if "backend" in entry and entry["backend"] not in BACKENDS:
        raise ConfigError(str(path), f"{key}.backend", f"unknown backend {entry['backend']!r} (known: {', '.join(BACKENDS)})")
    for list_key in ("tasks", "languages"):
        for item in entry.get(list_key, []):
            if not isinstance(item, str):
                raise ConfigError(str(path), f"{key}.{list_key}", f"must list strings, not {_type_name(item)}")
    for task in entry.get("tasks", []):
        if task not in TASKS:
            raise ConfigError(str(path), f"{key}.tasks", f"unknown task {task!r} (known: {', '.join(TASKS)})")
    for count_key in ("max_input_tokens", "download_mb"):
        if entry.get(count_key, 1) < 1:
            raise ConfigError(str(path), f"{key}.{count_key}", "must be at least 1")
    if entry.get("max_input_tokens", 1) > MAX_INPUT_TOKENS:
        raise ConfigError(str(path), f"{key}.max_input_tokens", f"must be at most {MAX_INPUT_TOKENS}")
    for lang, token in entry.get("lang_tokens", {}).items():
        if not isinstance(token, str):
            raise ConfigError(str(path), f"{key}.lang_tokens.{lang}", f"must be a string, not {_type_name(token)}")
    generation = entry.get("generation", {})
    _check_keys(path, f"{key}.generation", generation, _GENERATION_TYPES)
    for name, value in generation.items():
        _check_type(path, f"{key}.generation.{name}", value, _GENERATION_TYPES[name])
        minimum = 0 if name == "no_repeat_ngram_size" else 1
        if name == "length_penalty":
            if not math.isfinite(value):
                raise ConfigError(str(path), f"{key}.generation.{name}", "must be a finite number")
        elif value < minimum:
            raise ConfigError(str(path), f"{key}.generation.{name}", f"must be at least {minimum}")
        elif value > GENERATION_MAXIMA[name]:
            raise ConfigError(str(path), f"{key}.generation.{name}", f"must be at most {GENERATION_MAXIMA[name]}")


def _resolve_source(source: str, config_file: Path) -> str:
    """Relative folders in a config file are relative to that file, not to the working directory."""
    if source.startswith(("./", "../", ".\\", "..\\")):
        return str((config_file.parent / source).resolve())
    if source.startswith("~"):
        return str(Path(source).expanduser())
    return source


def _build_spec(path: Path, name: str, entry: Mapping[str, Any]) -> ModelSpec:
    for required in ("source", "family"):
        if required not in entry:
            raise ConfigError(str(path), f"models.{name}.{required}", "missing (required)")
    known = {f.name for f in fields(ModelSpec)}
    values = {k: v for k, v in entry.items() if k in known and k != "generation"}
    if "tasks" in values:
        values["tasks"] = tuple(values["tasks"])
    if "languages" in values:
        values["languages"] = tuple(dict.fromkeys(normalize_language(code) for code in values["languages"]))
    return ModelSpec(name=name, generation=GenerationSettings(**entry.get("generation", {})), **values)


def _build_routing(raw: Mapping[str, Any], origin: Mapping[str, Path], models: Mapping[str, ModelSpec]) -> Routing:
    def model_ref(key: str) -> str:
        if key not in raw:
            raise ConfigError(str(default_config_path()), f"routing.{key}", "missing (required)")
        value = raw[key]
        _check_type(origin[key], f"routing.{key}", value, (str,))
        if value not in models:
            raise ConfigError(str(origin[key]), f"routing.{key}", f"unknown model {value!r}")
        return value

    translate = {normalize_language(k.split(".", 1)[1]): model_ref(k) for k in raw
                 if k.startswith("translate.") and k != "translate.default"}
    known_summarize = {"summarize.english", "summarize.strategy", "summarize.english_summarizer"}
    for key in raw:
        if key.startswith("summarize.") and key not in known_summarize:
            raise ConfigError(str(origin[key]), f"routing.{key}", "unknown key (expected english, strategy, english_summarizer)")
    strategy = raw.get("summarize.strategy", "crosslingual")
    if strategy not in STRATEGIES:
        where = str(origin.get("summarize.strategy", default_config_path()))
        raise ConfigError(where, "routing.summarize.strategy", f"unknown strategy {strategy!r} (known: {', '.join(STRATEGIES)})")
    english = model_ref("summarize.english")
    return Routing(
        translate=translate,
        default_translate=model_ref("translate.default"),
        summarize_english=english,
        strategy=strategy,
        english_summarizer=model_ref("summarize.english_summarizer") if "summarize.english_summarizer" in raw else english,
    )
