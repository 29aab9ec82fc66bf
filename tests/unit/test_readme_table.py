"""The README's screens table is the navigation table, word for word."""
from pathlib import Path

from device.view.navigation import table_markdown


def test_readme_screens_table_matches_the_code():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert table_markdown() in readme, ("regenerate: python -c 'from device.view.navigation import "
                                        "table_markdown; print(table_markdown())'")
