"""Just enough SVG for the report's charts: a plot frame with labelled axes, lines, bars, a legend.

Why hand-written SVG and not a plotting library: the page must open in any
browser with nothing fetched, print sharply at any size, and be written on a
Raspberry Pi in well under a second; a few hundred lines of text do all
three, and the numbers stay searchable in the page. Colours are the
colour-blind-safe set the screen's chart uses, and every series also has its
own dash pattern, so the charts read in grey on paper.

    >>> f = Frame(Box(0, 0, 400, 200), (0.0, 10.0), (0.0, 100.0))
    >>> f.x(5.0), f.y(100.0)
    (227.0, 16.0)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Sequence

INK = "#1e1e1e"
GRID = "#d9d9d9"
MUTED = "#6b6b6b"
FONT = "font-family:DejaVu Sans,Helvetica,Arial,sans-serif"
Point = tuple[float, float]


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.left + self.width

    @property
    def bottom(self) -> float:
        return self.top + self.height


class Frame:
    """Data coordinates to pixels inside a plot box (margins for the axis labels are inside `outer`)."""

    LEFT, RIGHT, TOP, BOTTOM = 70.0, 16.0, 16.0, 46.0

    def __init__(self, outer: Box, xr: tuple[float, float], yr: tuple[float, float]) -> None:
        self.outer = outer
        self.plot = Box(outer.left + self.LEFT, outer.top + self.TOP, outer.width - self.LEFT - self.RIGHT,
                        outer.height - self.TOP - self.BOTTOM)
        self.xr = xr if xr[1] > xr[0] else (xr[0] - 0.5, xr[0] + 0.5)
        self.yr = yr if yr[1] > yr[0] else (yr[0] - 0.5, yr[0] + 0.5)

    def x(self, v: float) -> float:
        x0, x1 = self.xr
        return round(self.plot.left + (v - x0) / (x1 - x0) * self.plot.width, 1)

    def y(self, v: float) -> float:
        y0, y1 = self.yr
        v = min(max(v, y0), y1)
        return round(self.plot.bottom - (v - y0) / (y1 - y0) * self.plot.height, 1)


def text(x: float, y: float, words: str, size: int = 14, anchor: str = "start", fill: str = INK,
         rotate: bool = False, bold: bool = False) -> str:
    turn = f' transform="rotate(-90 {x} {y})"' if rotate else ""
    weight = ' font-weight="bold"' if bold else ""
    return (f'<text x="{x}" y="{y}" font-size="{size}" text-anchor="{anchor}" fill="{fill}"{weight}{turn}>'
            f'{escape(words)}</text>')


def line(a: Point, b: Point, stroke: str = GRID, width: float = 1.0, dash: str = "") -> str:
    d = f' stroke-dasharray="{dash}"' if dash else ""
    return f'<line x1="{a[0]}" y1="{a[1]}" x2="{b[0]}" y2="{b[1]}" stroke="{stroke}" stroke-width="{width}"{d}/>'


def rect(x: float, y: float, w: float, h: float, fill: str, opacity: float = 1.0, title: str = "") -> str:
    op = f' fill-opacity="{opacity}"' if opacity < 1 else ""
    tip = f"<title>{escape(title)}</title>" if title else ""
    return (f'<rect x="{round(x, 1)}" y="{round(y, 1)}" width="{round(max(w, 0.0), 1)}" '
            f'height="{round(max(h, 0.0), 1)}" fill="{fill}"{op}>{tip}</rect>')


def polyline(points: Sequence[Point], stroke: str, width: float = 2.0, dash: str = "") -> str:
    if len(points) < 2:
        return ""
    d = f' stroke-dasharray="{dash}"' if dash else ""
    coords = " ".join(f"{x},{y}" for x, y in points)
    return (f'<polyline points="{coords}" fill="none" stroke="{stroke}" stroke-width="{width}" '
            f'stroke-linejoin="round"{d}/>')


def marker(x: float, y: float, fill: str, shape: str = "circle", r: float = 4.0, hollow: bool = False) -> str:
    paint = f'fill="#ffffff" stroke="{fill}" stroke-width="2"' if hollow else f'fill="{fill}"'
    if shape == "diamond":
        return f'<path d="M{x},{y - r - 2} l{r + 2},{r + 2} l-{r + 2},{r + 2} l-{r + 2},-{r + 2}z" {paint}/>'
    return f'<circle cx="{x}" cy="{y}" r="{r}" {paint}/>'


def axes(f: Frame, xticks: Sequence[tuple[float, str]], yticks: Sequence[tuple[float, str]],
         xlabel: str, ylabel: str) -> list[str]:
    """Grid lines at the ticks, their labels, the axis titles and the plot's border."""
    p = f.plot
    out = []
    for v, label in yticks:
        y = f.y(v)
        out += [line((p.left, y), (p.right, y)), text(p.left - 8, y + 5, label, 13, "end")]
    for v, label in xticks:
        x = f.x(v)
        room = f.outer.right - x  # a label near the right edge ends at its tick instead of running off
        anchor = "end" if room < 4.5 * len(label) else "middle"
        out += [line((x, p.top), (x, p.bottom)), text(x, p.bottom + 18, label, 13, anchor)]
    out.append(f'<rect x="{p.left}" y="{p.top}" width="{p.width}" height="{p.height}" fill="none" '
               f'stroke="{INK}" stroke-width="1"/>')
    out.append(text(p.left + p.width / 2, p.bottom + 40, xlabel, 14, "middle"))
    out.append(text(f.outer.left + 16, p.top + p.height / 2, ylabel, 14, "middle", rotate=True))
    return out


def legend(items: Sequence[tuple[str, str, str]], x: float, y: float, width: float) -> tuple[list[str], float]:
    """(label, colour, kind) items in rows from (x, y); kind: solid, a dash pattern, 'box' or a marker
    shape. Returns the elements and the height used."""
    out: list[str] = []
    cx, cy = x, y
    for label, colour, kind in items:
        w = 44 + 7.5 * len(label)
        if cx + w > x + width and cx > x:
            cx, cy = x, cy + 22
        if kind == "box":
            out.append(rect(cx, cy - 11, 26, 14, colour, 0.35))
        elif kind in ("circle", "diamond"):
            out.append(marker(cx + 13, cy - 4, colour, kind))
        elif kind.startswith("hollow-"):
            out.append(marker(cx + 13, cy - 4, colour, kind[7:], hollow=True))
        else:
            out.append(line((cx, cy - 4), (cx + 26, cy - 4), colour, 3, "" if kind == "solid" else kind))
        out.append(text(cx + 32, cy + 1, label, 13))
        cx += w
    return out, cy - y + 22


def svg(width: int, height: int, body: Sequence[str], title: str) -> str:
    """One chart: scales to the page's width, keeps its proportions, names itself for screen readers."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
            f'aria-label="{escape(title)}" style="{FONT};max-width:{width}px;width:100%;height:auto">'
            f'<title>{escape(title)}</title>' + "".join(body) + "</svg>")


def nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round numbers from lo to hi, about `count` of them.

    >>> nice_ticks(0, 87)
    [0, 20, 40, 60, 80]
    """
    span = hi - lo
    if span <= 0:
        return [lo]
    raw = span / max(count, 1)
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    first = math.ceil(lo / step) * step
    out = []
    v = first
    while v <= hi + 1e-9:
        out.append(round(v, 6))
        v += step
    return out
