"""The learning plan in the screens' words: one place, so every screen says a stage the same way."""
from __future__ import annotations

from device.view.model import PlanView

STAGE_WORDS = {"learn": "Learn", "fade": "Fade", "test": "Test", "mastered": "Mastered"}


def stage_line(plan: PlanView) -> str:
    """'Plan: fade, 45°' (the stage, the depth target); the test says it has no cues; '' for the guest.

    >>> stage_line(PlanView(stage="test", target_deg=45.0, schedule="retention"))
    'Plan: test (no cues), 45°'
    >>> stage_line(PlanView(stage="fade", by_hand=True))
    'Plan: fade, waits (feedback set by hand)'
    """
    if not plan.stage:
        return ""
    if plan.by_hand:
        return f"Plan: {plan.stage}, waits (feedback set by hand)"
    silent = " (no cues)" if plan.schedule == "retention" else ""
    return f"Plan: {plan.stage}{silent}, {plan.target_deg:.0f}°"
