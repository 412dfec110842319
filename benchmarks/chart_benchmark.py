"""Measure chart rendering, and what it costs other users of the bot while charts render.

    python benchmarks/chart_benchmark.py [--renders 40] [--samples 100] [--chart-users 4] [--chart-interval 0]
                                         [--modes ...] [--timeout 60]

Prints (figures only, nothing is asserted):
1. matplotlib's import and first-render cost in a fresh interpreter (what the first chart of a
   bot process pays), then ``render_topic_chart`` median and p95 over ``--renders`` renders of
   a debrief-sized chart (5 topics, both series) and a /stats-sized one (every bank topic);
2. reply latency of practice users (answer → feedback, the ``bot_benchmark`` sampler) on the
   real bot through the emulator, in four runs: nobody else busy (``idle``); ``--chart-users``
   users sending /stats back to back, each reply a chart, rendered in the worker process as
   in production (``charts in a process``), in a worker thread (``asyncio.to_thread``), or
   directly on the event loop (what both save us from); and a control, ``same load, no render``:
   the same /stats users and the same photos at the same pace, but each "render" only waits as
   long as a real one takes, using no CPU (a perfect off-loop render), so the difference between
   it and ``charts in a process`` is what rendering itself costs others.

Everything else is ``bot_benchmark``'s machinery: the production composition root, the shipped
bank, a migrated SQLite file in a temporary directory, the rate limiter off (``--limiter off``
there), the per-user flood guard relaxed (benchmark users type instantly).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bot_benchmark, as a sibling module
os.environ.setdefault("PTB_TIMEDELTA", "1")

from bot_benchmark import (
    RELAXED_BURST,
    BotSampler,
    LatencyRun,
    LogCounter,
    QuestionIndex,
    RunConfig,
    build_our_bot,
    ms,
    percentile,
    polling,
)

from bot.domain.bank import load_bank
from bot.rendering import debrief_texts
from bot.rendering.charts import ChartLabels, TopicBar, render_topic_chart
from bot.telegram_app import replies
from bot.telegram_app.chart_worker import render_in_worker, shutdown_worker
from bot.telegram_app.flood import FloodGuard
from tests.emulator import EmulatedUser, TelegramEmulator, WaitTimeoutError

WARMUP = 10
MODES = ("idle", "same load, no render", "charts in a process", "charts in a thread", "charts on the loop")
CONTROL = "same load, no render"
_IMPORT_PROBE = """
import time
started = time.perf_counter()
from bot.rendering.charts import ChartLabels, TopicBar, render_topic_chart
imported = time.perf_counter()
from matplotlib.figure import Figure
matplotlib = time.perf_counter()
render_topic_chart([TopicBar("Metrics", 0.5, 0.4)], ChartLabels("t", "a", "b", "c"))
rendered = time.perf_counter()
print(imported - started, matplotlib - imported, rendered - matplotlib)
"""


# ---- 1. rendering -------------------------------------------------------------------------------


def measure_rendering(renders: int, topics: Sequence[str]) -> None:
    """Import cost in a fresh interpreter, then median and p95 of repeated renders."""
    probe = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    module_s, import_s, first_s = (float(v) for v in probe.stdout.split())
    print("\n== 1. Chart rendering ==")
    print(f"  fresh interpreter: import bot.rendering.charts {ms(module_s)} (matplotlib not loaded),")
    print(f"  matplotlib on first use {ms(import_s)}, first render {ms(first_s)} (font cache, Agg warm-up)")
    labels = debrief_texts.debrief_chart_labels()
    shapes = {
        "debrief, 5 topics x 2 series": [
            TopicBar(title, 0.2 + 0.15 * i, 0.5 if i % 2 else None) for i, title in enumerate(topics[:5])
        ],
        f"/stats, {len(topics)} topics x 1 series": [
            TopicBar(title, None, 0.3 + 0.03 * i) for i, title in enumerate(topics)
        ],
    }
    render_topic_chart(shapes["debrief, 5 topics x 2 series"], labels)  # warm-up in this process
    for name, bars in shapes.items():
        times = []
        size = 0
        for _ in range(renders):
            started = time.perf_counter()
            size = len(render_topic_chart(bars, labels))
            times.append(time.perf_counter() - started)
        print(
            f"  {name:<32} median {ms(statistics.median(times))}   p95 {ms(percentile(times, 95))}   "
            f"({renders} renders, PNG {size / 1024:.0f} KiB)"
        )


# ---- 2. latency for others while charts render --------------------------------------------------


@dataclass
class ChartLoad:
    """What the chart users saw."""

    charts: int = 0
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


async def _in_thread(bars: Sequence[TopicBar], labels: ChartLabels) -> bytes:
    return await asyncio.to_thread(render_topic_chart, bars, labels)


async def _on_loop(bars: Sequence[TopicBar], labels: ChartLabels) -> bytes:
    return render_topic_chart(bars, labels)  # blocks the event loop: the thing to avoid


_PRERENDERED: dict[int, tuple[bytes, float]] = {}


async def _prerendered(bars: Sequence[TopicBar], labels: ChartLabels) -> bytes:
    """The control: a render that costs this process nothing but takes as long (a perfect off-loop render).

    The chart is rendered once per bar count, up front, and its render time remembered; each
    later "render" just waits that long without using the CPU, and returns the same bytes. So
    the /stats users send charts at the same pace and the same photos go out as in the
    ``charts in a process`` run: the difference between the two is what rendering costs others.
    """
    key = len(bars)
    if key not in _PRERENDERED:
        started = time.perf_counter()
        png = render_topic_chart(bars, labels)
        _PRERENDERED[key] = (png, time.perf_counter() - started)
    png, seconds = _PRERENDERED[key]
    await asyncio.sleep(seconds)
    return png


@contextlib.contextmanager
def render_mode(mode: str) -> Iterator[None]:
    """The handlers' renderer for ``mode``: the production worker process unless told otherwise."""
    variants = {"charts in a thread": _in_thread, "charts on the loop": _on_loop, "same load, no render": _prerendered}
    if mode not in variants:
        yield
        return
    with mock.patch.object(replies, "render_in_worker", variants[mode]):
        yield


async def answer_one(user: EmulatedUser, index: QuestionIndex, reply_timeout: float) -> None:
    """One practice answer, so the user's /stats has a chart."""
    user.send_command("question")
    question = index.find((await user.wait_for_bot_message(reply_timeout)).text)
    if question is None:
        raise RuntimeError("no question for a chart user")
    user.send_text(question.model_answer)
    await user.wait_for_bot_message(reply_timeout)


async def chart_loop(
    user: EmulatedUser, stop: asyncio.Event, load: ChartLoad, reply_timeout: float, interval: float
) -> None:
    """/stats until stopped: the text, then the chart photo; ``interval`` seconds apart (0: back to back)."""
    while not stop.is_set():
        if interval and load.charts:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), interval)
            if stop.is_set():
                return
        started = time.perf_counter()
        user.send_command("stats")
        try:
            await user.wait_for_bot_message(reply_timeout)
            photo = await user.wait_for_bot_message(reply_timeout)
        except WaitTimeoutError as exc:
            load.errors.append(str(exc).splitlines()[0])
            return
        if "photo" not in photo.data:
            load.errors.append(f"expected a chart, got {photo.text!r}")
            return
        load.charts += 1
        load.latencies.append(time.perf_counter() - started)


async def measure_latency(
    config: RunConfig, mode: str, samples: int, chart_users: int, interval: float = 0.0
) -> tuple[LatencyRun, ChartLoad]:
    """Practice users' answer → feedback latency while ``chart_users`` ask for charts (or not, when idle)."""
    load = ChartLoad()
    run = LatencyRun(mode)
    with tempfile.TemporaryDirectory(prefix="chart-benchmark-") as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'bot.sqlite3'}"
        async with TelegramEmulator() as emulator:
            application, _ = build_our_bot(emulator, database_url, config, flood_guard=FloodGuard(burst=RELAXED_BURST))
            index = QuestionIndex(config.bank)
            with render_mode(mode):
                async with polling(application):
                    users = [emulator.create_user(f"Chart {n}") for n in range(chart_users)]
                    await asyncio.gather(*(answer_one(user, index, config.reply_timeout) for user in users))
                    if mode == "same load, no render":  # render the control's bytes before measuring
                        for user in users:
                            user.send_command("stats")
                            await user.wait_for_bot_message(config.reply_timeout)
                            await user.wait_for_bot_message(config.reply_timeout)
                    if mode == "charts in a process":  # start the worker before measuring, as a bot warms up
                        await render_in_worker([TopicBar("warm-up", 0.5, None)], debrief_texts.debrief_chart_labels())
                    sampler = BotSampler(emulator, index, config.reply_timeout)
                    for _ in range(WARMUP):
                        await sampler.sample(None)
                    stop = asyncio.Event()
                    tasks = (
                        [asyncio.create_task(chart_loop(u, stop, load, config.reply_timeout, interval)) for u in users]
                        if mode != "idle"
                        else []
                    )
                    started = time.perf_counter()
                    for _ in range(samples):
                        await sampler.sample(run)
                    window = time.perf_counter() - started
                    stop.set()
                    await asyncio.gather(*tasks)
    print(f"\n  -- {mode} --")
    print(
        f"  practice answer → feedback   median {ms(statistics.median(run.samples))}   "
        f"p95 {ms(percentile(run.samples, 95))}   max {ms(max(run.samples))}"
    )
    print(
        f"  practice /question → question median {ms(statistics.median(run.extra))}   "
        f"p95 {ms(percentile(run.extra, 95))}"
    )
    if mode != "idle":
        rate = load.charts / window if window else 0.0
        print(f"  charts sent meanwhile: {load.charts} ({rate:.1f}/s by {chart_users} users)", end="")
        if load.latencies:
            print(
                f"; /stats → chart median {ms(statistics.median(load.latencies))}, "
                f"p95 {ms(percentile(load.latencies, 95))}"
            )
        else:
            print()
    for error in load.errors[:3]:
        print(f"  chart user error: {error[:200]}")
    print(f"  bot log: {len(config.log.errors())} ERROR records")
    return run, load


def main(argv: Sequence[str] | None = None) -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--renders", type=int, default=40, help="renders per chart shape")
    parser.add_argument("--samples", type=int, default=100, help="practice latency samples per run")
    parser.add_argument("--chart-users", type=int, default=4, help="users asking for charts back to back")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for any one reply")
    parser.add_argument(
        "--chart-interval", type=float, default=0.0, help="seconds each chart user waits between /stats (0: none)"
    )
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES), help="runs of part 2")
    args = parser.parse_args(argv)
    modes = [m for m in MODES if m in args.modes or m in {"idle", CONTROL}]

    log = LogCounter()
    root = __import__("logging").getLogger()
    root.handlers[:] = [log]
    root.setLevel("WARNING")

    bank = load_bank([os.environ["TEST_BANK_PATH"]] if os.environ.get("TEST_BANK_PATH") else ())
    print(f"bank: {len(bank.questions)} questions in {len(bank.topics)} topics")
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; SQLite file in a temp dir; emulator on loopback")
    measure_rendering(args.renders, list(bank.topics.values()))

    print(
        f"\n== 2. Reply latency to practice users ({args.samples} samples per run, after {WARMUP} warm-up) "
        f"while {args.chart_users} users ask for charts "
        f"({'back to back' if not args.chart_interval else f'every {args.chart_interval:g} s each'}) =="
    )
    config = RunConfig(bank, bank.make_grader(), "off", args.timeout, log)
    results = {}
    for mode in modes:
        log.records.clear()
        results[mode] = asyncio.run(measure_latency(config, mode, args.samples, args.chart_users, args.chart_interval))
    shutdown_worker()
    idle = statistics.median(results["idle"][0].samples)
    control = statistics.median(results[CONTROL][0].samples)
    print("\n  summary (median answer → feedback, vs idle and vs the same load without rendering):")
    for mode in modes:
        run, _ = results[mode]
        median = statistics.median(run.samples)
        print(
            f"    {mode:<22} {ms(median)}  ({median / idle:.2f}x idle, {median / control:.2f}x no-render)   "
            f"p95 {ms(percentile(run.samples, 95))}"
        )


if __name__ == "__main__":
    main()
