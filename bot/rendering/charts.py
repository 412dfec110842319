"""Charts as PNG bytes: data in, image out, no I/O and no Telegram.

``render_topic_chart`` draws per-topic scores as horizontal bars: a round's score beside the
user's all-time average (the interview debrief), or the all-time averages alone (``/stats``).
Wording comes in with the data (``ChartLabels``), so every sentence stays in the texts modules.

matplotlib costs about 0.4 s to import, so it is imported on the first render, not with the
bot. Only the object-oriented API is used (``Figure``, no ``pyplot``): no global figure state
and the Agg renderer whatever the environment says. Renders in one process are serialised by
a lock because matplotlib's font cache is shared and not thread-safe.

A render takes tens of milliseconds of mostly Python code, holding the GIL: the bot runs it
in a worker process (``bot.telegram_app.chart_worker``), so the event loop keeps serving
other users at full speed; the console simply uses ``asyncio.to_thread``.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Sequence
from dataclasses import dataclass

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WIDTH_IN = 7.5
DPI = 110
ROW_IN = 0.55
"""Height per topic row, inches."""
TOP_IN, BOTTOM_IN = 0.7, 0.45
"""Room for the title and legend above the bars, and the percent axis below."""
CHAR_IN = 0.075
"""Width of an average 9 pt character, inches (for the left margin of the topic names)."""
LABEL_PAD_IN = 0.25
MAX_LEFT = 0.45
TITLE_WRAP = 30
"""Topic titles wider than this many characters are wrapped onto two lines."""
ROUND_COLOUR = "#2b6cb0"
ALL_TIME_COLOUR = "#a0aec0"

_RENDER_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class TopicBar:
    """One topic's row: scores in [0, 1], None where there is none."""

    title: str
    round_score: float | None
    all_time: float | None


@dataclass(frozen=True, slots=True)
class ChartLabels:
    """The words on a chart."""

    title: str
    round_label: str
    all_time_label: str
    empty: str
    """Shown instead of bars when there is no score at all."""


def render_topic_chart(bars: Sequence[TopicBar], labels: ChartLabels) -> bytes:
    """Per-topic scores as a PNG: grouped bars when both series have values, one series otherwise.

    Margins are computed from the label lengths rather than by matplotlib's layout engines,
    which would measure every text artist and double the render time.
    """
    from matplotlib.figure import Figure  # noqa: PLC0415 (lazy: see the module docstring)
    from matplotlib.ticker import PercentFormatter  # noqa: PLC0415

    rows = [bar for bar in bars if bar.round_score is not None or bar.all_time is not None]
    titles = [textwrap.fill(bar.title, TITLE_WRAP) for bar in rows]
    height = TOP_IN + BOTTOM_IN + ROW_IN * max(2, len(rows))
    longest = max((len(line) for title in titles for line in title.splitlines()), default=0)
    left = min(MAX_LEFT, (LABEL_PAD_IN + CHAR_IN * longest) / WIDTH_IN)
    with _RENDER_LOCK:
        figure = Figure(figsize=(WIDTH_IN, height), dpi=DPI)
        figure.subplots_adjust(left=left, right=0.97, top=1 - TOP_IN / height, bottom=BOTTOM_IN / height)
        axes = figure.add_subplot()
        axes.set_title(labels.title, loc="left", fontsize=12, fontweight="bold", pad=14)
        if not rows:
            axes.text(0.5, 0.5, labels.empty, ha="center", va="center", fontsize=12, transform=axes.transAxes)
            axes.set_axis_off()
        else:
            series = [
                (label, colour, values)
                for label, colour, values in (
                    (labels.round_label, ROUND_COLOUR, [bar.round_score for bar in rows]),
                    (labels.all_time_label, ALL_TIME_COLOUR, [bar.all_time for bar in rows]),
                )
                if any(value is not None for value in values)
            ]
            thickness = 0.8 / len(series)
            for index, (label, colour, values) in enumerate(series):
                offsets = [row + (index - (len(series) - 1) / 2) * thickness for row in range(len(rows))]
                widths = [100 * (value or 0.0) for value in values]
                drawn = axes.barh(offsets, widths, height=thickness * 0.92, color=colour, label=label or "_nolegend_")
                texts = ["—" if value is None else f"{round(100 * value)}%" for value in values]
                axes.bar_label(drawn, labels=texts, padding=3, fontsize=9)
            axes.set_yticks(range(len(rows)), titles, fontsize=9)
            axes.set_ylim(len(rows) - 0.5, -0.5)  # first topic on top, no empty margin rows
            axes.set_xlim(0, 112)  # room for the value labels after a full bar
            axes.set_xticks([0, 25, 50, 75, 100])
            axes.xaxis.set_major_formatter(PercentFormatter(100))
            axes.grid(axis="x", alpha=0.3)
            axes.set_axisbelow(True)
            for side in ("top", "right"):
                axes.spines[side].set_visible(False)
            named = sum(1 for label, _, _ in series if label)
            if named:
                axes.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncols=named, fontsize=9, frameon=False)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()
