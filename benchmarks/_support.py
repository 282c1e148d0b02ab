"""What the pipeline benchmarks share: databases, the local server, stage timers, the machine.

Not a benchmark itself (``run_all.py`` skips modules whose name starts with ``_``).
"""

from __future__ import annotations

import contextlib
import importlib
import multiprocessing
import os
import platform
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from convosift.config import Settings, load_settings
from convosift.domain import Analysis, Conversation, Page, Window
from convosift.mock.state import MockIntercomConfig

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))
# One Service (and one open store) per database URL, called as service.start_run(settings, ...).
import services as service  # noqa: E402, F401

EVERYTHING = Window(since=0, until=2**31)
TOKEN = "benchmark-token"


# --- the machine -------------------------------------------------------------------------------


def machine() -> str:
    """One line: CPUs, memory, CPU model and the load average when the figures were taken."""
    model = platform.processor() or "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return f"{os.cpu_count()} CPUs, {memory}, {model}, load average {load}"


# --- databases ---------------------------------------------------------------------------------


def scratch_dir() -> Path:
    """A temporary directory for the benchmark's databases, removed when the process exits."""
    import atexit
    import shutil

    path = Path(tempfile.mkdtemp(prefix="convosift-bench-"))
    atexit.register(shutil.rmtree, path, ignore_errors=True)
    return path


def sqlite_url(directory: Path, name: str = "bench") -> str:
    return f"sqlite:///{directory / f'{name}-{uuid.uuid4().hex[:8]}.db'}"


@contextlib.contextmanager
def postgres_server(url: str | None) -> Iterator[str | None]:
    """``url`` if given, else a throwaway local cluster (as the tests start one), else None."""
    if url:
        yield url
        return
    sys.path.insert(0, str(REPO / "tests"))
    try:
        from conftest import _start_throwaway_cluster  # the tests' own way to start PostgreSQL
    finally:
        sys.path.pop(0)
    try:
        started = _start_throwaway_cluster()
    except Exception as exc:  # any failure to start it means "no PostgreSQL here"
        print(f"(PostgreSQL unavailable: {type(exc).__name__})")
        started = None
    if started is None:
        yield None
        return
    server_url, workdir, ctl = started
    try:
        yield server_url
    finally:
        import shutil
        import subprocess

        command = f"{ctl} -m immediate -w stop"
        full = ["su", "postgres", "-c", command] if os.geteuid() == 0 else ["bash", "-c", command]
        subprocess.run(full, check=False, capture_output=True, timeout=60)
        shutil.rmtree(workdir, ignore_errors=True)


def fresh_postgres_database(server_url: str) -> str:
    """A new empty database on the server (left for the throwaway cluster to take away)."""
    import sqlalchemy as sa

    name = f"bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            # Identifiers cannot be bound parameters; the name is generated above.
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return f"{server_url.rsplit('/', 1)[0]}/{name}"


# --- the local OpenAI-compatible test server in its own process ---------------------------------


def _serve_openai(latency: float, ready: Any) -> None:
    sys.path.insert(0, str(REPO / "tests"))
    from openai_server import serve_openai_in_thread  # the tests' deterministic keyword answers

    server = serve_openai_in_thread(latency=latency)
    ready.put(server.base_url)
    while True:
        # It records every request for the tests; a benchmark needs none of them.
        time.sleep(5)
        server.reset()


@contextlib.contextmanager
def _serving(target: Callable[..., None], *args: Any) -> Iterator[str]:
    """Run ``target(*args, ready)`` in a spawned process; yields the URL it puts on ``ready``."""
    context = multiprocessing.get_context("spawn")
    ready = context.Queue()
    process = context.Process(target=target, args=(*args, ready), daemon=True)
    process.start()
    try:
        yield str(ready.get(timeout=120))
    finally:
        process.terminate()
        process.join(timeout=10)


@contextlib.contextmanager
def openai_server_process(latency: float = 0.0) -> Iterator[str]:
    """The tests' OpenAI-compatible server in a separate process; yields its base URL (``…/v1``).

    ``latency`` (seconds) delays every answer, as a hosted model's would be.
    """
    with _serving(_serve_openai, latency) as url:
        yield url


# --- the local Intercom-compatible server in its own process -------------------------------------


def _serve(config: MockIntercomConfig, ready: Any) -> None:
    from convosift.mock.server import bind_socket, run_server

    sock = bind_socket(config)
    ready.put(f"http://{config.host}:{sock.getsockname()[1]}")
    run_server(config, sock)


@contextlib.contextmanager
def server_process(config: MockIntercomConfig) -> Iterator[str]:
    """Serve ``config`` from a separate process (its CPU is not the pipeline's); yields the base URL."""
    with _serving(_serve, config) as url:
        yield url


def pipeline_settings(database_url: str, base_url: str, token: str | None, **overrides: Any) -> Settings:
    return load_settings(
        database_url=database_url,
        source="intercom",
        intercom_base_url=base_url,
        intercom_access_token=SecretStr(token or TOKEN),
        cache_dir=overrides.pop("cache_dir", tempfile.gettempdir() + "/convosift-bench-models"),
        **{"classifier": "local", **overrides},
    )


def quiet_logs() -> None:
    """Some model libraries turn on INFO logging; a line per request would swamp the figures."""
    import logging

    # A root handler first: a library's later basicConfig(level=INFO) is then a no-op.
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)
    for name in ("httpx", "httpcore", "alembic"):
        logging.getLogger(name).setLevel(logging.WARNING)


# --- where the time goes ------------------------------------------------------------------------


class StageClock:
    """Busy seconds per stage.

    Stages overlap (batches are fetched ahead), so they may add up to more than the wall time.
    """

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self.seconds[stage] += seconds

    @contextlib.contextmanager
    def timing(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(stage, time.perf_counter() - started)

    def wrap(self, stage: str, func: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.timing(stage):
                return func(*args, **kwargs)

        return timed


class TimedSource:
    """A source whose listing (each page) and detail fetches are timed."""

    def __init__(self, inner: Any, clock: StageClock) -> None:
        self.inner, self.clock, self.name = inner, clock, inner.name

    async def pages(self, window: Window, cursor: str | None = None) -> AsyncIterator[Page]:
        iterator = self.inner.pages(window, cursor).__aiter__()
        while True:
            started = time.perf_counter()
            try:
                page = await anext(iterator)
            except StopAsyncIteration:
                return
            finally:
                self.clock.add("listing", time.perf_counter() - started)
            yield page

    async def details(self, ids: Sequence[str]) -> list[Any]:
        with self.clock.timing("details"):
            return list(await self.inner.details(ids))

    async def aclose(self) -> None:
        await self.inner.aclose()


class TimedAnalyzer:
    """An analyzer whose calls are timed and counted (it stays open across runs)."""

    def __init__(self, inner: Any, clock: StageClock | None = None) -> None:
        self.inner, self.clock, self.name = inner, clock, inner.name
        self.seen: list[str] = []

    @property
    def conversations(self) -> int:
        return len(self.seen)

    async def analyze(self, conversations: Sequence[Conversation]) -> list[Analysis]:
        self.seen.extend(c.id for c in conversations)
        if self.clock is None:
            return list(await self.inner.analyze(conversations))
        with self.clock.timing("analyze"):
            return list(await self.inner.analyze(conversations))

    async def aclose(self) -> None:
        return None


@contextlib.contextmanager
def timed_stages(clock: StageClock) -> Iterator[None]:
    """Time listing, details, the quality filter and the store of every run started inside the block.

    The loop builds its source and filter from settings and commits through private methods, so
    the benchmark wraps them for its own process only, and puts them back afterwards.
    """
    from convosift.pipeline.loop import BatchLoop

    module: Any = importlib.import_module("convosift.pipeline.service")
    build_source, build_assess = module.build_source, module.build_assess
    commit, lookup = BatchLoop._commit, BatchLoop._stored_versions

    def timed_source(settings: Settings) -> Any:
        return TimedSource(build_source(settings), clock)

    def timed_assess(settings: Settings) -> Callable[[Conversation], Any]:
        return clock.wrap("filter", build_assess(settings))

    module.build_source = timed_source
    module.build_assess = timed_assess
    BatchLoop._commit = clock.wrap("store", commit)  # type: ignore[method-assign]
    BatchLoop._stored_versions = clock.wrap("store", lookup)  # type: ignore[method-assign]
    try:
        yield
    finally:
        module.build_source, module.build_assess = build_source, build_assess
        BatchLoop._commit = commit  # type: ignore[method-assign]
        BatchLoop._stored_versions = lookup  # type: ignore[method-assign]


def local_analyzer(settings: Settings) -> Any:
    """The embedded local analyzer, trained or loaded once and warmed up (not part of any timing)."""
    from convosift.analysis.local import build_local_analyzer

    analyzer = build_local_analyzer(settings)
    analyzer.warm_up()
    return analyzer


def verdict(met: bool) -> str:
    return "MET" if met else "NOT MET"
