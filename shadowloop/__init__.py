"""Shadowloop: the closed MLOps loop (ingest, validate, train, register, serve with shadow rollout, retrain)."""

__version__ = "0.1.0"
