"""The page ships light: its own HTML, CSS and JS stay under 100 KB (no build step)."""

from __future__ import annotations

from pathlib import Path

STATIC = Path(__file__).resolve().parents[2] / "webapp_api" / "static"
BUDGET = 100 * 1024


def test_the_pages_own_files_stay_under_100_kb() -> None:
    files = [path for path in STATIC.rglob("*") if path.is_file()]
    weight = sum(path.stat().st_size for path in files)

    assert files, f"nothing in {STATIC}"
    assert weight < BUDGET, f"{weight} bytes in {STATIC}, budget {BUDGET}"
