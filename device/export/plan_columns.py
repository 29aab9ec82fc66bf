"""What the export adds for merging boxes and for the plan: the columns, their meaning, their values.

The seam between the box and `smartdowel report`. The export (device/export)
writes these next to the v1 columns once the app records them; the report
(device/export/report) reads them when present and does without them in older
exports. One list, so the writer, the reader and the README cannot disagree.

- sets.csv and sessions.csv gain `box_id` (device/store/box.py): a set is then
  named by (box_id, set_id) wherever its export is read; each session's JSON
  carries it too.
- sets.csv gains the plan's view of the set: the stage it was in, the
  athlete's depth target and, for a retention test, whether it passed. The
  cue schedule it ran with is sets.csv's `schedule` column (since v3 of the
  store), one column for one meaning.
- plan.csv (new file): one row per change of stage (a `plan_stage` event)
  of the athletes whose sets are in the export, all of them so far.

    >>> row = set_values("0a1b2c3d4e5f", "test", 40.0, "passed")
    >>> row["box_id"], row["plan_result"]
    ('0a1b2c3d4e5f', 'passed')
"""
from __future__ import annotations

from typing import Any

from device.core.plan import PlanStageChanged

Columns = tuple[tuple[str, str], ...]

BOX_COLUMN: tuple[str, str] = ("box_id", "the box the set was recorded on (12 hex digits, stable per box)")
SET_COLUMNS_ADDED: Columns = (
    BOX_COLUMN,
    ("plan_stage", "the athlete's learning-plan stage during the set: learn, fade, test or mastered (empty: "
                   "the guest, who has no plan, or a set from before the plan)"),
    ("depth_target_deg", "the athlete's depth target, degrees of dowel tilt from standing"),
    ("plan_result", "a retention test: passed or failed (empty for any other set)"),
)
SESSION_COLUMNS_ADDED: Columns = (BOX_COLUMN,)
PLAN_FILE = "plan.csv"
PLAN_COLUMNS: Columns = (
    BOX_COLUMN,
    ("athlete_id", "number of the athlete on that box"),
    ("athlete", "athlete's name"),
    ("at", "when the stage changed (ISO 8601, the box's local time and UTC offset)"),
    ("set_id", "the set whose result changed it (empty: changed by the coach)"),
    ("from_stage", "stage before"),
    ("to_stage", "stage after"),
    ("reason", "why, in words"),
    ("by", "box (after a set) or coach (by hand)"),
)


def set_values(box_id: str, stage: str | None, depth_target_deg: float | None,
               result: str | None) -> dict[str, Any]:
    """A set's added cells (None -> empty cell); `result` is a test's "passed" or "failed"."""
    return {"box_id": box_id, "plan_stage": stage, "depth_target_deg": depth_target_deg,
            "plan_result": result or ""}


def plan_row(box_id: str, athlete_id: int, at_iso: str, event: PlanStageChanged) -> dict[str, Any]:
    """A row of plan.csv from a `plan_stage` event."""
    return {"box_id": box_id, "athlete_id": athlete_id, "athlete": event.athlete, "at": at_iso,
            "set_id": event.set_id, "from_stage": event.from_stage, "to_stage": event.to_stage,
            "reason": event.reason, "by": event.by}
