"""Ingest throughput and latency: triage (redaction + classification in the path) on SQLite and on
PostgreSQL, against the issue's reference, a bare FastAPI app that only inserts the same JSON
into one SQLite table through SQLAlchemy.

Each runs as uvicorn on 127.0.0.1 and is driven by the same load generator at the same
concurrency. Prints requests/s (in total and per serving process), p50 and p99, the serving
processes' CPU per request and, on PostgreSQL, the CPU per request of the job workers and of
the PostgreSQL backends (all share the machine's cores with the generator), the write-back
backlog when the last response came back and how long it took to drain, and the ratios. A row
for an app that does no work at all is the generator's own floor; a row for the same bare app
on the standard library's sqlite3 (no SQLAlchemy) is a harsher reference, printed for context.

On PostgreSQL, `--processes N` runs N serving processes behind one port (uvicorn workers) and
`--workers M` job-worker processes (`triage worker`) beside them; by default one per serving
process, as the README deploys them.
`--sqlite-workers M` adds a SQLite server whose write-back runs in M `triage worker` processes
instead of the embedded worker (which yields to requests, so under a flood write-back waits).

Generators: `--generator own` (the default) sends a fixed number of pre-signed requests over
keep-alive sockets from this process (see bench/ingest_load.py); `--generator wrk` drives the
same pre-signed requests with wrk (a separate C program: `apt-get install wrk`) for
`--duration` seconds, as the issue is judged, with req/s and p99 read from `wrk --latency`.
`--rounds N` repeats every server N times (interleaved, so load from elsewhere falls on all of
them alike) and prints each round and the medians. `--against CHECKOUT` drives another
checkout's triage too (a git worktree of an earlier commit with this .venv linked into it), in
every round, and prints this one's ratios to it: before and after under the same load.

    .venv/bin/python bench/ingest.py [--generator own|wrk] [--rounds 1] [--requests 3000]
        [--duration 20] [--concurrency 16] [--database sqlite|postgres|both] [--processes 1]
        [--workers N] [--sqlite-workers 0] [--pg-url URL] [--sustain SECONDS [--rate R]]
        [--against CHECKOUT]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import ingest_load as load  # noqa: E402
from bench.backlog import Backlog, Sampler, drive_at_rate  # noqa: E402
from tests import signing  # noqa: E402

WARMUP = 100
REFERENCE = "bare SQLAlchemy"


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float | None
    processes: int = 1
    backlog: int | None = None
    drain_s: float | None = None
    trend: Backlog | None = None  # the backlog sampled while the requests went in
    workers_ms: float | None = None  # CPU/req of the job-worker processes
    backends_ms: float | None = None  # CPU/req of the PostgreSQL backends


@dataclass
class Target:
    """One server to drive: its command, environment, serving processes, and where its jobs are."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    processes: int = 1
    jobs: Callable[[], int] | None = None  # write-back jobs not yet done
    workers: list[list[str]] = field(default_factory=list)  # job-worker processes beside it
    backends: Callable[[], list[int]] | None = None  # PostgreSQL backends serving it
    fresh_tickets: bool = False  # each request must be a new ticket for the run to mean much
    tree: Path = ROOT  # the checkout whose code runs (see --against)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("server did not start")


def _cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, from /proc (Linux); None elsewhere or once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _tree_cpu(pids: list[int]) -> dict[int, float]:
    """CPU seconds of each process still there (uvicorn's workers count, not its supervisor)."""
    found = {pid: _cpu_seconds(pid) for pid in pids}
    return {pid: cpu for pid, cpu in found.items() if cpu is not None}


def _cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(after[pid] - before[pid] for pid in before if pid in after)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(len(sorted_values) * fraction))]


def _drain_seconds(jobs: Callable[[], int] | None) -> float | None:
    """How long the write-back jobs queued during the run take to finish after it."""
    if jobs is None:
        return None
    started = time.perf_counter()
    while jobs() and time.perf_counter() - started < 300:
        time.sleep(0.05)
    return time.perf_counter() - started


def _spawn(cmd: list[str], env: dict[str, str], tree: Path = ROOT) -> subprocess.Popen[bytes]:
    # The working directory comes first on the path of uvicorn's app and of the triage commands
    # (ahead of the editable install), so it picks which checkout's code runs.
    return subprocess.Popen(
        cmd, env=env, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _serving_pids(proc: subprocess.Popen[bytes], processes: int) -> list[int]:
    if processes == 1:
        return [proc.pid]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        children = _children(proc.pid)
        if len(children) >= processes:
            return children
        time.sleep(0.1)
    raise SystemExit("uvicorn workers did not start")


@dataclass(frozen=True)
class Running:
    """A started target: its port and the processes whose CPU is counted."""

    target: Target
    port: int
    serving: list[int]
    workers: list[int]
    backends: list[int]


def _measure(target: Target, args: argparse.Namespace, round_no: int) -> list[Result]:
    """The closed-loop run, then with --sustain the flood at a fixed rate; both with the backlog."""
    port = _free_port()
    proc = _spawn([*target.cmd, "--port", str(port)], target.env, target.tree)
    workers = [_spawn(cmd, target.env, target.tree) for cmd in target.workers]
    first_id = 1_000_000 * (1 + round_no)
    try:
        _wait(f"http://127.0.0.1:{port}", proc)
        warmup = load.requests(port, first_id + 900_000, WARMUP)
        asyncio.run(load.drive(port, warmup, args.concurrency))
        backends = target.backends() if target.backends else []
        serving = _serving_pids(proc, target.processes)
        running = Running(target, port, serving, [w.pid for w in workers], backends)
        results = [_closed_loop(running, args, first_id)]
        if args.sustain and target.jobs:
            rate = args.rate or results[0].rps
            flood = load.requests(port, 500_000_000 + first_id, int(rate * args.sustain))
            drive = lambda: drive_at_rate(port, flood, rate, args.concurrency, load.exchange)  # noqa: E731
            results.append(_run_own(running, flood, drive))
    finally:
        for child in [proc, *workers]:
            child.terminate()
        for child in [proc, *workers]:
            child.wait(timeout=60)
    return results


def _closed_loop(running: Running, args: argparse.Namespace, first_id: int) -> Result:
    port = running.port
    if args.generator == "wrk":
        # Enough new tickets for 1,000 req/s; the apps that store nothing may cycle through less.
        pool = int(args.duration * (1000 if running.target.fresh_tickets else 250))
        return _run_wrk(running, load.requests(port, first_id, pool), args)
    batch = load.requests(port, first_id, args.requests)
    return _run_own(running, batch, lambda: load.drive(port, batch, args.concurrency))


@dataclass
class _Counters:
    """CPU, and the backlog sampler, around one run."""

    running: Running
    serving: dict[int, float] = field(default_factory=dict)
    workers: dict[int, float] = field(default_factory=dict)
    backends: dict[int, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        gc.collect()
        self.serving = _tree_cpu(self.running.serving)
        self.workers = _tree_cpu(self.running.workers)
        self.backends = _tree_cpu(self.running.backends)

    def _per_request(self, before: dict[int, float], sent: int) -> float | None:
        return _cpu_delta(before, _tree_cpu(list(before))) / sent * 1000 if before else None

    def result(self, sent: int, seconds: float, p50: float, p99: float, sampler: Sampler) -> Result:
        target = self.running.target
        cpu = self._per_request(self.serving, sent)
        workers = self._per_request(self.workers, sent)
        backends = self._per_request(self.backends, sent)
        backlog = target.jobs() if target.jobs else None
        drain = _drain_seconds(target.jobs)
        trend = sampler.summary(sent, seconds) if target.jobs else None
        return Result(
            sent / seconds,
            p50,
            p99,
            cpu,
            target.processes,
            backlog,
            drain,
            trend,
            workers,
            backends,
        )


def _run_own(running: Running, batch: list[bytes], drive: Callable[[], Any]) -> Result:
    counters = _Counters(running)
    with Sampler(running.target.jobs or (lambda: 0)) as sampler:
        started = time.perf_counter()
        latencies = asyncio.run(drive())
        elapsed = time.perf_counter() - started
    latencies.sort()
    p50, p99 = _percentile(latencies, 0.5) * 1000, _percentile(latencies, 0.99) * 1000
    return counters.result(len(batch), elapsed, p50, p99, sampler)


def _run_wrk(running: Running, batch: list[bytes], args: argparse.Namespace) -> Result:
    counters = _Counters(running)
    with Sampler(running.target.jobs or (lambda: 0)) as sampler:
        run = load.run_wrk(running.port, batch, args.concurrency, args.duration)
    if run.failed:
        # Reported, not fatal: one refused connection must not throw away the other rounds.
        print(f"  {running.target.name}: wrk saw {run.failed} failed requests (non-2xx or errors)")
    if running.target.fresh_tickets and run.sent > len(batch):
        print(f"  note: {run.sent - len(batch)} requests beyond the pool were redeliveries")
    return counters.result(run.sent, run.seconds, run.p50_ms, run.p99_ms, sampler)


def _prepare(env: dict[str, str], tree: Path = ROOT) -> None:
    triage = str(Path(sys.executable).parent / "triage")
    # With nothing active, `triage train` registers the first model and activates it.
    for command in ([triage, "migrate"], [triage, "train"]):
        subprocess.run(command, env=env, cwd=tree, check=True, stdout=subprocess.DEVNULL)


UNFINISHED = "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"


def _sqlite_jobs(db: Path) -> Callable[[], int]:
    def unfinished() -> int:
        with sqlite3.connect(db) as conn:
            return int(conn.execute(UNFINISHED).fetchone()[0])

    return unfinished


class _PgProbe:
    """One autocommit connection for the backlog counts and the backend list (a connection per
    sample would cost PostgreSQL a fork each time, on the cores being measured)."""

    def __init__(self, url: str, name: str) -> None:
        self.url, self.name = url, name
        self._conn: psycopg.Connection[Any] | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            # Never prepared: the same probe works through PgBouncer in transaction mode.
            self._conn = psycopg.connect(self.url, autocommit=True, prepare_threshold=None)
        return self._conn

    def unfinished(self) -> int:
        row = self._connection().execute(UNFINISHED).fetchone()
        return int(row[0]) if row else 0

    def backends(self) -> list[int]:
        rows = self._connection().execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.name,),
        )
        return [int(pid) for (pid,) in rows.fetchall()]

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()


def _pg_database(admin_url: str, suffix: str = "") -> tuple[str, str, Callable[[], None]]:
    """A fresh database for one run on the server behind admin_url, its name, and its drop."""
    name = f"triage_bench_{os.getpid()}{suffix}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"

    def drop() -> None:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return url, name, drop


def _line(name: str, r: Result, width: int = 18) -> str:
    cpu = f"{r.cpu_ms:5.2f} ms" if r.cpu_ms is not None else "   n/a"
    per = f"{r.rps / r.processes:7.1f}/proc" if r.processes > 1 else " " * 12
    beside = "" if r.workers_ms is None else f" +workers {r.workers_ms:4.2f}"
    beside += "" if r.backends_ms is None else f" +PG {r.backends_ms:4.2f}"
    backlog = (
        "" if r.backlog is None else f"   backlog {r.backlog:5d}, drained in {r.drain_s:5.1f} s"
    )
    return (
        f"{name:{width}s} {r.rps:7.1f} req/s {per}  p50 {r.p50_ms:6.2f} ms  p99 {r.p99_ms:7.2f} ms"
        f"  CPU/req {cpu}{beside}{backlog}"
    )


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--generator", choices=("own", "wrk"), default="own")
    parser.add_argument("--rounds", type=int, default=1, help="repeat every server; medians")
    parser.add_argument("--requests", type=int, default=3000, help="per run (own generator)")
    parser.add_argument("--duration", type=float, default=20, help="seconds per run (wrk)")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--processes", type=int, default=1, help="serving processes (PostgreSQL)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="`triage worker` processes (PostgreSQL); default: one per serving process, as the"
        " README deploys them",
    )
    parser.add_argument(
        "--sqlite-workers",
        type=int,
        default=0,
        help="also run SQLite with this many `triage worker` processes (no embedded worker)",
    )
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument(
        "--against",
        metavar="CHECKOUT",
        help="also drive the triage of another checkout (a git worktree of an earlier commit,"
        " sharing this .venv) in every round, and print this one's ratio to it",
    )
    parser.add_argument(
        "--sustain",
        type=float,
        default=0,
        metavar="SECONDS",
        help="then flood each triage server at a fixed rate this long, sampling the backlog",
    )
    parser.add_argument(
        "--rate", type=float, default=0, help="the flood's requests/s (default: the measured one)"
    )
    args = parser.parse_args()
    if args.workers is None:
        args.workers = args.processes
    if args.generator == "wrk":
        load.wrk_path()  # says clearly what is missing before anything is set up
    return args


def _targets(
    args: argparse.Namespace, tmp: Path, base: dict[str, str]
) -> tuple[list[Target], list[Callable[[], None]]]:
    bin_dir = Path(sys.executable).parent
    uvicorn = [str(bin_dir / "uvicorn"), "--host", "127.0.0.1", "--log-level", "warning"]
    targets = [
        Target("floor", [*uvicorn, "bench.ingest_baseline:null_app"], base),
        Target(REFERENCE, [*uvicorn, "bench.ingest_baseline:app"], base),
        Target("bare sqlite3", [*uvicorn, "bench.ingest_baseline:raw_app"], base),
    ]
    cleanups: list[Callable[[], None]] = []
    trees = [Checkout(ROOT, "")]
    if args.against:
        trees.append(Checkout(Path(args.against).resolve(), " @" + _short(args.against)))
    for tree in trees:
        targets += _triage_targets(args, tmp, base, [*uvicorn, *TRIAGE_APP], tree, cleanups)
    return targets, cleanups


TRIAGE_APP = ["--factory", "triage.main:create_app"]


@dataclass(frozen=True)
class Checkout:
    """A checkout whose triage is driven, and the suffix of its targets' names."""

    path: Path
    suffix: str

    @property
    def tag(self) -> str:
        return self.suffix.strip(" @")


def _short(against: str) -> str:
    head = subprocess.run(
        ["git", "-C", against, "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return head.stdout.strip() or Path(against).name


def _triage_targets(
    args: argparse.Namespace,
    tmp: Path,
    base: dict[str, str],
    serve: list[str],
    tree: Checkout,
    cleanups: list[Callable[[], None]],
) -> list[Target]:
    targets = []
    if args.database in ("sqlite", "both"):
        db = tmp / f"triage{tree.tag}.db"
        env = base | {"TRIAGE_DATABASE_URL": f"sqlite:///{db}"}
        print(f"sqlite{tree.suffix}: migrating and training the first model ...", flush=True)
        _prepare(env, tree.path)
        sqlite = Target("triage sqlite" + tree.suffix, serve, env, jobs=_sqlite_jobs(db))
        sqlite.fresh_tickets, sqlite.tree = True, tree.path
        targets.append(sqlite)
        if args.sqlite_workers:
            targets.append(_sqlite_workers_target(args, tmp, base, serve, tree))
    if args.database in ("postgres", "both"):
        targets.append(_pg_target(args, base, serve, tree, cleanups))
    return targets


def _sqlite_workers_target(
    args: argparse.Namespace, tmp: Path, base: dict[str, str], serve: list[str], tree: Checkout
) -> Target:
    """SQLite with `triage worker` processes instead of the embedded worker, on a file of its
    own (the ticket ids of a round would otherwise be redeliveries of the other target's)."""
    db = tmp / f"triage-workers{tree.tag}.db"
    env = base | {
        "TRIAGE_DATABASE_URL": f"sqlite:///{db}",
        "TRIAGE_RUN_WORKER_IN_PROCESS": "false",
    }
    print("sqlite with worker processes: migrating and training the first model ...", flush=True)
    _prepare(env, tree.path)
    worker = [str(Path(sys.executable).parent / "triage"), "worker"]
    label = f"triage sqlite +{args.sqlite_workers}w{tree.suffix}"
    target = Target(label, serve, env, jobs=_sqlite_jobs(db))
    target.workers = [worker] * args.sqlite_workers
    target.fresh_tickets, target.tree = True, tree.path
    return target


def _pg_target(
    args: argparse.Namespace,
    base: dict[str, str],
    serve: list[str],
    tree: Checkout,
    cleanups: list[Callable[[], None]],
) -> Target:
    url, name, drop = _pg_database(args.pg_url, f"_{tree.tag}" if tree.tag else "")
    probe = _PgProbe(url, name)
    cleanups += [probe.close, drop]
    env = base | {
        "TRIAGE_DATABASE_URL": url.replace("postgresql://", "postgresql+psycopg://", 1),
        "TRIAGE_RUN_WORKER_IN_PROCESS": "false",
    }
    print(f"postgres{tree.suffix}: migrating and training the first model ...", flush=True)
    _prepare(env, tree.path)
    uvicorn, app = serve[: -len(TRIAGE_APP)], serve[-len(TRIAGE_APP) :]
    cmd = [*uvicorn, "--workers", str(args.processes), *app]
    worker = [str(Path(sys.executable).parent / "triage"), "worker"]
    label = "triage postgres" + (f" x{args.processes}" if args.processes > 1 else "") + tree.suffix
    target = Target(label, cmd, env, args.processes, probe.unfinished, [worker] * args.workers)
    target.backends, target.fresh_tickets, target.tree = probe.backends, True, tree.path
    return target


def _median(runs: list[Result]) -> Result:
    def mid(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None

    last = runs[-1]
    return Result(
        statistics.median(r.rps for r in runs),
        statistics.median(r.p50_ms for r in runs),
        statistics.median(r.p99_ms for r in runs),
        mid([r.cpu_ms for r in runs]),
        last.processes,
        last.backlog,
        last.drain_s,
        last.trend,
        mid([r.workers_ms for r in runs]),
        mid([r.backends_ms for r in runs]),
    )


def _summary(results: dict[str, Result]) -> None:
    for name, r in results.items():
        if name.startswith("triage"):
            ratio = r.rps / r.processes / results[REFERENCE].rps
            print(
                f"{name}: per process {ratio:.2f}x the bare SQLAlchemy app (target >= 1.5); "
                f"p99 {r.p99_ms:.1f} ms (target < 50 ms); CPU/req target about 1 ms"
            )
    against = next((name.partition(" @")[2] for name in results if " @" in name), None)
    for tag in ("", *([f" @{against}"] if against else [])):
        sqlite = results.get("triage sqlite" + tag)
        # This checkout's targets come first, so with no tag the first is this checkout's.
        postgres = next(
            (r for n, r in results.items() if n.startswith("triage postgres") and n.endswith(tag)),
            None,
        )
        if sqlite and postgres:
            ratio = (postgres.rps / postgres.processes) / sqlite.rps
            print(f"postgres per process / sqlite{tag}: {ratio:.2f} (target >= 1.0)")
    for name, r in results.items():
        before = results.get(f"{name} @{against}")
        if before is not None:
            rps, cpu = r.rps / before.rps, _ratio(r.cpu_ms, before.cpu_ms)
            print(f"{name} / {name} @{against}: {rps:.2f}x req/s, {cpu} CPU/req")


def _ratio(now: float | None, before: float | None) -> str:
    return f"{now / before:.2f}x" if now is not None and before else "n/a"


def main() -> None:
    args = _arguments()
    tmp = Path(tempfile.mkdtemp(prefix="triage-bench-"))
    base = {
        **os.environ,
        "TRIAGE_ZENDESK_WEBHOOK_SECRET": signing.ZENDESK_SECRET.decode(),
        "TRIAGE_LOG_LEVEL": "WARNING",
        "BASELINE_DB": str(tmp / "baseline.db"),
    }
    targets, cleanups = _targets(args, tmp, base)
    rounds: list[dict[str, Result]] = []
    floods: dict[str, Result] = {}
    try:
        for round_no in range(args.rounds):
            rounds.append({})
            for target in targets:
                print(f"round {round_no + 1}: driving {target.name} ...", flush=True)
                runs = _measure(target, args, round_no)
                rounds[-1][target.name] = runs[0]
                if len(runs) > 1:
                    floods[f"{target.name} r{round_no + 1}"] = runs[1]
    finally:
        for cleanup in cleanups:
            cleanup()
    _report(args, rounds, floods)


def _report(
    args: argparse.Namespace, rounds: list[dict[str, Result]], floods: dict[str, Result]
) -> None:
    how = (
        f"wrk, {args.duration:g} s per run"
        if args.generator == "wrk"
        else f"own generator, {args.requests} requests per run"
    )
    print(f"\n{how}, concurrency {args.concurrency}, load average {os.getloadavg()[0]:.2f}")
    width = max(18, *(len(name) for name in rounds[0]))
    for round_no, results in enumerate(rounds, 1):
        if len(rounds) > 1:
            print(f"round {round_no}")
        _rows(results, width)
    medians = {name: _median([r[name] for r in rounds]) for name in rounds[0]}
    if len(rounds) > 1:
        print(f"medians of {len(rounds)} rounds")
        _rows(medians, width, trends=False)
    if floods:
        print(f"\nsustained flood, {args.sustain:.0f} s at a fixed rate (latency from when due)")
        _rows(floods, max(width, *(len(name) for name in floods)))
    _summary(medians)


def _rows(results: dict[str, Result], width: int, trends: bool = True) -> None:
    for name, r in results.items():
        print(_line(name, r, width))
        if trends and r.trend is not None:
            print(f"{'':{width}s} {r.trend.describe()}")


if __name__ == "__main__":
    main()
