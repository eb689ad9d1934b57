"""`python -m bench [name ...]`: run the benchmarks (all by default) and rebuild BENCHMARKS.md."""

from __future__ import annotations

import importlib
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).parent
RESULTS = HERE / "results"
ROOT = HERE.parent


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def machine() -> str:
    import os

    return f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def rebuild() -> None:
    sections = [p.read_text().strip() for p in sorted(RESULTS.glob("*.md"))]
    header = (
        "# Benchmarks\n\n"
        "Written by `make bench` (`python -m bench [name ...]`); each section names the command and machine that "
        "produced it. Figures are from real runs, not timed tests.\n"
    )
    (ROOT / "BENCHMARKS.md").write_text(header + "\n" + "\n\n".join(sections) + "\n")


def main(names: list[str]) -> None:
    RESULTS.mkdir(exist_ok=True)
    for name in names or available():
        module = importlib.import_module(f"bench.bench_{name}")
        started = time.perf_counter()
        body = module.run()
        stamp = time.strftime("%Y-%m-%d")
        footer = (
            f"\n\n_Measured {stamp} on {machine()} in {time.perf_counter() - started:.0f}s: `python -m bench {name}`_"
        )
        (RESULTS / f"{name}.md").write_text(body.strip() + footer + "\n")
        print(f"bench {name}: done", flush=True)
    rebuild()


if __name__ == "__main__":
    main(sys.argv[1:])
