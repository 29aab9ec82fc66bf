"""Where the checkout is: tests, children and benches run from any folder."""
from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
