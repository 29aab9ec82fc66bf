"""The box id: made once, kept, the same for every caller, damage said plainly."""
from __future__ import annotations

import os

import pytest

from device.store.box import BOX_ID_FILE, box_id, valid_box_id
from device.store.errors import StoreError


def test_made_once_and_kept(tmp_path):
    first = box_id(str(tmp_path))
    assert valid_box_id(first)
    assert (tmp_path / BOX_ID_FILE).read_text() == first + "\n"
    assert box_id(str(tmp_path)) == first
    assert sorted(os.listdir(tmp_path)) == [BOX_ID_FILE]  # no temporary file left behind


def test_boxes_differ(tmp_path):
    ids = {box_id(str(tmp_path / str(i))) for i in range(20)}
    assert len(ids) == 20


@pytest.mark.parametrize("content", ["", "not an id\n", "ABCDEF012345", "0123456789abcdef"])
def test_a_damaged_file_is_named_not_replaced(tmp_path, content):
    (tmp_path / BOX_ID_FILE).write_text(content)
    with pytest.raises(StoreError, match=f"{BOX_ID_FILE}: not a box id"):
        box_id(str(tmp_path))
    assert (tmp_path / BOX_ID_FILE).read_text() == content
