"""Load generator for the serving benchmark, run as its own process so it does not share the server's GIL.

Open loop (`--rate`): request i is sent at t0 + i/rate whatever the server does, and latency is counted from
that intended time, so a slow server cannot hide its queue (no coordinated omission). Closed loop
(`--concurrency` without `--rate`): N clients send back to back, for saturation throughput. Prints one JSON
object: sent, status counts, throughput and latency percentiles (ms), per answer source.

    python -m bench.loadgen --url http://127.0.0.1:3000 --token T --rate 200 --seconds 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections import Counter, defaultdict
from typing import Any

import aiohttp

CATEGORIES = ["grocery", "restaurant", "fuel", "electronics", "travel", "online_services", "gaming", "jewelry"]


def make_record(rng: random.Random, serial: int) -> dict[str, Any]:
    """A valid fraud record; `serial` goes into the amount so every record is distinct."""
    return {
        "amount": round(rng.uniform(1, 5000), 2) + serial * 1e-4,
        "merchant_category": rng.choice(CATEGORIES),
        "hour": rng.randrange(24),
        "country_mismatch": rng.randrange(2),
        "velocity_1h": rng.randrange(30),
        "account_age_days": rng.randrange(3000),
        "distance_km": round(rng.uniform(0, 500), 1),
    }


def make_trace(n: int, repeat_share: float, seed: int = 1) -> list[dict[str, Any]]:
    """`n` records where `repeat_share` of them repeat an earlier record of the trace."""
    rng = random.Random(seed)
    trace: list[dict[str, Any]] = []
    for i in range(n):
        if trace and rng.random() < repeat_share:
            trace.append(rng.choice(trace))
        else:
            trace.append(make_record(rng, i))
    return trace


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(args: argparse.Namespace) -> dict[str, Any]:
    total = int(args.rate * args.seconds) if args.rate else args.max_requests
    trace = make_trace(total, args.repeat_share, args.seed)
    headers = {"Authorization": f"Bearer {args.token}", "Content-Type": "application/json"}
    bodies = [json.dumps({"records": [r] * args.records}).encode() for r in trace]
    statuses: Counter[int] = Counter()
    latencies: dict[str, list[float]] = defaultdict(list)
    connector = aiohttp.TCPConnector(limit=args.max_connections)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:

        async def one(index: int, intended: float) -> None:
            try:
                async with session.post(f"{args.url}/predict", data=bodies[index]) as response:
                    payload = await response.read()
                    status = response.status
            except (aiohttp.ClientError, TimeoutError):
                statuses[-1] += 1
                return
            elapsed = (time.perf_counter() - intended) * 1000
            statuses[status] += 1
            source = "error"
            if status == 200:
                source = json.loads(payload)["predictions"][0]["source"]
            latencies["all"].append(elapsed)
            latencies[source].append(elapsed)

        started = time.perf_counter()
        if args.rate:
            tasks = []
            for i in range(total):
                intended = started + i / args.rate
                delay = intended - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(i, intended)))
            await asyncio.gather(*tasks)
        else:
            counter = iter(range(total))
            deadline = started + args.seconds

            async def client() -> None:
                for i in counter:
                    if time.perf_counter() > deadline:
                        return
                    await one(i, time.perf_counter())

            await asyncio.gather(*(client() for _ in range(args.concurrency)))
        wall = time.perf_counter() - started
    done = sum(n for s, n in statuses.items() if s == 200)
    return {
        "sent": sum(statuses.values()),
        "statuses": {str(k): v for k, v in statuses.items()},
        "throughput": done / wall,
        "latency_ms": {
            source: {"p50": percentile(v, 0.5), "p99": percentile(v, 0.99), "n": len(v)}
            for source, v in latencies.items()
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate", type=float, default=0.0, help="Requests per second (open loop); 0: closed loop.")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=32, help="Clients of the closed loop.")
    parser.add_argument("--max-requests", type=int, default=200_000)
    parser.add_argument("--records", type=int, default=1, help="Records per request.")
    parser.add_argument("--repeat-share", type=float, default=0.0, help="Share of records repeating earlier ones.")
    parser.add_argument("--max-connections", type=int, default=512)
    parser.add_argument("--seed", type=int, default=1)
    print(json.dumps(asyncio.run(run(parser.parse_args()))))


if __name__ == "__main__":
    main()
