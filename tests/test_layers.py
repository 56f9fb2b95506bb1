"""The package's layers hold: cli above the api above tasks above models and text, which never import each other
(the contract is in pyproject.toml, [tool.importlinter]; `lint-imports` prints the same verdict)."""

from __future__ import annotations

from conftest import REPO_ROOT


def test_import_layers_are_kept() -> None:
    from importlinter.cli import lint_imports

    assert lint_imports(config_filename=str(REPO_ROOT / "pyproject.toml"), no_cache=True) == 0
