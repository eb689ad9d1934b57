"""Response bodies of the endpoint (they document themselves in the OpenAPI page)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class RecordPrediction(BaseModel):
    """The answer for one record."""

    prediction: float | int | str | bool = Field(description="Class label, or value for regression.")
    probabilities: dict[str, float] | None = Field(None, description="Per class label (classifiers).")
    source: Literal["model", "cache", "fallback"] = Field(description="What produced this answer.")
    tier: Literal["fast", "heavy"] | None = Field(None, description="Cascade tier that answered (cascade only).")


class PredictResponse(BaseModel):
    """Answers in the order of the records sent."""

    request_id: str
    model_name: str
    model_version: str = Field(description="The version that answered (the fallback's when degraded).")
    degraded: bool = Field(description="True when the champion did not answer and a fallback did.")
    predictions: list[RecordPrediction]
    arm: Literal["champion", "challenger"] = Field("champion", description="Rollout arm that answered.")
    heavy_budget_exhausted: bool = Field(
        False, description="True when this API key's hourly heavy-tier budget ran out and the fast tier answered."
    )


class FeedbackResponse(BaseModel):
    """What was stored for a request's feedback."""

    request_id: str
    stored: int = Field(description="Outcomes stored (one per record index).")


class ReloadResponse(BaseModel):
    """Outcome of following each alias once."""

    results: dict[str, dict[str, str | None]]
    serving: str | None = Field(description="The champion version now serving.")
