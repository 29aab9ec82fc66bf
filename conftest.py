"""The doctests' temporary folders go under pytest's own temporary path (kept for the last few runs only).

Why here: the doctests in device/ show a store or a file opened in
`tempfile.mkdtemp()`, as a reader would write it; run as tests, each run left
its folders (databases and all) in /tmp for good. Test modules use tmp_path.
"""
from __future__ import annotations

import tempfile

import pytest
from _pytest.doctest import DoctestItem


@pytest.fixture(autouse=True)
def _doctest_temporary_folders(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if isinstance(request.node, DoctestItem):
        monkeypatch.setattr(tempfile, "tempdir", str(request.getfixturevalue("tmp_path")))
