"""Charts drawn on the server as SVG by pygal, shown without JavaScript as images beside the table of their numbers.

An image is an SVG document of its own: the browser runs no script in it and the page's Content-Security-Policy
(no inline style) does not reach it, so pygal's own stylesheet applies while the page keeps its strict policy. The
page embeds it as a ``data:`` URI (its policy allows ``img-src data:``), so a chart costs no request of its own. Its
``<title>`` and ``<desc>`` name it and say what it shows; the page's ``alt`` says the same and points at the table.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

import pygal
from pygal.style import Style

# The portal's colours (static/css/portal.css), each at least 4.5:1 on white; series differ in dash pattern too.
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1a1a1a",
    foreground_strong="#1a1a1a",
    foreground_subtle="#4d4d4d",
    colors=("#0017c1", "#8a5300", "#197a4b", "#ce0000", "#4d4d4d"),
    font_family='"Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo, sans-serif',
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=15,
    opacity=".85",
    opacity_hover=".85",
    transition="0ms",
)
DASHES = ("", "6,3", "2,3", "8,3,2,3")  # a line series' dash pattern, by its position


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per label; None: nothing to draw


@dataclass(frozen=True)
class Chart:
    title: str
    description: str  # what it shows, for whoever cannot see it (the SVG's <desc>, the image's alt)
    svg: str

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode()

    @property
    def alt(self) -> str:
        return f"{self.title}: {self.description}"


def bars(title: str, description: str, labels: Sequence[str], series: Sequence[Series], no_data: str) -> Chart:
    """Stacked bars: each label's values of every series on one another (件数 by channel)."""
    chart = pygal.StackedBar(**_config(title, no_data))
    return _drawn(chart, title, description, labels, series, lines=False)


def lines(title: str, description: str, labels: Sequence[str], series: Sequence[Series], no_data: str) -> Chart:
    """Lines with dots, a gap where a value is None (日数 over the months)."""
    chart = pygal.Line(**_config(title, no_data), allow_interruptions=True, show_dots=True, dots_size=3)
    return _drawn(chart, title, description, labels, series, lines=True)


def _config(title: str, no_data: str) -> dict[str, object]:
    return {
        "title": title,
        "style": STYLE,
        "width": 640,
        "height": 360,
        "js": [],  # no script: an image runs none anyway
        "legend_at_bottom": True,
        "legend_at_bottom_columns": 3,
        "show_y_guides": True,
        "include_x_axis": True,
        "no_data_text": no_data,
        "truncate_legend": -1,
        "print_values": False,
    }


def _drawn(
    chart: pygal.graph.graph.Graph,
    title: str,
    description: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    lines: bool,
) -> Chart:
    chart.x_labels = list(labels)
    for index, one in enumerate(series):
        dashes = DASHES[index % len(DASHES)] if lines else ""
        chart.add(one.name, list(one.values), stroke_style={"dasharray": dashes} if dashes else None)
    svg = chart.render(is_unicode=True)
    return Chart(title, description, _described(svg, title, description))


def _described(svg: str, title: str, description: str) -> str:
    """pygal writes the chart's title as its <title>; a <desc> follows it with what the chart shows."""
    named = f"<title>{escape(title)}</title>"
    assert named in svg, "pygal no longer titles its charts"
    return svg.replace(named, f"{named}<desc>{escape(description)}</desc>", 1)
