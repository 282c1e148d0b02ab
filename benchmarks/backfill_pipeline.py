"""Whole ``convosift backfill`` processes against the local servers: how close the pipeline gets to
what the help desk's rate limit, the server itself or the LLM allows.

Each scenario starts the local Intercom-compatible server in its own process, then runs
``convosift backfill --since 2000-01-01 --json`` as a fresh process (imports, model loading and
database set-up included) and times it from spawn to exit.

1. **Rate-limited**: R requests per 10-second window, L ms latency, N conversations, the default
   embedded local models, SQLite. A backfill needs one search per page and one retrieve per
   conversation, so no client finishes before the window in which the server's budget has served
   them all. Goal: at least 0.95 of that bound. The same with classifier ``none`` and a dry run
   shows the fetch path alone.
2. **No rate limit**, 5 ms latency: a dry run with classifier ``none`` (the fetch path; goal
   1,000 conversations/s) beside the server's own capacity, measured with many keep-alive
   connections in one more process; then end to end with the local models and SQLite (goal 800/s).
   These two report the run's own duration (process start excluded) beside the process's.
3. **Batch size**: the end-to-end run at batch 50 and at batch 500, alternated ``--repeats`` times,
   the best run of each compared (goal: within 5 %). Beside it, the backfill process's CPU seconds
   per 1,000 conversations (user + system, model loading included), which moves far less than the
   rate on a shared machine.
4. **LLM**: an OpenAI-compatible server answering in 1 s, concurrency C (start and cap), M
   conversations behind a rate-limited Intercom server. The LLM bound is the calls made times the
   latency over C; the goal is at least 0.90 of max(API bound, LLM bound). Beside it: the best
   any client could do with the answer time the server really has (measured before the run) and
   conversations arriving at the API's paced rate (:func:`ideal_llm_schedule`), so a shortfall
   can be told apart from the ceiling.

    .venv/bin/python benchmarks/backfill_pipeline.py [--only rate,nolimit,batch,llm]
        [--conversations 3000] [--rate-limit 1000] [--latency-ms 30]
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _support import (
    TOKEN,
    machine,
    openai_server_process,
    quiet_logs,
    scratch_dir,
    server_process,
    sqlite_url,
    verdict,
)

from convosift.mock.state import RATE_WINDOW_SECONDS, MockIntercomConfig

SCENARIOS = ("rate", "nolimit", "batch", "llm")
CACHE_DIR = str(Path(tempfile.gettempdir()) / "convosift-bench-models")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", default=",".join(SCENARIOS), help="comma-separated scenarios to run")
    parser.add_argument("--conversations", "-N", type=int, default=3000, help="rate-limited inbox size")
    parser.add_argument("--rate-limit", "-R", type=int, default=1000, help="requests per 10 s (default 1000)")
    parser.add_argument("--latency-ms", "-L", type=int, default=30, help="latency when rate-limited (30 ms)")
    parser.add_argument("--unlimited-conversations", type=int, default=6000, help="inbox without a limit")
    parser.add_argument("--batch-size", type=int, default=50)
    parser.add_argument("--llm-conversations", type=int, default=600)
    parser.add_argument("--llm-latency", type=float, default=1.0, help="seconds per LLM answer")
    parser.add_argument("--llm-concurrency", type=int, default=32)
    parser.add_argument("--per-page", type=int, default=150)
    parser.add_argument("--repeats", type=int, default=2, help="runs per batch size, alternated (default 2)")
    return parser.parse_args()


def backfill(
    base_url: str, workdir: Path, name: str, *, batch_size: int, dry_run: bool = False, **env: str
) -> tuple[float, dict[str, Any]]:
    """Run one backfill process; (seconds from spawn to exit, its final run record)."""
    environment = {
        **os.environ,
        "CONVOSIFT_DATABASE_URL": sqlite_url(workdir, name),
        "CONVOSIFT_SOURCE": "intercom",
        "INTERCOM_BASE_URL": base_url,
        "INTERCOM_ACCESS_TOKEN": TOKEN,
        "CONVOSIFT_CACHE_DIR": CACHE_DIR,
        "CONVOSIFT_LOG_LEVEL": "warning",
        **env,
    }
    command = [sys.executable, "-m", "convosift", "backfill", "--since", "2000-01-01", "--json"]
    command += ["--batch-size", str(batch_size)] + (["--dry-run"] if dry_run else [])
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    elapsed, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"backfill {name} failed ({done.returncode}): {done.stderr[-2000:]}")
    record = json.loads(done.stdout)
    if record["status"] != "completed":
        raise SystemExit(f"backfill {name} ended {record['status']}: {record.get('error')}")
    record["process_cpu_seconds"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, record


def window_start() -> None:
    """Wait for a fresh rate-limit window: budget left in one under way would flatter a figure."""
    time.sleep(RATE_WINDOW_SECONDS - time.time() % RATE_WINDOW_SECONDS + 0.01)


def warm_models(base_url: str, workdir: Path) -> None:
    """Train the local models once, so every measured process loads them as a user's would."""
    backfill(base_url, workdir, "warm", batch_size=50, dry_run=True)


def rate_limited_inbox(args: argparse.Namespace, conversations: int) -> MockIntercomConfig:
    """The local server's inbox behind the rate limit and latency of the arguments."""
    return MockIntercomConfig(
        conversations=conversations,
        seed=4,
        token=TOKEN,
        rate_limit=args.rate_limit,
        latency_ms=args.latency_ms,
    )


def rate_limited(args: argparse.Namespace, workdir: Path) -> list[str]:
    config = rate_limited_inbox(args, args.conversations)
    rate = args.rate_limit / RATE_WINDOW_SECONDS / (1 + 1 / args.per_page)
    bound = args.conversations / rate
    lines = []
    with server_process(config) as base_url:
        warm_models(base_url, workdir)
        for label, env, dry in (
            ("local models, SQLite", {}, False),
            ("classifier none, dry run", {"CONVOSIFT_CLASSIFIER": "none"}, True),
        ):
            window_start()
            elapsed, record = backfill(
                base_url, workdir, f"rate-{len(lines)}", batch_size=args.batch_size, dry_run=dry, **env
            )
            ratio = bound / elapsed
            print(
                f"rate-limited    {label}: {record['counts']['listed']} conversations in {elapsed:.2f} s "
                f"(process), bound {bound:.2f} s ({rate:.1f} conv/s at {args.rate_limit} requests / "
                f"{RATE_WINDOW_SECONDS} s, {args.latency_ms} ms): {ratio:.3f} of the bound"
            )
            if not dry:
                lines.append(
                    f"rate-limited backfill process {ratio:.2f} of the bound (goal >= 0.95): "
                    f"{verdict(ratio >= 0.95)}"
                )
    return lines


async def _hammer(base_url: str, ids: list[str], connections: int) -> float:
    """Requests/s of many keep-alive clients retrieving conversations (the server's own ceiling)."""
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits) as client:
        queue = list(ids)

        async def worker() -> None:
            while queue:
                response = await client.get(f"/conversations/{queue.pop()}")
                response.raise_for_status()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        return len(ids) / (time.perf_counter() - started)


def _capacity(base_url: str, ids: list[str], connections: int, result: Any) -> None:
    result.put(asyncio.run(_hammer(base_url, ids, connections)))


def server_capacity(base_url: str, conversations: int) -> float:
    """Retrieves per second the server sustains for two client processes of 16 connections each."""
    import multiprocessing

    with httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
        body = {
            "query": {"field": "updated_at", "operator": ">", "value": 0},
            "pagination": {"per_page": 150},
        }
        first = client.post("/conversations/search", json=body).json()
    ids = [c["id"] for c in first["conversations"]]
    sample = (ids * (conversations // max(1, len(ids)) + 1))[:conversations]
    context = multiprocessing.get_context("spawn")
    result = context.Queue()
    halves = [sample[: len(sample) // 2], sample[len(sample) // 2 :]]
    workers = [context.Process(target=_capacity, args=(base_url, half, 16, result)) for half in halves]
    for worker in workers:
        worker.start()
    rates = [result.get(timeout=600) for _ in workers]
    for worker in workers:
        worker.join()
    return sum(rates)


def unlimited(args: argparse.Namespace, workdir: Path, batch_sizes: tuple[int, ...]) -> list[str]:
    config = MockIntercomConfig(conversations=args.unlimited_conversations, seed=4, token=TOKEN, latency_ms=5)
    lines = []
    with server_process(config) as base_url:
        warm_models(base_url, workdir)
        if "nolimit" in args.only:
            capacity = server_capacity(base_url, args.unlimited_conversations)
            per_conversation = capacity / (1 + 1 / args.per_page)
            elapsed, record = backfill(
                base_url,
                workdir,
                "fetch",
                batch_size=args.batch_size,
                dry_run=True,
                CONVOSIFT_CLASSIFIER="none",
            )
            run_rate = record["counts"]["listed"] / record["duration_seconds"]
            print(
                f"no rate limit   server capacity {capacity:.0f} requests/s = {per_conversation:.0f} conv/s; "
                f"dry run, classifier none: {run_rate:.0f} conv/s in the run "
                f"({record['counts']['listed'] / elapsed:.0f}/s with process start), "
                f"{run_rate / per_conversation:.2f} of the server's capacity"
            )
            lines.append(
                f"fetch path {run_rate:.0f} conv/s (server capacity {per_conversation:.0f}; goal >= 1000): "
                f"{verdict(run_rate >= 1000)}"
            )
        rates: dict[int, float] = {}
        cpu: dict[int, float] = {}
        repeats = max(1, args.repeats) if len(batch_sizes) > 1 else 1
        for attempt in range(repeats):
            for batch in batch_sizes:
                elapsed, record = backfill(base_url, workdir, f"e2e-{batch}-{attempt}", batch_size=batch)
                listed = record["counts"]["listed"]
                rate = listed / record["duration_seconds"]
                per_thousand = record["process_cpu_seconds"] / listed * 1000
                rates[batch] = max(rates.get(batch, 0.0), rate)
                cpu[batch] = min(cpu.get(batch, float("inf")), per_thousand)
                print(
                    f"no rate limit   local models + SQLite, batch {batch}: {rate:.0f} conv/s in the run "
                    f"({listed / elapsed:.0f}/s with process start), process CPU {per_thousand:.2f} s per 1,000"
                )
        if "nolimit" in args.only:
            rate = rates[args.batch_size]
            lines.append(f"end to end {rate:.0f} conv/s (goal >= 800): {verdict(rate >= 800)}")
        if "batch" in args.only and len(rates) >= 2:
            low, high = min(rates.values()), max(rates.values())
            gap = (high - low) / high
            cpu_gap = (max(cpu.values()) - min(cpu.values())) / min(cpu.values())
            lines.append(
                f"batch {' vs '.join(str(b) for b in rates)} (best of {repeats}): "
                f"{' vs '.join(f'{r:.0f}' for r in rates.values())} conv/s, {gap:.1%} apart "
                f"(goal <= 5 %): {verdict(gap <= 0.05)}; process CPU per 1,000 "
                f"{' vs '.join(f'{c:.2f}' for c in cpu.values())} s, {cpu_gap:.1%} apart"
            )
    return lines


def ideal_llm_schedule(
    conversations: int, calls: int, conversation_rate: float, answer_seconds: float, concurrency: int
) -> float:
    """Seconds the best possible schedule needs for ``calls`` LLM calls.

    Each of the ``conversations`` becomes available when the paced fetch delivers it (one every
    ``1 / conversation_rate`` seconds, the rate the help desk's budget allows when spread evenly,
    as Intercom asks); the ``calls`` are spread evenly among them; each call takes
    ``answer_seconds`` and at most ``concurrency`` run at once. Starting each call as soon as it
    is available and a slot is free is optimal for calls of equal length, so no client does better.
    """
    slots = [0.0] * concurrency
    end = 0.0
    for k in range(calls):
        available = (int(k * conversations / calls) + 1) / conversation_rate
        start = max(heapq.heappop(slots), available)
        heapq.heappush(slots, start + answer_seconds)
        end = max(end, start + answer_seconds)
    return end


def answer_seconds(llm_url: str, concurrency: int, rounds: int = 3) -> float:
    """Median seconds the LLM server takes to answer, with ``concurrency`` requests at once."""
    body = {"model": "probe", "messages": [{"role": "user", "content": "Where is my order?"}]}
    headers = {"Authorization": "Bearer benchmark-key"}

    async def one(client: httpx.AsyncClient) -> float:
        start = time.perf_counter()
        response = await client.post(f"{llm_url}/chat/completions", json=body, headers=headers)
        response.raise_for_status()
        return time.perf_counter() - start

    async def probe() -> list[float]:
        limits = httpx.Limits(max_connections=concurrency)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            times: list[float] = []
            for _ in range(rounds):
                times += await asyncio.gather(*(one(client) for _ in range(concurrency)))
            return times

    return statistics.median(asyncio.run(probe()))


def llm(args: argparse.Namespace, workdir: Path) -> list[str]:
    config = rate_limited_inbox(args, args.llm_conversations)
    with server_process(config) as base_url, openai_server_process(args.llm_latency) as llm_url:
        answer = answer_seconds(llm_url, args.llm_concurrency)
        window_start()
        elapsed, record = backfill(
            base_url,
            workdir,
            "llm",
            batch_size=args.batch_size,
            CONVOSIFT_CLASSIFIER="llm",
            CONVOSIFT_LLM_BASE_URL=llm_url,
            CONVOSIFT_LLM_API_KEY="benchmark-key",
            CONVOSIFT_LLM_CONCURRENCY=str(args.llm_concurrency),
            CONVOSIFT_LLM_MAX_CONCURRENCY=str(args.llm_concurrency),
        )
    counts = record["counts"]
    calls = counts["classifier_calls"]
    conversation_rate = args.rate_limit / RATE_WINDOW_SECONDS / (1 + 1 / args.per_page)
    api = args.llm_conversations / conversation_rate
    model = calls * args.llm_latency / args.llm_concurrency
    bound = max(api, model)
    ratio, with_start = bound / record["duration_seconds"], bound / elapsed
    ideal = ideal_llm_schedule(counts["listed"], calls, conversation_rate, answer, args.llm_concurrency)
    print(
        f"LLM             {counts['listed']} conversations, {calls} calls at {args.llm_latency:.1f} s, "
        f"concurrency {args.llm_concurrency}: run {record['duration_seconds']:.2f} s, process "
        f"{elapsed:.2f} s; API bound {api:.2f} s, LLM bound {model:.2f} s: {ratio:.3f} of the bound "
        f"({with_start:.3f} with process start)"
    )
    print(
        f"LLM             the server answers in {answer:.3f} s (median, {args.llm_concurrency} at once); "
        f"the best schedule with that answer time and the paced fetch takes {ideal:.2f} s, "
        f"{bound / ideal:.3f} of the bound; the run took {ideal / record['duration_seconds']:.3f} "
        "of the best schedule's speed"
    )
    return [
        f"LLM backfill {ratio:.2f} of max(API, LLM) bound, {with_start:.2f} with process start "
        f"(goal >= 0.90): {verdict(ratio >= 0.9)}; best possible schedule {bound / ideal:.2f} of the "
        f"bound, the run {ideal / record['duration_seconds']:.2f} of that"
    ]


def main() -> None:
    args = parse_args()
    args.only = set(args.only.split(","))
    quiet_logs()
    print(f"machine: {machine()}")
    workdir = scratch_dir()
    lines: list[str] = []
    if "rate" in args.only:
        lines += rate_limited(args, workdir)
    if args.only & {"nolimit", "batch"}:
        sizes = (args.batch_size, 500) if "batch" in args.only else (args.batch_size,)
        lines += unlimited(args, workdir, sizes)
    if "llm" in args.only:
        lines += llm(args, workdir)
    print("SUMMARY backfill_pipeline: " + "; ".join(lines))


if __name__ == "__main__":
    main()
