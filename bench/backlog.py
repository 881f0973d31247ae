"""For bench/ingest.py: the write-back backlog sampled during a run, and a flood at a fixed rate.

`Sampler` counts the unfinished jobs every `interval` seconds from a thread of its own and says
whether the backlog stayed bounded: its trend (least-squares slope, jobs/s) over the run, set
against the rate tickets arrived at. `drive_at_rate` sends pre-signed requests at a fixed rate
over keep-alive connections (open loop: a late request's latency counts from when it was due).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# Growth below this share of the arrival rate is noise in the sampling (jobs counted while a
# batch is in a worker's hands), not a queue falling behind.
BOUNDED_SHARE = 0.02


@dataclass(frozen=True)
class Backlog:
    samples: int
    maximum: int
    final: int
    slope: float  # jobs/s over the run, least squares
    arrivals: float  # tickets/s sent during the run

    @property
    def bounded(self) -> bool:
        return self.slope <= BOUNDED_SHARE * self.arrivals

    def describe(self) -> str:
        verdict = "bounded" if self.bounded else "GROWING"
        return (
            f"backlog max {self.maximum}, at the end {self.final}, trend {self.slope:+.1f} jobs/s"
            f" against {self.arrivals:.0f} tickets/s arriving: {verdict}"
        )


class Sampler:
    def __init__(self, count: Callable[[], int], interval: float = 0.5) -> None:
        self.count = count
        self.interval = interval
        self.points: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        started = time.perf_counter()
        while True:
            self.points.append((time.perf_counter() - started, self.count()))
            if self._stop.wait(self.interval):
                return

    def summary(self, sent: int, seconds: float) -> Backlog:
        points = self.points or [(0.0, 0)]
        return Backlog(
            len(points), max(n for _, n in points), points[-1][1], _slope(points), sent / seconds
        )


def _slope(points: list[tuple[float, int]]) -> float:
    if len(points) < 2:
        return 0.0
    mean_t = sum(t for t, _ in points) / len(points)
    mean_n = sum(n for _, n in points) / len(points)
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    return sum((t - mean_t) * (n - mean_n) for t, n in points) / spread if spread else 0.0


Exchange = Callable[[asyncio.StreamReader, asyncio.StreamWriter, bytes], Awaitable[bytes]]


async def drive_at_rate(
    port: int, requests: list[bytes], rate: float, concurrency: int, exchange: Exchange
) -> list[float]:
    """Send request i at i/rate seconds from the start; latencies count from when it was due."""
    latencies: list[float] = []
    next_index = iter(range(len(requests)))
    started = time.perf_counter()

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for i in next_index:
            due = started + i / rate
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)  # pacing the load, not synchronising with the server
            status = await exchange(reader, writer, requests[i])
            latencies.append(time.perf_counter() - due)
            if status != b"202":
                raise SystemExit(f"unexpected status {status.decode()}")
        writer.close()
        await writer.wait_closed()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return latencies
