"""A plain SVG bar chart, for supervisors who would rather look than read.

Made on the server from the same numbers as the table and the CSV, with no script and no
library: every label is escaped, and each bar carries its number as a ``<title>`` (shown on
hover, read by screen readers).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, HEIGHT = 720, 240
_LEFT, _BOTTOM, _TOP = 36, 40, 28


def bar_chart(title: str, labels: Sequence[str], values: Sequence[int]) -> str:
    """An SVG document: one bar per value, the labels under them, the largest value marked."""
    if len(labels) != len(values):
        raise ValueError("one label per value")
    top = max([*values, 1])
    plot_w, plot_h = WIDTH - _LEFT - 8, HEIGHT - _BOTTOM - _TOP
    step = plot_w / max(len(values), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'role="img" aria-label="{escape(title)}" font-family="sans-serif" font-size="11">',
             f"<title>{escape(title)}</title>",
             f'<text x="{_LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
             f'<text x="{_LEFT - 4}" y="{_TOP + 4}" text-anchor="end">{top}</text>',
             f'<text x="{_LEFT - 4}" y="{_TOP + plot_h}" text-anchor="end">0</text>',
             f'<line x1="{_LEFT}" y1="{_TOP + plot_h}" x2="{WIDTH - 8}" y2="{_TOP + plot_h}" '
             'stroke="#0b0c0c"/>']
    for index, (label, value) in enumerate(zip(labels, values, strict=True)):
        height = plot_h * value / top
        x = _LEFT + index * step
        parts.append(f'<rect x="{x + step * 0.15:.1f}" y="{_TOP + plot_h - height:.1f}" '
                     f'width="{step * 0.7:.1f}" height="{height:.1f}" fill="#1d70b8">'
                     f"<title>{escape(label)}: {value}</title></rect>")
        parts.append(f'<text x="{x + step / 2:.1f}" y="{HEIGHT - _BOTTOM + 16}" '
                     f'text-anchor="middle">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)
