"""Shadow and cascade benchmark: what mirroring costs the caller, and what the cascade saves.

Real `bentoml serve` processes, trained fraud models and the open-loop load generator (`bench/loadgen.py`) at a
fixed arrival rate. Shadow off and on alternate on the same server (the challenger alias added and removed),
twice each, so drift of the machine hits both alike. The cascade runs a small fast model (10 boosting rounds)
in front of the heavy champion (200 rounds) against always-heavy. About 2 minutes on 2 cores.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

from bench.bench_serving import _loadgen
from serving.sources import write_pointer
from tests.fixtures.bentoml_server import ADMIN_TOKEN, bentoml_serve, copy_bundle, train_fraud_bundle
from tests.integration.test_serving_shadow import write_rollout_spec

RATE = 100
SECONDS = 8.0
P99_RATIO_GOAL = 1.05


def _reload(url: str) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
    httpx.post(f"{url}/admin/reload", json={}, headers=headers, timeout=60).raise_for_status()


def _counter(url: str, name: str, **labels: str) -> float:
    text = httpx.get(f"{url}/metrics", timeout=10).text
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") and all(f'{k}="{v}"' in line for k, v in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def _shadow(folder: Path, heavy: Any) -> dict[str, Any]:
    pointer = folder / "shadow-aliases.json"
    challenger = copy_bundle(heavy, folder / "challenger")
    spec = write_rollout_spec(folder, {"mode": "shadow"})
    results: dict[str, list[dict[str, Any]]] = {"off": [], "on": []}
    write_pointer(pointer, {"champion": heavy.entry("1")})
    with bentoml_serve(folder / "shadow-home", {"spec": spec, "source": "local", "pointer": pointer}) as server:
        _loadgen(server.url, rate=20, seconds=2)  # warm-up
        for mode in ("off", "on", "off", "on"):
            aliases = {"champion": heavy.entry("1")}
            if mode == "on":
                aliases["challenger"] = challenger.entry("2")
            write_pointer(pointer, aliases)
            _reload(server.url)
            results[mode].append(_loadgen(server.url, rate=RATE, seconds=SECONDS))
            time.sleep(1)
        mirrored = _counter(server.url, "shadowloop_serving_shadow_total", outcome="ok")
        dropped = _counter(server.url, "shadowloop_serving_shadow_total", outcome="dropped")
    return {"results": results, "mirrored": mirrored, "dropped": dropped}


def _cascade(folder: Path, heavy: Any, fast: Any) -> dict[str, Any]:
    pointer = folder / "cascade-aliases.json"
    write_pointer(pointer, {"champion": heavy.entry("heavy"), "fast": fast.entry("fast")})
    out: dict[str, Any] = {}
    for enabled in (False, True):
        sub = folder / f"cascade-{enabled}"
        sub.mkdir()
        spec = write_rollout_spec(sub, {"mode": "shadow"}, {"enabled": enabled, "min_confidence": 0.9})
        with bentoml_serve(sub / "home", {"spec": spec, "source": "local", "pointer": pointer}) as server:
            _loadgen(server.url, rate=20, seconds=2)
            result = _loadgen(server.url, rate=RATE, seconds=SECONDS)
            heavy_records = _counter(server.url, "shadowloop_serving_tier_records_total", tier="heavy")
            fast_records = _counter(server.url, "shadowloop_serving_tier_records_total", tier="fast")
        out["cascade" if enabled else "always_heavy"] = (result, heavy_records, fast_records)
    return out


def _p(result: dict[str, Any], q: str) -> float:
    return float(result["latency_ms"]["all"][q])


def run() -> str:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        heavy = train_fraud_bundle(folder / "heavy", rows=4000, max_iter=200)
        fast = train_fraud_bundle(folder / "fast", rows=4000, max_iter=10)
        shadow = _shadow(folder, heavy)
        cascade = _cascade(folder, heavy, fast)

    lines = [
        "## Shadow mirroring and the cascade",
        "",
        f"Open loop at {RATE} req/s for {SECONDS:.0f} s per run, one record per request, no cache, "
        "gradient boosting (200 rounds) as champion; shadow off and on alternate on one server.",
        "",
        "| run | p50 ms | p99 ms | errors |",
        "|---|---|---|---|",
    ]
    for mode in ("off", "on"):
        for i, result in enumerate(shadow["results"][mode]):
            errors = sum(n for s, n in result["statuses"].items() if s != "200")
            lines.append(f"| shadow {mode} #{i + 1} | {_p(result, 'p50'):.1f} | {_p(result, 'p99'):.1f} | {errors} |")
    off = sorted(_p(r, "p99") for r in shadow["results"]["off"])
    on = sorted(_p(r, "p99") for r in shadow["results"]["on"])
    ratio = (sum(on) / len(on)) / (sum(off) / len(off))
    p50_ratio = sum(_p(r, "p50") for r in shadow["results"]["on"]) / sum(_p(r, "p50") for r in shadow["results"]["off"])
    verdict = "meets" if ratio <= P99_RATIO_GOAL else "misses"
    lines += [
        "",
        f"**p99 ratio shadow on / off: {ratio:.2f}** ({verdict} the goal of {P99_RATIO_GOAL}); p50 ratio "
        f"{p50_ratio:.2f}. Records mirrored: {shadow['mirrored']:.0f}, shadow requests dropped at the in-flight "
        f"bound: {shadow['dropped']:.0f}.",
        "",
        "| routing | p50 ms | p99 ms | heavy-tier records | fast-tier records | heavy share |",
        "|---|---|---|---|---|---|",
    ]
    for name, (result, heavy_n, fast_n) in cascade.items():
        total = result["sent"] if name == "always_heavy" else heavy_n + fast_n
        heavy_share = 1.0 if name == "always_heavy" else (heavy_n / total if total else float("nan"))
        heavy_shown = total if name == "always_heavy" else heavy_n
        lines.append(
            f"| {name.replace('_', '-')} | {_p(result, 'p50'):.1f} | {_p(result, 'p99'):.1f} | {heavy_shown:.0f} | "
            f"{fast_n:.0f} | {heavy_share:.0%} |"
        )
    lines += [
        "",
        "Cost is counted in heavy-tier model calls (records): the cascade sends the heavy model only the records "
        "the fast model is not 90% sure of.",
    ]
    return "\n".join(lines)
