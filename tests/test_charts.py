"""Per-topic charts: valid PNG bytes for a round, for all-time stats, and for no data at all."""

from __future__ import annotations

import struct
import subprocess
import sys
import threading

import pytest

from bot.rendering.charts import PNG_MAGIC, ChartLabels, TopicBar, render_topic_chart
from bot.telegram_app.chart_worker import render_in_worker, shutdown_worker
from tests.emulator.media import image_size

LABELS = ChartLabels(title="By topic", round_label="This round", all_time_label="All time", empty="No answers yet")


def _assert_png(data: bytes) -> tuple[int, int]:
    assert data.startswith(PNG_MAGIC)
    assert data[12:16] == b"IHDR"
    assert data.endswith(b"IEND" + struct.pack(">I", 0xAE426082))
    size = image_size(data)
    assert size is not None
    return size


def test_round_beside_all_time_is_a_png() -> None:
    """Both series, long and HTML-ish titles, a missing value on either side: a valid PNG."""
    bars = [
        TopicBar("Overfitting, regularisation and validation", 0.55, 0.4),
        TopicBar("Evaluation <and> metrics & more", 0.75, None),
        TopicBar("Applied scenarios", None, 0.3),
        TopicBar("Perfect", 1.0, 1.0),
        TopicBar("Zero", 0.0, 0.0),
    ]
    width, height = _assert_png(render_topic_chart(bars, LABELS))
    assert width > 600
    assert height > 300


def test_more_topics_make_a_taller_chart() -> None:
    """Each topic gets its own row."""
    few = _assert_png(render_topic_chart([TopicBar(f"T{i}", None, 0.5) for i in range(2)], LABELS))
    many = _assert_png(render_topic_chart([TopicBar(f"T{i}", None, 0.5) for i in range(19)], LABELS))
    assert many[1] > few[1]


@pytest.mark.parametrize("bars", [[], [TopicBar("Metrics", None, None)]])
def test_empty_history_still_renders(bars: list[TopicBar]) -> None:
    """No scores at all: a chart saying so, not an error."""
    _assert_png(render_topic_chart(bars, LABELS))


def test_renders_from_several_threads_at_once() -> None:
    """Adapters render in worker threads; concurrent renders all come out whole."""
    results: list[bytes] = []

    def render() -> None:
        results.append(render_topic_chart([TopicBar("Metrics", 0.5, 0.25), TopicBar("Trees", 0.9, None)], LABELS))

    threads = [threading.Thread(target=render) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    for data in results:
        _assert_png(data)


def test_matplotlib_is_imported_only_when_rendering() -> None:
    """Importing the chart module (as the bot does at start) leaves matplotlib unloaded."""
    code = "import sys, bot.rendering.charts, bot.telegram_app.app; print('matplotlib' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == "False"


def test_an_unnamed_series_has_no_legend_entry() -> None:
    """/stats has no "this round" series name: no legend warning (warnings are errors here), still a PNG."""
    labels = ChartLabels(title="Average", round_label="", all_time_label="", empty="None")
    _assert_png(render_topic_chart([TopicBar("Metrics", 0.4, 0.6)], labels))


async def test_the_worker_process_renders_and_recovers() -> None:
    """The bot's renderer: a PNG from the worker process, the same as rendering here; after the
    worker is stopped the next render starts a new one."""
    bars = [TopicBar("Metrics", 0.5, 0.25), TopicBar("Trees", 0.9, None)]
    try:
        first = await render_in_worker(bars, LABELS)
        assert first == render_topic_chart(bars, LABELS)
        shutdown_worker()
        _assert_png(await render_in_worker(bars, LABELS))
    finally:
        shutdown_worker()
