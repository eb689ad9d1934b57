"""Prometheus metrics of the endpoint, exposed on BentoML's `/metrics`.

`prometheus_client` is imported only when the service instance is built: BentoML sets the multiprocess
directory in the worker after the service module was imported, and prometheus_client fixes its mode on import.
"""

from __future__ import annotations

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5)
BATCH_BUCKETS = (1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)


class ServingMetrics:
    """The endpoint's counters and histograms (names prefixed `shadowloop_serving_`)."""

    def __init__(self, project: str):
        import prometheus_client as prom

        self.project = project
        p = "shadowloop_serving"
        self.latency = prom.Histogram(
            f"{p}_request_seconds",
            "Predict latency by answering model version.",
            ["project", "version"],
            buckets=LATENCY_BUCKETS,
        )
        self.batch_size = prom.Histogram(
            f"{p}_batch_records", "Records per model call.", ["project"], buckets=BATCH_BUCKETS
        )
        self.cache = prom.Counter(f"{p}_cache_total", "Cache lookups by result.", ["project", "result"])
        self.fallbacks = prom.Counter(
            f"{p}_fallback_total", "Degraded answers by action and reason.", ["project", "action", "reason"]
        )
        self.responses = prom.Counter(f"{p}_responses_total", "Responses by status code.", ["project", "status"])
        self.reloads = prom.Counter(
            f"{p}_reload_total", "Alias refreshes that did something.", ["project", "alias", "outcome"]
        )
        self.served = prom.Gauge(
            f"{p}_model_info",
            "1 for the version an alias serves.",
            ["project", "alias", "version"],
            multiprocess_mode="livemax",
        )
        self.log_dropped = prom.Counter(f"{p}_log_dropped_total", "Prediction-log rows dropped.", ["project"])
        # Rollout: shadow outcomes (ok, error, timeout, dropped), agreement, arms, cascade tiers, feedback.
        self.shadow = prom.Counter(f"{p}_shadow_total", "Shadow requests by outcome.", ["project", "outcome"])
        self.shadow_latency = prom.Histogram(
            f"{p}_shadow_seconds", "Shadow (challenger) latency.", ["project"], buckets=LATENCY_BUCKETS
        )
        self.shadow_agreement = prom.Counter(
            f"{p}_shadow_records_total", "Mirrored records by agreement with the champion.", ["project", "agree"]
        )
        self.arm = prom.Counter(f"{p}_arm_requests_total", "Requests by answering arm.", ["project", "arm"])
        self.tier = prom.Counter(
            f"{p}_tier_records_total", "Records by cascade tier and why.", ["project", "tier", "reason"]
        )
        self.budget_exhausted = prom.Counter(
            f"{p}_heavy_budget_exhausted_total", "Requests answered by the fast tier for want of budget.", ["project"]
        )
        self.feedback = prom.Counter(f"{p}_feedback_total", "Feedback outcomes stored.", ["project"])
        self._served: dict[str, str] = {}

    def observe_batch(self, size: int) -> None:
        self.batch_size.labels(self.project).observe(size)

    def observe_cache(self, hits: int, misses: int) -> None:
        if hits:
            self.cache.labels(self.project, "hit").inc(hits)
        if misses:
            self.cache.labels(self.project, "miss").inc(misses)

    def observe_response(self, status: int, version: str | None = None, seconds: float | None = None) -> None:
        self.responses.labels(self.project, str(status)).inc()
        if version is not None and seconds is not None:
            self.latency.labels(self.project, version).observe(seconds)

    def observe_fallback(self, action: str, reason: str) -> None:
        self.fallbacks.labels(self.project, action, reason or "unknown").inc()

    def observe_reload(self, alias: str, outcome: str, version: str | None) -> None:
        self.reloads.labels(self.project, alias, outcome).inc()
        if outcome == "swapped" and version is not None:
            old = self._served.get(alias)
            if old is not None and old != version:
                self.served.labels(self.project, alias, old).set(0)
            self.served.labels(self.project, alias, version).set(1)
            self._served[alias] = version

    def observe_shadow(self, outcome: str, seconds: float | None = None) -> None:
        self.shadow.labels(self.project, outcome).inc()
        if seconds is not None:
            self.shadow_latency.labels(self.project).observe(seconds)

    def observe_agreement(self, agree: int, disagree: int) -> None:
        if agree:
            self.shadow_agreement.labels(self.project, "yes").inc(agree)
        if disagree:
            self.shadow_agreement.labels(self.project, "no").inc(disagree)

    def observe_tier(self, tier: str, reason: str, records: int) -> None:
        if records:
            self.tier.labels(self.project, tier, reason).inc(records)

    def observe_log_drop(self, rows: int) -> None:
        self.log_dropped.labels(self.project).inc(rows)


_by_project: dict[str, ServingMetrics] = {}
_active: ServingMetrics | None = None


def get_metrics(project: str) -> ServingMetrics:
    """The process's metrics for a project (prometheus refuses to register a metric twice)."""
    global _active
    if project not in _by_project:
        _by_project[project] = ServingMetrics(project)
    _active = _by_project[project]
    return _active


def active_metrics() -> ServingMetrics | None:
    """The metrics of the service running in this process, for the ASGI middleware built before it."""
    return _active
