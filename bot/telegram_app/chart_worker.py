"""The bot's chart worker: ``bot.rendering.charts.render_topic_chart`` in one separate process.

A render is tens of milliseconds of mostly Python code that holds the GIL, so in a thread it
still slows every other user's reply (``benchmarks/chart_benchmark.py``: practice replies
about 5x slower under a stream of charts, against 1.5x with this worker). The worker is
started on the first chart ("spawn": a clean interpreter that inherits none of the bot's
threads or sockets, at the cost of about a second for that first chart), replaced if it
dies, and stopped by ``shutdown_worker`` or at interpreter exit. It runs at a lower CPU
priority (``nice`` +10) than the bot, so on a busy machine the bot's replies come first and
charts wait.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from bot.rendering.charts import ChartLabels, TopicBar, render_topic_chart

logger = logging.getLogger(__name__)

WORKER_NICENESS = 10
"""How much lower the worker's CPU priority is than the bot's (POSIX ``nice``)."""

_worker: ProcessPoolExecutor | None = None
_worker_lock = threading.Lock()


def _pool() -> ProcessPoolExecutor:
    """The one chart worker process, started on first use ("spawn": a clean interpreter, no
    inherited threads or sockets of the bot)."""
    global _worker  # noqa: PLW0603 (one worker per bot process, created lazily)
    with _worker_lock:
        if _worker is None:
            _worker = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"), initializer=_lower_priority
            )
        return _worker


def _lower_priority() -> None:
    """In the worker: yield the CPU to the bot's process (where ``nice`` exists)."""
    if hasattr(os, "nice"):
        try:
            os.nice(WORKER_NICENESS)
        except OSError as exc:  # not allowed here: charts still render, at normal priority
            logger.warning("Could not lower the chart worker's priority: %s", exc)


def shutdown_worker() -> None:
    """Stop the chart worker (if started); the next render starts a new one. Idempotent."""
    global _worker
    with _worker_lock:
        worker, _worker = _worker, None
    if worker is not None:
        worker.shutdown(wait=True, cancel_futures=True)


async def render_in_worker(bars: Sequence[TopicBar], labels: ChartLabels) -> bytes:
    """``render_topic_chart`` in the worker process, awaited without blocking the event loop.

    If the worker died (killed, out of memory) it is replaced and the render retried once.
    """
    loop = asyncio.get_running_loop()
    rows = tuple(bars)
    try:
        return await loop.run_in_executor(_pool(), render_topic_chart, rows, labels)
    except BrokenProcessPool:
        logger.warning("The chart worker died; starting a new one")
        shutdown_worker()
        return await loop.run_in_executor(_pool(), render_topic_chart, rows, labels)
