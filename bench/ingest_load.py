"""For bench/ingest.py: the signed requests, and the two load generators that send them.

`drive` is the project's own generator: pre-signed HTTP/1.1 requests over keep-alive sockets
(asyncio streams, no HTTP client library; an httpx client spends about 2 ms of CPU per request
on this machine and adds a p99 of about 200 ms of its own even against the do-nothing app).

`run_wrk` drives the same requests with wrk (written apart from the project, in C), the way the
issue is judged: a Lua script cycles through requests built and signed before the run, each a
new Zendesk ticket, for a fixed duration; req/s, p50 and p99 come from wrk's `--latency` output.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from tests import signing

TEXTS = [
    "Hi, our settlement batch from Friday never reached the bank. Card 4111 1111 1111 1111 was "
    "used by the customer, order 88812. Please check what happened with batch 2026-11-20.",
    "Webhook deliveries to https://shop.example.com/hooks are timing out since 09:00 UTC, we see "
    "evt_1Q2w3E4r5T retried 6 times. Signature verification also fails sometimes.",
    "A customer disputed a payment of EUR 249.00 (reason 13.1). What evidence do you need and "
    "when is the deadline? Contact me at ops@shop.example.",
    "Refund re_3Nx9 for 45.10 USD shows succeeded but the customer says nothing arrived after 12 "
    "days. Can you give me the ARN?",
]


def requests(port: int, first_id: int, n: int) -> list[bytes]:
    """Signed requests, built before the clock starts: signing is the sender's cost. Zendesk
    ticket ids are integers, so each run numbers its tickets from its own first id."""
    out = []
    for i in range(n):
        payload = signing.zendesk_event(first_id + i, "Ticket", TEXTS[i % len(TEXTS)])
        body = signing.dumps(payload)
        headers = signing.zendesk_headers(body) | {"Content-Length": str(len(body))}
        head = f"POST /webhooks/zendesk HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        out.append(head.encode() + b"\r\n" + body)
    return out


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> bytes:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    start = head.lower().find(b"content-length:")
    if start < 0:
        raise SystemExit(f"response without content-length: {head[:200]!r}")
    length = int(head[start + 15 : head.find(b"\r\n", start)])
    await reader.readexactly(length)
    return head[9:12]


async def drive(port: int, batch: list[bytes], concurrency: int) -> list[float]:
    """Send every request once over `concurrency` connections; the latencies, in seconds."""
    latencies: list[float] = []
    pending = iter(batch)

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        for request in pending:
            started = time.perf_counter()
            status = await exchange(reader, writer, request)
            latencies.append(time.perf_counter() - started)
            if status != b"202":
                raise SystemExit(f"unexpected status {status.decode()}")
        writer.close()
        await writer.wait_closed()

    await asyncio.gather(*(connection() for _ in range(concurrency)))
    return latencies


WRK = "wrk"

# Each wrk thread loads the requests (raw bytes, lengths in a second file: Lua's long strings
# would turn the CRLFs into LFs) and sends them in turn, its own share of them so that no
# ticket is sent twice while the list lasts.
LUA = """
local data_path, sizes_path = "%(data)s", "%(sizes)s"
local counter = 0
function setup(thread)
  thread:set("index", counter)
  counter = counter + 1
end
function init(args)
  local file = assert(io.open(data_path, "rb"))
  local data = file:read("*a")
  file:close()
  requests, position = {}, 1
  local n = 0
  for size in io.lines(sizes_path) do
    size = tonumber(size)
    if n %% %(threads)d == index then
      requests[#requests + 1] = data:sub(position, position + size - 1)
    end
    position = position + size
    n = n + 1
  end
  next_request = 1
end
function request()
  local r = requests[next_request]
  next_request = next_request %% #requests + 1
  return r
end
"""


@dataclass(frozen=True)
class WrkRun:
    sent: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    failed: int  # non-2xx responses and socket errors


def wrk_path() -> str:
    path = shutil.which(WRK)
    if path is None:
        raise SystemExit(
            "--generator wrk needs wrk on the PATH (Debian/Ubuntu: apt-get install wrk); "
            "without it, leave out --generator to use the project's own generator"
        )
    return path


def run_wrk(port: int, batch: list[bytes], connections: int, seconds: float) -> WrkRun:
    """Drive `batch` (cycled; size it above rate x duration) with wrk for `seconds`."""
    threads = 1  # one thread drives 16 connections far faster than any server here answers
    with tempfile.TemporaryDirectory(prefix="triage-wrk-") as tmp:
        data, sizes, script = Path(tmp, "requests"), Path(tmp, "sizes"), Path(tmp, "send.lua")
        data.write_bytes(b"".join(batch))
        sizes.write_text("".join(f"{len(r)}\n" for r in batch))
        script.write_text(LUA % {"data": data, "sizes": sizes, "threads": threads})
        cmd = [wrk_path(), "--latency", "-t", str(threads), "-c", str(connections)]
        # wrk counts a response slower than its 2 s default timeout as an error; the slowest
        # answers of a loaded machine are latency to report, not failures.
        cmd += ["-d", f"{seconds:g}s", "--timeout", "30s", "-s", str(script)]
        cmd.append(f"http://127.0.0.1:{port}/")
        done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return parse_wrk(done.stdout)


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(output: str) -> WrkRun:
    """req/s, p50, p99 and failures from `wrk --latency` output."""
    sent = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", output)
    p50 = re.search(r"^\s*50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s*99%\s+(\S+)", output, re.M)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not (sent and p50 and p99 and rps):
        raise SystemExit(f"could not read wrk's output:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    failed = int(non_2xx.group(1)) if non_2xx else 0
    failed += sum(int(n) for n in errors.groups()) if errors else 0
    seconds = _ms(sent.group(2) + sent.group(3)) / 1000
    return WrkRun(
        int(sent.group(1)),
        seconds,
        float(rps.group(1)),
        _ms(p50.group(1)),
        _ms(p99.group(1)),
        failed,
    )
