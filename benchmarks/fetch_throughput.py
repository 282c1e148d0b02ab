"""Fetch throughput of the Intercom source against the rate-limited local server.

Starts the local Intercom-compatible server allowing R requests per 10 s with L ms of latency,
then lists and fetches N conversations the way a backfill does (one search page, then the
details of its conversations, concurrently). The best any client can do under that limit is

    bound = R / 10 / (1 + 1 / per_page)   conversations per second

(one search request per page plus one retrieve per conversation). The run starts at the
beginning of a rate-limit window so that budget left over in a window already under way does not
flatter the figure. Target: at least 0.9 of the bound with no more than a handful of 429s.

    .venv/bin/python benchmarks/fetch_throughput.py --rate-limit 300 --latency-ms 50 --conversations 1000
"""

from __future__ import annotations

import argparse
import asyncio
import time

from convosift.config import Settings, load_settings
from convosift.domain import Conversation, Window
from convosift.mock.server import MockIntercomConfig, serve_in_thread
from convosift.mock.state import RATE_WINDOW_SECONDS
from convosift.sources.intercom import IntercomSource

TOKEN = "benchmark-token"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate-limit", "-R", type=int, default=300, help="requests per 10 s (default 300)")
    parser.add_argument("--latency-ms", "-L", type=int, default=50, help="server latency in ms (default 50)")
    parser.add_argument("--conversations", "-N", type=int, default=1000, help="conversations to fetch")
    parser.add_argument("--per-page", type=int, default=150, help="search page size (default 150)")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent detail requests (default 8)")
    return parser.parse_args()


async def fetch_everything(settings: Settings) -> int:
    fetched = 0
    async with IntercomSource(settings) as source:
        async for page in source.pages(Window(since=0, until=2**31)):
            results = await source.details([item.id for item in page.items])
            fetched += sum(isinstance(result, Conversation) for result in results)
    return fetched


def main() -> None:
    args = parse_args()
    config = MockIntercomConfig(
        conversations=args.conversations,
        seed=1,
        rate_limit=args.rate_limit,
        latency_ms=args.latency_ms,
        token=TOKEN,
    )
    with serve_in_thread(config) as server:
        settings = load_settings(
            intercom_access_token=TOKEN,
            intercom_base_url=server.base_url,
            intercom_per_page=args.per_page,
            intercom_fetch_concurrency=args.concurrency,
        )
        # Start with a fresh window: leftover budget of the current one would inflate the result.
        time.sleep(RATE_WINDOW_SECONDS - time.time() % RATE_WINDOW_SECONDS + 0.01)
        started = time.perf_counter()
        fetched = asyncio.run(fetch_everything(settings))
        elapsed = time.perf_counter() - started
        stats = dict(server.stats)

    rate = fetched / elapsed
    bound = args.rate_limit / RATE_WINDOW_SECONDS / (1 + 1 / args.per_page)
    ratio = rate / bound
    rate_limited = stats.get("rate_limited", 0)
    print(f"rate limit           {args.rate_limit} requests / {RATE_WINDOW_SECONDS} s")
    print(f"latency              {args.latency_ms} ms")
    print(f"conversations        {fetched} of {args.conversations}")
    print(
        f"requests made        {stats.get('requests', 0)} "
        f"(search {stats.get('search', 0)}, retrieve {stats.get('retrieve', 0)})"
    )
    print(f"429 responses        {rate_limited}")
    print(f"elapsed              {elapsed:.2f} s")
    print(f"throughput           {rate:.2f} conversations/s")
    print(f"bound                {bound:.2f} conversations/s")
    print(f"ratio                {ratio:.3f}")
    verdict = "PASS" if ratio >= 0.9 and rate_limited <= 5 and fetched == args.conversations else "FAIL"
    print(f"{verdict}: {rate:.1f} conv/s = {ratio:.0%} of the {bound:.1f} conv/s bound, {rate_limited} x 429")


if __name__ == "__main__":
    main()
