"""The export's chart renderer: a SetChart (device/view/chart.py) as PNG bytes, drawn by ui/chart.py.

Why a module of its own, with pygame imported only when a chart is drawn:
the export's main process merely hands this function to its chart workers
(by reference: it is module level, so it pickles), and loading pygame there
would cost ~25 MB for nothing. The workers, or the export itself when it
draws inline, load it on the first chart.

    >>> from device.view.model import SeriesView
    >>> data = SeriesView(t=(0.0, 1.0, 2.0), pressure=(("head", (1, 1, 0)),), pitch=(3.0, 60.0, 4.0))
    >>> render_png(SetChart(data, "Anna  set 1"))[1:4]
    b'PNG'
"""
from __future__ import annotations

import io
from functools import lru_cache
from typing import TYPE_CHECKING

from device.view.chart import SetChart

if TYPE_CHECKING:
    import pygame


def render_png(chart: SetChart) -> bytes:
    """The chart as PNG bytes (a ChartRenderer)."""
    from ui.chart import draw_set_chart
    surface = _canvas(chart.size)
    draw_set_chart(surface, surface.get_rect(), chart.series, chart.title)
    return png_of(surface)


@lru_cache(maxsize=2)
def _canvas(size: tuple[int, int]) -> pygame.Surface:
    """One surface per size, reused chart after chart (draw_set_chart fills it first)."""
    import pygame
    return pygame.Surface(size)


def png_of(surface: pygame.Surface) -> bytes:
    """A pygame surface as a PNG file's bytes (pygame's encoder; the name only says which format).

    One buffer serves every call: pygame 2.6 never releases the references it
    takes to a file object it saves into, so a new BytesIO per chart would stay
    in memory, picture and all (~10 KB a chart). Reused, what stays is a few
    hundred bytes a chart, for as long as the process (an export) lives. So: one
    thread at a time (the export draws on one thread per process)."""
    import pygame
    _PNG_BUFFER.seek(0)
    _PNG_BUFFER.truncate()
    pygame.image.save(surface, _PNG_BUFFER, "chart.png")
    return _PNG_BUFFER.getvalue()


_PNG_BUFFER = io.BytesIO()
