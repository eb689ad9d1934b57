"""A drift report a person can read: a PNG (PSI per feature, then reference vs window shares of each moved
feature) and a self-contained HTML page (the PNG inlined, so it renders in MLflow's artifact viewer)."""

from __future__ import annotations

import base64
import html
import math
from pathlib import Path

from pipelines.drift import DriftReport

_VERDICT = {
    "drift": "Drift detected",
    "no_drift": "No drift",
    "insufficient_data": "Insufficient data: window too small to judge (this is not drift)",
}


def render_png(report: DriftReport, path: Path) -> Path:
    """Draw the report's charts into `path` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    moved = [f for f in report.features if f.drifted]
    rows = 1 + len(moved)
    figure, axes = plt.subplots(rows, 1, figsize=(8, 2.6 + 2.6 * len(moved)), squeeze=False)
    top = axes[0][0]
    if report.features:
        names = [f.name for f in report.features]
        colours = ["#c0392b" if f.drifted else "#2e86c1" for f in report.features]
        top.barh(names, [f.psi for f in report.features], color=colours)
        top.axvline(report.psi_threshold, color="black", linestyle="--", label=f"threshold {report.psi_threshold}")
        top.set_xlabel("PSI")
        top.legend(loc="lower right")
        top.invert_yaxis()
    else:
        top.text(0.5, 0.5, _VERDICT[report.status], ha="center", va="center", wrap=True)
        top.set_axis_off()
    top.set_title(f"{report.context.get('project', '')} {_VERDICT[report.status]} ({report.window_rows} rows)")
    for (ax,), feature in zip(axes[1:], moved, strict=True):
        positions = range(len(feature.bins))
        ax.bar([p - 0.2 for p in positions], feature.reference_share, width=0.4, label="reference")
        ax.bar([p + 0.2 for p in positions], feature.window_share, width=0.4, label="window")
        ax.set_xticks(list(positions), feature.bins, rotation=30, ha="right", fontsize=7)
        ax.set_title(f"{feature.name}: PSI {feature.psi:.3f}")
        ax.set_ylabel("share")
        ax.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=90)
    plt.close(figure)
    return path


def _number(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.4g}"


def render_html(report: DriftReport, png: Path | None = None) -> str:
    """The report as one HTML page; `png` (from `render_png`) is inlined when given."""
    esc = html.escape
    context = "".join(f"<li><b>{esc(k)}</b>: {esc(v)}</li>" for k, v in report.context.items())
    rows = "".join(
        f"<tr class='{'moved' if f.drifted else ''}'><td>{esc(f.name)}</td><td>{f.kind}</td>"
        f"<td>{f.psi:.4f}</td><td>{f.test}</td><td>{_number(f.statistic)}</td><td>{_number(f.p_value)}</td>"
        f"<td>{'yes' if f.drifted else 'no'}</td><td>{esc(', '.join(f.new_categories))}</td></tr>"
        for f in sorted(report.features, key=lambda f: -f.psi)
    )
    image = ""
    if png is not None:
        data = base64.b64encode(png.read_bytes()).decode()
        image = f"<img alt='drift charts' src='data:image/png;base64,{data}'>"
    moved = ", ".join(report.drifted_features) or "none"
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>Drift report</title>
<style>body{{font-family:sans-serif;margin:2em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:4px 8px}}tr.moved{{background:#fadbd8}}</style></head>
<body><h1>{esc(_VERDICT[report.status])}</h1>
<p>Window: {report.window_rows} rows (minimum {report.min_window_rows}); reference: {report.reference_rows} rows;
PSI threshold {report.psi_threshold}. Features that moved: <b>{esc(moved)}</b>.</p>
<ul>{context}</ul>
<table><tr><th>feature</th><th>kind</th><th>PSI</th><th>test</th><th>statistic</th><th>p-value</th>
<th>moved</th><th>new categories</th></tr>{rows}</table>
<p>A feature moved when its PSI reaches the threshold; the test p-values are shown to read, not to decide.</p>
{image}</body></html>
"""
