"""Live traffic for shadow-review tests, written by the endpoint's own log writers: mirrored answers of both
models with their true outcomes, and answers of a promoted champion (healthy or regressed)."""

from __future__ import annotations

import random
import uuid

from serving.prediction_log import PredictionLog
from serving.shadow_log import FeedbackStore, ShadowLog

RECORD = {"amount": 10.0, "merchant_category": "fuel", "hour": 3, "country_mismatch": 0, "velocity_1h": 2,
          "account_age_days": 300, "distance_km": 4.0}  # fmt: skip


def answer(truth: int, quality: float, rng: random.Random) -> dict[str, object]:
    """A classifier's answer that puts `quality` (± noise) of its probability on the true class."""
    p_true = min(max(quality + rng.uniform(-0.25, 0.25), 0.0), 1.0)
    p1 = p_true if truth == 1 else 1 - p_true
    return {"prediction": int(p1 >= 0.5), "probabilities": {"0": 1 - p1, "1": p1}}


def seed_shadow(url: str, project: str, versions: tuple[str, str], qualities: tuple[float, float], n: int) -> None:
    """`n` mirrored requests with feedback: champion and challenger answer with the given qualities."""
    rng = random.Random(7)
    log, feedback = ShadowLog(url), FeedbackStore(url)
    for i in range(n):
        truth, request_id = i % 2, uuid.uuid4().hex
        ours, theirs = answer(truth, qualities[0], rng), answer(truth, qualities[1], rng)
        log.append(project, request_id, versions[0], versions[1], [ours], [theirs], 5.0 + rng.random(),
                   6.0 + rng.random(), None)  # fmt: skip
        feedback.save(project, request_id, {0: truth})
    log.flush()
    log.close()
    feedback.close()


def seed_champion(url: str, project: str, version: str, quality: float, n: int) -> None:
    """`n` answered requests of one version, with feedback (quality < 0.5: a regressed model)."""
    rng = random.Random(11)
    log, feedback = PredictionLog(url), FeedbackStore(url)
    for i in range(n):
        truth, request_id = i % 2, uuid.uuid4().hex
        log.append(project, request_id, project, version, [RECORD], [answer(truth, quality, rng)], [False], 5.0,
                   False)  # fmt: skip
        feedback.save(project, request_id, {0: truth})
    log.flush()
    log.close()
    feedback.close()
