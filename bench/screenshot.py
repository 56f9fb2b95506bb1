"""The README's screenshot: the real `arsum summarize --bidi` rich output for the seed release, saved as SVG by Rich.

    python bench/screenshot.py            # rewrites docs/summarize-seed.svg
    python bench/screenshot.py --check    # exit 1 when the committed SVG is not the current output (a test runs this)

The CLI runs as a subprocess with colour forced at a fixed width; its ANSI output is replayed into a recording Rich
console. With --bidi every cell already holds what a terminal shows, so the SVG tells its viewer not to reorder
(`unicode-bidi: bidi-override`): browsers and librsvg would otherwise apply their own bidi to whole rows, borders included.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = "seeds/azerbaijan_nato_dialogue.txt"
COMMAND = ["summarize", SEED, "--no-english", "-f", "rich", "--bidi"]
WIDTH = 100
SVG = ROOT / "docs" / "summarize-seed.svg"


def cli_output(command: list[str] = COMMAND, allowed: tuple[int, ...] = (0,)) -> str:
    """What `arsum COMMAND` writes to a 100-column colour terminal (ANSI codes included); an exit status outside
    `allowed` is an error."""
    env = {**os.environ, "COLUMNS": str(WIDTH), "FORCE_COLOR": "1", "TERM": "xterm-256color", "PYTHONPATH": str(ROOT)}
    env.pop("NO_COLOR", None)
    done = subprocess.run(
        [sys.executable, "-m", "arsum", *command], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode not in allowed:
        raise subprocess.CalledProcessError(done.returncode, done.args, done.stdout, done.stderr)
    return done.stdout


def fingerprint(output: str) -> str:
    """Kept in the SVG: --check compares the output's characters, not SVG bytes or colour codes (Rich's to vary)."""
    from rich.text import Text

    plain = Text.from_ansi(output).plain
    return f"<!-- arsum output sha256 {hashlib.sha256(plain.encode()).hexdigest()} -->"


def render(output: str, command: list[str] = COMMAND) -> str:
    from rich.console import Console
    from rich.text import Text

    console = Console(record=True, width=WIDTH, file=open(os.devnull, "w"), force_terminal=True)  # noqa: SIM115
    console.print(Text.from_ansi(output), end="")
    svg = console.export_svg(title="arsum " + " ".join(command))
    svg = svg.replace("<style>", "<style>\n    text { unicode-bidi: bidi-override; direction: ltr; }", 1)
    return f"{fingerprint(output)}\n{svg}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed SVG instead of writing it")
    args = parser.parse_args()
    output = cli_output()
    if args.check:
        same = SVG.is_file() and SVG.read_text(encoding="utf-8").startswith(fingerprint(output))
        print(f"{SVG.relative_to(ROOT)}: {'current' if same else 'OUT OF DATE: run python bench/screenshot.py'}")
        return 0 if same else 1
    SVG.parent.mkdir(exist_ok=True)
    SVG.write_text(render(output), encoding="utf-8")
    print(f"wrote {SVG.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
