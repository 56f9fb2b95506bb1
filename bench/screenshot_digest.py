"""The README's digest pictures, from one real day (../shared/eval/wire-day): the terminal (`-f rich --bidi`, SVG
as bench/screenshot.py makes it) and the HTML page as headless Chromium draws it (PNG).

    python bench/screenshot_digest.py     # rewrites docs/digest-day.svg and docs/digest-day.png

Only stories that at least six papers carried are shown: a picture, not the day's 1,100 stories. The page itself is
not kept in docs/ (the day's articles are licensed for research use, not for redistribution inside arsum).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from screenshot import ROOT, cli_output, render

DAY = ROOT.parent / "shared" / "eval" / "wire-day" / "2015-07-25.jsonl"
ARGS = ["digest", "../shared/eval/wire-day/2015-07-25.jsonl", "--input-format", "jsonl", "--min-sources", "6", "-q"]
SVG = ROOT / "docs" / "digest-day.svg"
PNG = ROOT / "docs" / "digest-day.png"


def main() -> int:
    if not DAY.is_file():
        print(f"skipped: {DAY} is absent")
        return 0
    command = [*ARGS, "-f", "rich", "--bidi"]
    output = cli_output(command, allowed=(0, 1))  # 1: the day has 16 articles with empty text
    SVG.write_text(render(output, command), encoding="utf-8")
    print(f"wrote {SVG.relative_to(ROOT)}")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Chromium is not installed: no page screenshot")
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        page = Path(tmp) / "digest.html"
        subprocess.run([sys.executable, "-m", "arsum", *ARGS, "-o", str(page)], cwd=ROOT, check=False,
                       env={**os.environ, "PYTHONPATH": str(ROOT)})
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                        f"--user-data-dir={tmp}/profile", "--window-size=900,1500", f"--screenshot={PNG}",
                        page.as_uri()], check=True, capture_output=True)
    print(f"wrote {PNG.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
