"""Loading and the seq2seq engine, through real transformers on tiny random models."""

from __future__ import annotations

import sys
import types
from contextlib import contextmanager
from pathlib import Path

import pytest
import tinymodels
from tinymodels import broken_copy

from arsum.errors import ModelUnavailable, UsageError
from arsum.models.config import GenerationSettings, load_config
from arsum.models.device import resolve_device
from arsum.models.engine import Engine, Seq2SeqBackend, build_engine, plan_batches
from arsum.models.store import resolve_model
from arsum.models.transformers_backend import TransformersBackend, load_transformers

GREEDY = GenerationSettings(num_beams=1, max_new_tokens=10)
LINES = tinymodels.sample_lines()[2:14]


def engine_for(folder: Path, **options: object) -> Engine:
    config = load_config()
    return build_engine(resolve_model(config, str(folder)), device="cpu", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("lengths", "budget", "size"),
    [([5, 1, 9, 3, 3, 7], 20, 4), ([10] * 10, 30, 32), ([1] * 50, 10_000, 8), ([100, 1, 1], 50, 4), ([], 10, 2)],
)
def test_plan_batches_covers_every_index_once_within_budget(lengths: list[int], budget: int, size: int) -> None:
    batches = plan_batches(lengths, max_batch_tokens=budget, max_batch_size=size)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    for batch in batches:
        assert len(batch) <= size
        width = max(lengths[i] for i in batch)
        assert width * len(batch) <= budget or len(batch) == 1
    flat = [lengths[i] for b in batches for i in b]
    assert flat == sorted(flat, reverse=True)


@pytest.mark.parametrize("fixture", ["tiny_marian", "tiny_mt5", "tiny_forced_bos"])
def test_batched_equals_one_by_one_greedy(fixture: str, request: pytest.FixtureRequest) -> None:
    engine = engine_for(request.getfixturevalue(fixture))
    batched = engine.generate(LINES, GREEDY, target="en").texts
    single = tuple(engine.generate([line], GREEDY, target="en").texts[0] for line in LINES)
    assert batched == single
    assert len(set(batched)) > len(LINES) // 2, "tiny model output must depend on its input"


@pytest.mark.parametrize("fixture", ["tiny_marian", "tiny_mt5", "tiny_forced_bos"])
def test_one_output_per_input_in_input_order(fixture: str, request: pytest.FixtureRequest) -> None:
    engine = engine_for(request.getfixturevalue(fixture), max_batch_size=3, max_batch_tokens=200)
    texts = [LINES[0], "", "   ", *LINES[1:6], LINES[0]]
    out = engine.generate(texts, GREEDY, target="en").texts
    assert len(out) == len(texts)
    assert out[1] == out[2] == ""
    assert out[0] == out[-1] and out[0]
    assert engine.generate(texts[::-1], GREEDY, target="en").texts == out[::-1]


class RecordingBackend:
    commit = None
    max_positions = None
    parallel_batches = 1

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.langid_map: dict[str, object] = {}

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(t.split()) + 1 for t in texts]

    def generate(self, texts: list[str], settings: GenerationSettings, target_token: str | None) -> list[str]:
        self.batches.append(list(texts))
        return [f"{target_token}:{t.upper()}" for t in texts]


def test_engine_batches_under_budget_and_restores_order() -> None:
    spec = resolve_model(load_config(), "opus-mt-ar-en")
    backend = RecordingBackend()
    assert isinstance(backend, Seq2SeqBackend)
    engine = Engine(spec, backend, max_batch_tokens=8 * GenerationSettings().num_beams, max_batch_size=3)
    texts = ["a b c", "d", "e f  g\nh i", "j k", "l", "m n o p", "d", "a  b c"]
    out = engine.generate(texts)
    assert out.texts == tuple(f"None:{' '.join(t.split()).upper()}" for t in texts)
    assert sorted(t for b in backend.batches for t in b) == sorted({" ".join(t.split()) for t in texts}), \
        "each distinct input is generated exactly once"
    assert out.truncated == (False,) * len(texts) and out.warnings == ()
    for batch in backend.batches:
        assert len(batch) <= 3 and max(len(t.split()) + 1 for t in batch) * len(batch) <= 8 or len(batch) == 1


def test_target_tokens_by_family(tiny_marian: Path, tiny_mt5: Path, tiny_forced_bos: Path) -> None:
    assert engine_for(tiny_marian).target_token("en") is None
    assert engine_for(tiny_mt5).target_token("en") == tinymodels.MT5_LANGID_MAP["english"][1]
    nllb = engine_for(tiny_forced_bos)
    assert (nllb.target_token("en"), nllb.target_token("fr")) == ("eng_Latn", "fra_Latn")
    assert nllb.generate(LINES, GREEDY, target="en").texts != nllb.generate(LINES, GREEDY, target="fr").texts


def test_unknown_target_token_is_a_model_error(tiny_forced_bos: Path) -> None:
    with pytest.raises(ModelUnavailable, match="'xx_Yyyy' is not in its vocabulary"):
        engine_for(tiny_forced_bos).generate(["نص"], GREEDY, target="xx_Yyyy")


def test_bin_only_weights_load_with_weights_only_unpickler(tiny_marian: Path, tiny_marian_bin: Path) -> None:
    assert not list(tiny_marian_bin.glob("*.safetensors"))
    assert engine_for(tiny_marian_bin).generate(LINES, GREEDY).texts == engine_for(tiny_marian).generate(LINES, GREEDY).texts


def test_model_loaded_once_per_process(tiny_marian: Path) -> None:
    spec = resolve_model(load_config(), str(tiny_marian))
    first = load_transformers(spec, device="cpu")
    assert load_transformers(spec, device="cpu") is first
    assert TransformersBackend(spec, device="cpu").loaded.model is first.model


def test_int8_quantization_keeps_count_and_order(tiny_marian: Path) -> None:
    import torch

    engine = engine_for(tiny_marian, quantize="int8", max_batch_size=1)
    model = engine.backend.loaded.model  # type: ignore[attr-defined]
    assert any(type(m).__module__.startswith("torch.ao.nn.quantized.dynamic") for m in model.modules())
    assert not any(type(m) is torch.nn.Linear for m in model.modules())
    texts = [*LINES[:5], ""]
    out = engine.generate(texts, GREEDY).texts
    assert len(out) == len(texts) and out[-1] == "" and all(out[:-1])
    assert engine.generate(texts[::-1], GREEDY).texts == out[::-1]


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(True, True, "cuda"), (True, False, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_auto_device_is_cuda_then_mps_then_cpu(monkeypatch: pytest.MonkeyPatch, cuda: bool, mps: bool,
                                               expected: str) -> None:
    import torch

    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert resolve_device("auto") == expected
    assert resolve_device("cpu") == "cpu"
    for device, available in (("cuda", cuda), ("mps", mps)):
        if available:
            assert resolve_device(device) == device
        else:
            with pytest.raises(UsageError, match=f"--device {device}: "):
                resolve_device(device)


def test_device_and_quantize_validation(tiny_marian: Path) -> None:
    with pytest.raises(UsageError, match="unknown device"):
        resolve_device("tpu")
    spec = resolve_model(load_config(), str(tiny_marian))
    with pytest.raises(UsageError, match="unknown quantization"):
        load_transformers(spec, device="cpu", quantize="int4")


@pytest.mark.parametrize(
    ("how", "source", "problem"),
    [
        ("config-json", "tiny_marian", "not valid JSON"),
        ("no-config", "tiny_marian", "no config.json"),
        ("truncated", "tiny_marian", "model.safetensors cannot be loaded"),
        ("truncated-bin", "tiny_marian_bin", "pytorch_model.bin cannot be loaded"),
        ("no-weights", "tiny_marian", "no weights"),
        ("tokenizer-too-big", "tiny_marian", "tokenizer has 352 tokens but the model's embedding has only 302 rows"),
        ("no-tokenizer", "tiny_marian", "tokenizer in"),
        ("wrong-shapes", "tiny_marian", "cannot be loaded"),
    ],
)
def test_broken_model_folders_are_one_line_model_errors(
    tmp_path: Path, request: pytest.FixtureRequest, how: str, source: str, problem: str
) -> None:
    folder = broken_copy(request.getfixturevalue(source), tmp_path / f"broken-{how}", how)
    config = load_config()
    with pytest.raises(ModelUnavailable) as err:
        spec = resolve_model(config, str(folder))
        build_engine(spec, device="cpu").generate(["نص قصير"], GREEDY)
    assert problem in err.value.problem
    assert "\n" not in str(err.value)


def test_missing_hub_model_fails_fast_with_pull_hint() -> None:
    config = load_config()
    engine = build_engine(config.model("opus-mt-tc-big-ar-en"), device="cpu")  # cheap: nothing loaded
    with pytest.raises(ModelUnavailable) as err:
        engine.generate(["نص"])
    assert err.value.name == "opus-mt-tc-big-ar-en"
    assert "not downloaded" in err.value.problem
    assert err.value.hint.startswith("run `arsum models pull opus-mt-tc-big-ar-en`")
    assert "`arsum models import ARCHIVE|FOLDER`" in err.value.hint and "-m FOLDER" in err.value.hint


def test_ctranslate2_backend_is_dispatched_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, ...]] = []

    class FakeCT2:
        def __init__(self, spec: object, *, device: str, quantize: str | None, reporter: object) -> None:
            calls.append((spec, device, quantize))

    monkeypatch.setitem(sys.modules, "arsum.models.ctranslate2_backend", types.SimpleNamespace(CTranslate2Backend=FakeCT2))
    config = load_config()
    spec = config.model("opus-mt-ar-en")
    from dataclasses import replace

    engine = build_engine(replace(spec, backend="ctranslate2"), device="cpu", quantize="int8")
    assert isinstance(engine.backend, FakeCT2)
    assert calls == [(replace(spec, backend="ctranslate2"), "cpu", "int8")]


def _cores() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@pytest.mark.parametrize(
    ("arsum_threads", "expected"),
    [("3", 3), (" 2 ", 2), ("1024", 1024), ("", None), (None, None),
     ("0", "between 1 and 1024"), ("99999999999", "between 1 and 1024"), ("lots", "whole number"), ("-2", "whole number")],
)
def test_thread_count_follows_arsum_threads(monkeypatch: pytest.MonkeyPatch, arsum_threads: str | None,
                                            expected: int | str | None) -> None:
    """One count for both backends; unset or empty means every usable core; anything else is a usage error."""
    from arsum.errors import UsageError
    from arsum.models.device import thread_count

    if arsum_threads is None:
        monkeypatch.delenv("ARSUM_THREADS", raising=False)
    else:
        monkeypatch.setenv("ARSUM_THREADS", arsum_threads)
    if isinstance(expected, str):
        with pytest.raises(UsageError, match=expected):
            thread_count()
        return
    assert thread_count() == (expected if expected is not None else _cores())


@pytest.mark.parametrize(
    ("env", "expected"),
    [({"ARSUM_THREADS": "2"}, 2), ({"ARSUM_THREADS": "2", "OMP_NUM_THREADS": "3"}, 2), ({"OMP_NUM_THREADS": "3"}, None)],
)
def test_configure_threads_leaves_openmp_choices_to_torch(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                          expected: int | None) -> None:
    import torch

    from arsum.models.device import configure_threads

    before = torch.get_num_threads()
    start = max(_cores(), 2) + 5  # a count nothing here would choose: a case cannot pass by what ran before it
    for var in ("ARSUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    torch.set_num_threads(start)
    try:
        assert configure_threads() == (expected if expected is not None else start)
        assert torch.get_num_threads() == (expected if expected is not None else start)
    finally:
        torch.set_num_threads(before)


# -- cases the mutation benchmark found unguarded (bench/mutation.py on engine.py) -------------------------------


def test_plan_batches_counts_an_empty_input_as_one_token() -> None:
    # widths of 1: two fit a budget of 2 tokens; counting them as 2 would give batches of one
    assert plan_batches([1, 1, 1, 1], max_batch_tokens=2, max_batch_size=10) == [[0, 1], [2, 3]]


def test_backend_option_overrides_the_spec() -> None:
    from dataclasses import replace

    spec = replace(load_config().model("opus-mt-ar-en"), backend="ctranslate2")
    engine = build_engine(spec, device="cpu", backend="transformers")  # nothing is loaded until first use
    assert isinstance(engine.backend, TransformersBackend)


class CountingReporter:
    """Records each progress bar's total and every advance."""

    def __init__(self) -> None:
        self.totals: list[int | None] = []
        self.advanced: list[int] = []

    @contextmanager
    def status(self, message: str):  # noqa: ANN201
        yield

    @contextmanager
    def track(self, description: str, total: int | None):  # noqa: ANN201
        self.totals.append(total)
        yield types.SimpleNamespace(advance=self.advanced.append)


def test_progress_counts_the_inputs_that_reach_the_model() -> None:
    reporter = CountingReporter()
    engine = Engine(resolve_model(load_config(), "opus-mt-ar-en"), RecordingBackend(), reporter=reporter)
    engine.generate(["a b", "", "c", "a  b"])
    assert reporter.totals == [2]  # the empty input and the repeat are not model work


def test_forced_bos_target_token_is_the_configured_one_only_for_its_own_language() -> None:
    from dataclasses import replace

    spec = replace(load_config().model("nllb-200-distilled-600m"), target_token="eng_Latn", tgt_lang="en")
    engine = Engine(spec, RecordingBackend())
    assert engine.target_token(None) == "eng_Latn"
    assert engine.target_token("en") == "eng_Latn"
    assert engine.target_token("fr") == "fra_Latn"  # another language: the family's code, not target_token


class ParallelBackend(RecordingBackend):
    """Runs `parallel_batches` calls at once: the first two must meet, so calls made one after another time out."""

    def __init__(self, workers: int, fail_on: str | None = None) -> None:
        import threading

        super().__init__()
        self.parallel_batches = workers
        self.fail_on = fail_on
        self.meeting = threading.Barrier(2, timeout=10)
        self.threads: set[str] = set()

    def generate(self, texts: list[str], settings: GenerationSettings, target_token: str | None) -> list[str]:
        import threading

        self.threads.add(threading.current_thread().name)
        if len(self.batches) < 2:
            self.batches.append(list(texts))
            self.meeting.wait()
        else:
            self.batches.append(list(texts))
        if self.fail_on in texts:
            raise ModelUnavailable("tiny", "the runtime failed")
        return [f"{target_token}:{t.upper()}" for t in texts]


def test_a_parallel_backend_runs_batches_side_by_side_and_keeps_input_order() -> None:
    backend = ParallelBackend(workers=3)
    engine = Engine(resolve_model(load_config(), "opus-mt-ar-en"), backend, max_batch_size=2)
    texts = [f"w{i} " * (i % 4 + 1) for i in range(11)] + ["w0", ""]
    out = engine.generate(texts)
    assert out.texts == tuple(f"None:{' '.join(t.split()).upper()}" if t.strip() else "" for t in texts)
    assert sorted(t for b in backend.batches for t in b) == sorted({" ".join(t.split()) for t in texts if t.strip()})
    assert all(len(b) <= 2 for b in backend.batches)
    assert len(backend.threads) >= 2 and all(name.startswith("arsum-batch") for name in backend.threads)


@pytest.mark.parametrize(("workers", "inputs", "sizes"), [
    (2, 4, [2, 2]),        # a few inputs go to every worker, not into one batch
    (3, 7, [3, 3, 1]),
    (2, 1, [1]),
    (1, 5, [5]),
    (2, 100, [32, 32, 32, 4]),  # many: the usual batch size still caps each batch
])
def test_batches_are_spread_over_the_workers(workers: int, inputs: int, sizes: list[int]) -> None:
    backend = RecordingBackend()
    backend.parallel_batches = workers
    engine = Engine(resolve_model(load_config(), "opus-mt-ar-en"), backend)
    engine.generate([f"w{i}" for i in range(inputs)])
    assert sorted(map(len, backend.batches), reverse=True) == sizes


def test_a_failing_parallel_batch_fails_the_call_and_leaves_no_worker_behind() -> None:
    import threading

    backend = ParallelBackend(workers=2, fail_on="w5")
    engine = Engine(resolve_model(load_config(), "opus-mt-ar-en"), backend, max_batch_size=1)
    with pytest.raises(ModelUnavailable, match="the runtime failed"):
        engine.generate([f"w{i}" for i in range(40)])
    assert not [t for t in threading.enumerate() if t.name.startswith("arsum-batch")]


def test_progress_advances_by_every_batch_of_a_parallel_backend() -> None:
    reporter = CountingReporter()
    engine = Engine(resolve_model(load_config(), "opus-mt-ar-en"), ParallelBackend(workers=2), max_batch_size=3,
                    reporter=reporter)
    engine.generate([f"w{i}" for i in range(10)])
    assert sorted(reporter.advanced) == [1, 3, 3, 3]


def test_two_batches_also_run_side_by_side() -> None:
    backend = ParallelBackend(workers=2)  # its first two calls must meet: one after the other they time out
    Engine(resolve_model(load_config(), "opus-mt-ar-en"), backend).generate(["w1", "w2", "w3", "w4"])
    assert sorted(map(len, backend.batches)) == [2, 2]


def test_a_backend_that_loses_outputs_is_an_error() -> None:
    class Lossy(RecordingBackend):
        def generate(self, texts: list[str], settings: GenerationSettings, target_token: str | None) -> list[str]:
            return super().generate(texts, settings, target_token)[:-1]

    engine = Engine(resolve_model(load_config(), "opus-mt-ar-en"), Lossy())
    with pytest.raises(RuntimeError, match=r"^backend returned 2 outputs for 3 inputs$"):
        engine.generate(["a", "b", "c"])
