"""models.toml loading, merging and validation."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from arsum.errors import ConfigError
from arsum.models.config import (
    GenerationSettings,
    default_config_path,
    family_language_code,
    load_config,
    target_token_mode,
    user_config_path,
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_default_config_routes_to_the_documented_models() -> None:
    config = load_config()
    assert config.sources == (default_config_path(),)
    assert config.model(config.routing.translator_for("en")).source == "Helsinki-NLP/opus-mt-tc-big-ar-en"
    for other in ("fr", "de", "ur", "sw"):
        assert config.model(config.routing.translator_for(other)).source == "facebook/nllb-200-distilled-600M"
    summarizer = config.model(config.routing.summarize_english)
    assert summarizer.source == "csebuetnlp/mT5_m2m_crossSum_enhanced"
    assert config.routing.strategy == "crosslingual"
    assert config.model("opus-mt-ar-en").family == "marian"
    assert all(spec.license for spec in config.models.values())


def test_user_file_precedence_cli_over_env_over_user_dir(tmp_path: Path) -> None:
    def cfg(beams: int) -> str:
        return f"[models.opus-mt-ar-en.generation]\nnum_beams = {beams}\n"

    user = write(user_config_path({"XDG_CONFIG_HOME": str(tmp_path / "xdg")}), cfg(2))
    env_file = write(tmp_path / "env.toml", cfg(3))
    cli_file = write(tmp_path / "cli.toml", cfg(5))
    base_env = {"XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    cases = [
        (None, base_env, 2, user),
        (None, {**base_env, "ARSUM_CONFIG": str(env_file)}, 3, env_file),
        (cli_file, {**base_env, "ARSUM_CONFIG": str(env_file)}, 5, cli_file),
    ]
    for cli, env, beams, source in cases:
        config = load_config(cli, env)
        assert config.model("opus-mt-ar-en").generation.num_beams == beams
        assert config.sources[-1] == source
        assert config.model("opus-mt-ar-en").generation.max_new_tokens == 256  # merged, not replaced


def test_no_user_file_means_defaults_only(tmp_path: Path) -> None:
    assert load_config(None, {"XDG_CONFIG_HOME": str(tmp_path)}).sources == (default_config_path(),)


def test_user_models_and_routing_merge_over_defaults(tmp_path: Path) -> None:
    path = write(
        tmp_path / "conf" / "models.toml",
        '[models.mine]\nsource = "./models/tiny"\nfamily = "marian"\ntasks = ["translate"]\n'
        '[models.mine.generation]\nnum_beams = 1\n[routing.translate]\nen = "mine"\n',
    )
    config = load_config(path, {})
    assert config.routing.translator_for("en") == "mine"
    assert config.routing.default_translate == "nllb-200-distilled-600m"
    mine = config.model("mine")
    assert Path(mine.source) == (tmp_path / "conf" / "models" / "tiny").resolve()
    assert mine.is_local and mine.generation == GenerationSettings(num_beams=1)


BAD_CONFIGS = [
    ("models = [", None, "invalid TOML"),
    ("[models.x]\nsource = 'a/b'\nfamily = 'gpt'\n", "models.x.family", "unknown family"),
    ("[models.x]\nsource = 'a/b'\nfamily = 'marian'\nmax_input_tokens = 'big'\n", "models.x.max_input_tokens", "must be an integer"),
    ("[models.x]\nsource = 'a/b'\nfamily = 'marian'\nmax_input_tokens = 0\n", "models.x.max_input_tokens", "at least 1"),
    ("[models.x]\nsource = 'a/b'\nfamily = 'marian'\nsoruce = 'typo'\n", "models.x.soruce", "unknown key"),
    ("[models.x]\nfamily = 'marian'\n", "models.x.source", "missing"),
    ("[models.x]\nsource = 'a/b'\nfamily = 'marian'\ntasks = ['dance']\n", "models.x.tasks", "unknown task"),
    ("[models.x]\nsource = 'a/b'\nfamily = 'marian'\nbackend = 'onnx'\n", "models.x.backend", "unknown backend"),
    ("[models.x]\nsource = 'a/b'\nfamily = 'marian'\ndownload_mb = 0\n", "models.x.download_mb", "at least 1"),
    ("[models.x]\nsource = 'a/b'\nfamily = 'marian'\ndownload_mb = '2 GB'\n", "models.x.download_mb", "must be an integer"),
    ("[models.x]\nsource = 1\nfamily = 'marian'\n", "models.x.source", "must be a string"),
    ("[models.x.generation]\nnum_beams = 0\n", "models.x.generation.num_beams", "at least 1"),
    ("[models.x.generation]\nnum_beams = true\n", "models.x.generation.num_beams", "must be an integer"),
    ("[models.x.generation]\ntemperature = 0.7\n", "models.x.generation.temperature", "unknown key"),
    ("[models]\nx = 3\n", "models.x", "must be a table"),
    ("[routing.translate]\nen = 'nope'\n", "routing.translate.en", "unknown model 'nope'"),
    ("[routing.summarize]\nstrategy = 'guess'\n", "routing.summarize.strategy", "unknown strategy"),
    ("[routing.summarize]\nenglish = 5\n", "routing.summarize.english", "must be a string"),
    ("[routing.summarize]\ncolour = 'red'\n", "routing.summarize.colour", "unknown key"),
    ("[extra]\na = 1\n", "extra", "unknown key"),
]


@pytest.mark.parametrize(("text", "key", "problem"), BAD_CONFIGS)
def test_invalid_config_names_file_key_and_problem(tmp_path: Path, text: str, key: str | None, problem: str) -> None:
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ConfigError) as err:
        load_config(path, {})
    assert err.value.path == str(path)
    assert err.value.key == key
    assert problem in err.value.problem
    assert str(path) in str(err.value) and "\n" not in str(err.value)


def test_bad_toml_reports_line_number(tmp_path: Path) -> None:
    path = write(tmp_path / "bad.toml", "[models.x]\nsource = 'a/b'\nfamily = \n")
    with pytest.raises(ConfigError, match="line 3"):
        load_config(path, {})


@pytest.mark.parametrize("via", ["cli", "env"])
def test_explicit_config_file_must_exist(tmp_path: Path, via: str) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="not found"):
        load_config(missing if via == "cli" else None, {} if via == "cli" else {"ARSUM_CONFIG": str(missing)})


@pytest.mark.parametrize(
    ("family", "lang", "code", "mode"),
    [
        ("nllb", "en", "eng_Latn", "forced_bos"),
        ("nllb", "fr", "fra_Latn", "forced_bos"),
        ("nllb", "ur", "urd_Arab", "forced_bos"),
        ("nllb", "fa", "pes_Arab", "forced_bos"),
        ("nllb", "kor_Hang", "kor_Hang", "forced_bos"),
        ("m2m100", "de", "__de__", "forced_bos"),
        ("mbart50", "tr", "tr_TR", "forced_bos"),
        ("mt5", "en", "en", "decoder_start"),
        ("marian", "en", "en", None),
    ],
)
def test_family_language_codes(family: str, lang: str, code: str, mode: str | None) -> None:
    assert family_language_code(family, lang) == code
    assert target_token_mode(family) == mode


def test_engine_modules_import_without_torch() -> None:
    code = (
        "import sys, arsum.models.config, arsum.models.store, arsum.models.engine, arsum.tasks.translation, arsum.tasks.abstractive, arsum.cli.progress;"
        "bad = [m for m in ('torch', 'transformers', 'huggingface_hub') if m in sys.modules];"
        "sys.exit(', '.join(bad) or None)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=Path(__file__).parents[1])
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('[support]\nencoder = 3\n', "support.encoder", "must be a string"),
        ('[support]\nmin_support = "high"\n', "support.min_support", "must be a number"),
        ("[support]\nmin_support = 2.0\n", "support.min_support", "between -1 and 1"),
        ('[support]\nthreshold = 0.5\n', "support.threshold", "unknown key"),
    ],
)
def test_bad_support_table(tmp_path: Path, text: str, key: str, problem: str) -> None:
    from arsum.errors import ConfigError
    from arsum.models.config import load_config

    path = tmp_path / "models.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(path) in str(caught.value) and key in str(caught.value) and problem in str(caught.value)


def test_support_table_merges_and_resolves_relative_encoder(tmp_path: Path) -> None:
    from arsum.models.config import load_config

    path = tmp_path / "models.toml"
    path.write_text('[support]\nencoder = "./labse"\nmin_support = 0.5\n', encoding="utf-8")
    settings = load_config(path).support
    assert settings.encoder == str((tmp_path / "labse").resolve()) and settings.min_support == 0.5
    assert load_config().support.encoder == "use-m3" and load_config().support.min_support is None
