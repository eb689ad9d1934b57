"""Benchmarks. Each module `bench/bench_<name>.py` has `run() -> str` returning a Markdown section; `python -m bench`
writes it to bench/results/<name>.md and rebuilds BENCHMARKS.md from every section found there."""
