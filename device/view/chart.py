"""A set's chart as the export asks for it, and the type of what draws it.

Why it is here: nothing under device/ draws (pygame lives in ui/), yet the
export puts a picture of every set on the stick. So the export reads the set
into a SeriesView (the type the summary screen draws too), wraps it in a
SetChart, and hands it to a renderer it was given: `ChartRenderer`, a
module-level function returning PNG bytes (the CLI passes ui.chart.render_png).
Both are picklable, so charts can be drawn in worker processes.

    >>> SetChart(SeriesView(t=(0.0, 1.0)), "Anna  set 1").size
    (600, 250)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from device.view.model import SeriesView

CHART_SIZE = (600, 250)


@dataclass(frozen=True)
class SetChart:
    """One set's chart: what to draw, the line above it, and the picture's size in pixels."""

    series: SeriesView
    title: str = ""
    size: tuple[int, int] = CHART_SIZE


ChartRenderer = Callable[[SetChart], bytes]  # PNG bytes; raises if it cannot draw
