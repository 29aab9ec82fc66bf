"""The box id when the appliance and an export ask for it at the same moment: one id for both."""
from __future__ import annotations

import threading

from device.store.box import box_id


def test_racing_callers_agree(tmp_path):
    got: list[str] = []
    threads = [threading.Thread(target=lambda: got.append(box_id(str(tmp_path)))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(got)) == 1 and len(got) == 8
