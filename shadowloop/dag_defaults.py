"""Defaults every DAG of the project shares: owner, retries with exponential backoff, start date."""

from __future__ import annotations

from datetime import datetime, timedelta

DEFAULT_ARGS = {
    "owner": "ml-platform",
    "retries": 2,
    "retry_delay": timedelta(seconds=5),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=2),
}
START_DATE = datetime(2026, 1, 1)
