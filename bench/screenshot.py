"""The README's picture of report.html: a generated run opened in headless chromium.

    python -m bench.screenshot              # writes docs/report.png
    python -m bench.screenshot --docs 2000 --out /tmp/report.png

Needs Debian's chromium (``apt-get install chromium``) and Playwright (the ``test`` extra).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from bench.corpus import generate
from cleaner import run_clean
from cleaner.html import REPORT_HTML

ROOT = Path(__file__).resolve().parent.parent


def screenshot(page: Path, png: Path, width: int = 1200, height: int = 1500) -> None:
    """The top of ``page`` (the summary, statuses and removals) as a PNG."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=flags)
        try:
            view = browser.new_page(viewport={"width": width, "height": height})
            view.goto(page.as_uri())
            png.parent.mkdir(parents=True, exist_ok=True)
            view.screenshot(path=str(png))
        finally:
            browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=600)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "report.png")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cleaner-screenshot-"))
    try:
        generate(work, args.docs, ROOT / "raw")
        run_clean(work / "raw", work / "clean", rules=ROOT / "rules")
        screenshot(work / "clean" / REPORT_HTML, args.out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
