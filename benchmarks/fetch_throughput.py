"""Fetch throughput of the Intercom source, beside the local server's own capacity.

Starts the local Intercom-compatible server in its own process (its CPU is not the source's, but
on a small machine they share the cores) with L ms of latency, then lists and fetches N
conversations the way a backfill does: one search page, then the details of its conversations,
concurrently, through ``IntercomSource`` (listing, retrieving and normalising).

With a rate limit of R requests per 10 s (``--rate-limit R``) the best any client can do is

    bound = R / 10 / (1 + 1 / per_page)   conversations per second

(one search request per page plus one retrieve per conversation). The run starts at the
beginning of a rate-limit window so that budget left over in a window already under way does not
flatter the figure. Target: at least 0.9 of the bound with no more than a handful of 429s.

With no rate limit (``--rate-limit 0``) the ceiling is the server. After the source's run, a
minimal HTTP/1.1 client (keep-alive, ``--capacity-connections`` connections, nothing parsed but
the framing) retrieves the same conversations from a fresh server process with the same settings;
its requests/s, and the conversations/s they would carry at one search per page, are printed
beside the source's figure. Target: at least 1,000 conversations/s from the source.

    .venv/bin/python benchmarks/fetch_throughput.py --rate-limit 0 --latency-ms 5 --conversations 3000
    .venv/bin/python benchmarks/fetch_throughput.py --rate-limit 300 --latency-ms 50 --conversations 1000

``--profile`` runs the source under cProfile and prints where its CPU time went. What it showed
(3,000 conversations, 5 ms latency, 2 CPUs): with httpx's default transport, its connection pool
(httpcore re-examines every connection on each request and response, and anyio asks the kernel
twice per idle connection whether the server closed it) took most of about 1 ms of client CPU per
conversation at 8 requests in flight and 3 ms at 32, so more concurrency made fetching slower.
With the keep-alive transport, requests sent straight to it, the remaining client CPU is about a
third HTTP (h11, building requests and responses), a third normalising (HTML to text), and JSON
parsing, pacing and the event loop share the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _support import TOKEN, machine, server_process

from convosift.config import Settings, load_settings
from convosift.domain import Conversation, Window
from convosift.mock.inbox import Inbox
from convosift.mock.state import RATE_WINDOW_SECONDS, MockIntercomConfig
from convosift.sources.intercom import IntercomSource
from convosift.sources.intercom.transport import KeepAliveTransport

GOAL_UNLIMITED = 1_000.0
"""Conversations per second the source must reach when nothing but the server limits it."""
SEED = 1


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rate-limit", "-R", type=int, default=300, help="requests per 10 s; 0 for no limit (default 300)"
    )
    parser.add_argument("--latency-ms", "-L", type=int, default=50, help="server latency in ms (default 50)")
    parser.add_argument("--conversations", "-N", type=int, default=1000, help="conversations to fetch")
    parser.add_argument("--per-page", type=int, default=150, help="search page size (default 150)")
    parser.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="detail requests in flight (default: the setting's default)",
    )
    parser.add_argument(
        "--capacity-connections", type=int, default=64, help="connections of the capacity probe (default 64)"
    )
    parser.add_argument(
        "--profile", action="store_true", help="profile the source and print the top functions"
    )
    return parser.parse_args()


class CountingTransport(httpx.AsyncBaseTransport):
    """The source's own transport, counting requests by kind and responses by status."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.kinds: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.kinds["search" if request.method == "POST" else "retrieve"] += 1
        response = await self.inner.handle_async_request(request)
        self.statuses[response.status_code] += 1
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


@dataclass
class SourceRun:
    fetched: int
    seconds: float
    cpu_seconds: float
    transport: CountingTransport


async def fetch_everything(settings: Settings) -> SourceRun:
    # The default transport for a local server, wrapped only to count what went over the wire.
    transport = CountingTransport(KeepAliveTransport(max_connections=settings.intercom_fetch_concurrency + 2))
    fetched = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    async with IntercomSource(settings, transport=transport) as source:
        async for page in source.pages(Window(since=0, until=2**31)):
            results = await source.details([item.id for item in page.items])
            fetched += sum(isinstance(result, Conversation) for result in results)
    return SourceRun(fetched, time.perf_counter() - started, time.process_time() - cpu_started, transport)


async def server_capacity(base_url: str, ids: list[str], connections: int) -> tuple[int, float]:
    """Retrieves per second the server answers to a client that costs it nothing but the requests."""
    url = httpx.URL(base_url)

    async def retrieve_all(share: list[str]) -> int:
        reader, writer = await asyncio.open_connection(url.host, url.port)
        answered = 0
        try:
            for conversation_id in share:
                writer.write(
                    f"GET /conversations/{conversation_id} HTTP/1.1\r\nHost: {url.host}\r\n"
                    f"Authorization: Bearer {TOKEN}\r\nAccept: application/json\r\n\r\n".encode()
                )
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                await reader.readexactly(length)
                answered += head.startswith(b"HTTP/1.1 200 ")
        finally:
            writer.close()
        return answered

    started = time.perf_counter()
    answered = await asyncio.gather(*(retrieve_all(ids[n::connections]) for n in range(connections)))
    return sum(answered), time.perf_counter() - started


def profiled(profile: cProfile.Profile) -> str:
    out = io.StringIO()
    stats = pstats.Stats(profile, stream=out)
    stats.sort_stats("tottime").print_stats(15)
    stats.sort_stats("cumulative").print_stats(
        r"sources/intercom|_client.py|json/decoder|html/parser|h11/_connection.py:\d+\(next_event|send\)"
    )
    return out.getvalue()


def main() -> None:
    args = parse_args()
    limited = args.rate_limit > 0

    def config(rate_limit: int | None) -> MockIntercomConfig:
        return MockIntercomConfig(
            conversations=args.conversations,
            seed=SEED,
            rate_limit=rate_limit,
            latency_ms=args.latency_ms,
            token=TOKEN,
        )

    print(f"machine              {machine()}")
    with server_process(config(args.rate_limit if limited else None)) as base_url:
        overrides = {"intercom_fetch_concurrency": args.concurrency} if args.concurrency else {}
        settings = load_settings(
            intercom_access_token=TOKEN,
            intercom_base_url=base_url,
            intercom_per_page=args.per_page,
            **overrides,
        )
        if limited:
            # Start with a fresh window: leftover budget of the current one would inflate the result.
            time.sleep(RATE_WINDOW_SECONDS - time.time() % RATE_WINDOW_SECONDS + 0.01)
        profile = cProfile.Profile(time.process_time) if args.profile else None
        if profile:
            profile.enable()
        run = asyncio.run(fetch_everything(settings))
        if profile:
            profile.disable()

    ids = [plan.id for plan in Inbox(args.conversations, SEED).plans]
    # The capacity probe has no rate limit to respect: it measures what the server itself can do.
    with server_process(config(None)) as base_url:
        probes = sorted({settings.intercom_fetch_concurrency, args.capacity_connections})
        capacities = {n: asyncio.run(server_capacity(base_url, ids, n)) for n in probes}

    rate = run.fetched / run.seconds
    # Retrieves/s and the conversations/s they carry at one search per page, by connections.
    carried = {
        n: answered / seconds / (1 + 1 / args.per_page) for n, (answered, seconds) in capacities.items()
    }
    ceiling = max(carried.values())
    kinds, statuses = run.transport.kinds, run.transport.statuses
    rate_limited = statuses.get(429, 0)
    print(
        f"rate limit           {f'{args.rate_limit} requests / {RATE_WINDOW_SECONDS} s' if limited else 'none'}"
    )
    print(f"latency              {args.latency_ms} ms")
    print(f"concurrency          {settings.intercom_fetch_concurrency} detail requests in flight")
    print(f"conversations        {run.fetched} of {args.conversations}")
    print(
        f"requests made        {sum(kinds.values())} (search {kinds['search']}, retrieve {kinds['retrieve']})"
    )
    print(f"429 responses        {rate_limited}")
    print(f"elapsed              {run.seconds:.2f} s")
    print(f"client CPU           {run.cpu_seconds / max(run.fetched, 1) * 1e6:.0f} us per conversation")
    print(f"source throughput    {rate:.1f} conversations/s")
    for connections, (answered, seconds) in capacities.items():
        print(
            f"server capacity      {answered / seconds:.0f} retrieves/s over {connections} keep-alive connections "
            f"= {carried[connections]:.0f} conversations/s at one search per {args.per_page}"
            f"{'' if answered == len(ids) else f' ({len(ids) - answered} not answered 200)'}"
        )
    print(f"source / server      {rate / ceiling:.2f} of the server's best")
    if profile:
        print(profiled(profile))
    if limited:
        bound = args.rate_limit / RATE_WINDOW_SECONDS / (1 + 1 / args.per_page)
        ratio = rate / bound
        print(f"bound                {bound:.2f} conversations/s")
        print(f"ratio                {ratio:.3f}")
        met = ratio >= 0.9 and rate_limited <= 5 and run.fetched == args.conversations
        print(
            f"{'PASS' if met else 'FAIL'}: {rate:.1f} conv/s = {ratio:.0%} of the {bound:.1f} conv/s bound, "
            f"{rate_limited} x 429"
        )
    else:
        met = rate >= GOAL_UNLIMITED and run.fetched == args.conversations
        print(
            f"{'PASS' if met else 'FAIL'}: {rate:.0f} conv/s without a rate limit (goal {GOAL_UNLIMITED:,.0f}); "
            f"the server alone carries {ceiling:.0f} conv/s, so the source reaches {rate / ceiling:.0%} of it"
        )


if __name__ == "__main__":
    main()
