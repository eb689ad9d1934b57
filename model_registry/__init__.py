"""Everything MLflow: tracking, registration with lineage, aliases, the promotion gate, rollback and audit.

Serving calls `model_registry.resolve`; pipelines never import this package.
"""
