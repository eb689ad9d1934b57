"""The shadow review a person reads: a PNG (latency percentiles and live metrics of both models) and a
self-contained HTML page (the PNG inlined, so it renders in MLflow's artifact viewer)."""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

from pipelines.shadow_compare import ArmStats, Comparison


def render_png(comparison: Comparison, path: Path) -> Path:
    """Draw latency percentiles and live metrics of both arms into `path` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    arms = [("champion", comparison.champion, "#2e86c1"), ("challenger", comparison.challenger, "#c0392b")]
    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6))
    labels = ["p50", "p95", "p99"]
    for offset, (name, stats, colour) in enumerate(arms):
        values = [_zero(stats.p50_ms), _zero(stats.p95_ms), _zero(stats.p99_ms)]
        left.bar(
            [i + offset * 0.4 for i in range(3)], values, width=0.4, color=colour, label=f"{name} v{stats.version}"
        )
    left.set_xticks([i + 0.2 for i in range(3)], labels)
    left.set_ylabel("ms")
    left.set_title("Latency")
    left.legend()
    names = sorted(set(comparison.champion.metrics) | set(comparison.challenger.metrics))
    for offset, (name, stats, colour) in enumerate(arms):
        right.bar([i + offset * 0.4 for i in range(len(names))], [_zero(stats.metrics.get(n)) for n in names],
                  width=0.4, color=colour, label=name)  # fmt: skip
    right.set_xticks([i + 0.2 for i in range(len(names))], names, rotation=30)
    right.set_title("Live metrics on labelled feedback" if names else "No labelled feedback yet")
    figure.tight_layout()
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def _zero(value: float | None) -> float:
    return value if value is not None and math.isfinite(value) else 0.0


def _number(value: float | None) -> str:
    return "-" if value is None or not math.isfinite(value) else f"{value:.4g}"


def _row(label: str, champion: str, challenger: str) -> str:
    return f"<tr><th>{html.escape(label)}</th><td>{html.escape(champion)}</td><td>{html.escape(challenger)}</td></tr>"


def _arm_rows(champion: ArmStats, challenger: ArmStats) -> list[str]:
    rows = [
        _row("version", champion.version, challenger.version),
        _row("requests", str(champion.requests), str(challenger.requests)),
        _row("error rate", _number(champion.error_rate), _number(challenger.error_rate)),
        _row("timeouts", str(champion.timeouts), str(challenger.timeouts)),
        _row(
            "p50 / p95 / p99 ms",
            *(f"{_number(s.p50_ms)} / {_number(s.p95_ms)} / {_number(s.p99_ms)}" for s in (champion, challenger)),
        ),  # fmt: skip
        _row("labelled records", str(champion.labelled), str(challenger.labelled)),
    ]
    for name in sorted(set(champion.metrics) | set(challenger.metrics)):
        rows.append(_row(f"live {name}", _number(champion.metrics.get(name)), _number(challenger.metrics.get(name))))
    return rows


def render_html(comparison: Comparison, decision: str, reasons: list[str], png: Path | None = None) -> str:
    """The report page: verdict and reasons, the side-by-side table, disagreement examples, the chart."""
    image = ""
    if png is not None and png.exists():
        data = base64.b64encode(png.read_bytes()).decode()
        image = f'<img alt="latency and live metrics" src="data:image/png;base64,{data}">'
    agreement = "-" if comparison.agreement is None else f"{comparison.agreement:.2%}"
    examples = "".join(
        f"<tr><td>{html.escape(str(d['request_id']))}</td><td>{html.escape(str(d['champion']))}</td>"
        f"<td>{html.escape(str(d['challenger']))}</td><td>{html.escape(str(d['outcome']))}</td></tr>"
        for d in comparison.disagreements
    )
    table = "".join(_arm_rows(comparison.champion, comparison.challenger))
    quantiles = "".join(f"<li>{k}: {_number(v)}</li>" for k, v in (comparison.error_quantiles or {}).items())
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>Shadow review</title>
<style>body{{font-family:sans-serif;margin:2em}}td,th{{padding:4px 10px;text-align:left}}</style></head><body>
<h1>Shadow review ({html.escape(comparison.mode)}): {html.escape(decision.upper())}</h1>
<ul>{"".join(f"<li>{html.escape(r)}</li>" for r in reasons)}</ul>
<table><tr><th></th><th>champion</th><th>challenger</th></tr>{table}
</table><p>Agreement: {agreement}</p><ul>{quantiles}</ul>
<h2>Disagreements (first {len(comparison.disagreements)})</h2>
<table><tr><th>request</th><th>champion</th><th>challenger</th><th>outcome</th></tr>{examples}</table>
{image}</body></html>"""
