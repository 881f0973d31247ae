"""`make test-llm`: serve SmolLM2 with llama.cpp, make sure it can answer, then run tests/llm_real.

The server is started, asked for /v1/models until it answers, then given one short completion
before any test runs: a llama.cpp build that faults on this CPU dies on its first completion,
not at start-up. Whenever the server has died (before or during the tests), the last lines of
its log and its exit status are printed and the run stops with exit code 1, instead of tests
failing with connection errors.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections import deque
from pathlib import Path

import httpx

LOG_TAIL_LINES = 40
READY_TIMEOUT_SECONDS = 180.0
WARMUP_TIMEOUT_SECONDS = 300.0


class ServerDied(RuntimeError):
    pass


def tail(log: Path, lines: int = LOG_TAIL_LINES) -> str:
    with log.open(encoding="utf-8", errors="replace") as handle:
        return "".join(deque(handle, maxlen=lines))


def describe_exit(code: int) -> str:
    if code < 0:
        return f"killed by signal {signal.Signals(-code).name}"
    return f"exit status {code}"


def wait_ready(server: subprocess.Popen[bytes], base: str) -> str:
    """The served model id, once /v1/models answers; ServerDied if the process exits first."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            reply = httpx.get(f"{base}/models", timeout=1)
            reply.raise_for_status()
            return str(reply.json()["data"][0]["id"])
        except httpx.HTTPError:
            pass
        try:
            server.wait(timeout=0.5)  # the poll interval doubles as the death check
        except subprocess.TimeoutExpired:
            continue
        raise ServerDied("while loading the model")
    raise TimeoutError(f"llama.cpp server not ready after {READY_TIMEOUT_SECONDS:.0f} s")


def warm_up(server: subprocess.Popen[bytes], base: str, model: str) -> None:
    """One tiny completion: the first real use of the CPU kernels."""
    try:
        httpx.post(
            f"{base}/chat/completions",
            json={"model": model, "messages": [{"role": "user", "content": "Hi"}], "max_tokens": 4},
            timeout=WARMUP_TIMEOUT_SECONDS,
        ).raise_for_status()
    except httpx.HTTPError as exc:
        if server.poll() is not None:
            raise ServerDied("on its first completion") from exc
        raise
    if server.poll() is not None:
        raise ServerDied("right after its first completion")


def start(python: str, model_file: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    command = [python, "-m", "llama_cpp.server", "--model", model_file]
    command += ["--host", "127.0.0.1", "--port", str(port), "--n_ctx", "8192"]
    with log.open("wb") as handle:
        return subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT)


def run(args: argparse.Namespace) -> int:
    log = Path(args.log)
    log.parent.mkdir(parents=True, exist_ok=True)
    base = f"http://127.0.0.1:{args.port}/v1"
    server = start(args.python, args.model_file, args.port, log)
    try:
        warm_up(server, base, wait_ready(server, base))
        env = {**os.environ, "TRIAGE_REAL_LLM_URL": base}
        pytest = [sys.executable, "-m", "pytest", "tests/llm_real", "-q", "-rs"]
        tests = subprocess.run(pytest, env=env)
        if server.poll() is not None:
            raise ServerDied("during the tests")
        return tests.returncode
    except ServerDied as died:
        code = server.wait()
        print(f"llama.cpp server died {died} ({describe_exit(code)}); last log lines:")
        print(tail(log), end="")
        return 1
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="python of the llama.cpp venv")
    parser.add_argument("--model-file", required=True)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--log", default="var/llama-server.log")
    sys.exit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
