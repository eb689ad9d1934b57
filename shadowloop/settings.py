"""The one settings object: every path, URL and secret, read from the environment and an optional `.env`.

Nothing else in the code base reads `os.environ`. Variables are prefixed `SHADOWLOOP_`, e.g.
`SHADOWLOOP_LAKE_URI=s3://my-lake/prod`.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "dev-only-change-me"


class Settings(BaseSettings):
    """Where everything lives. Defaults are the embedded profile: local folders, SQLite, 127.0.0.1."""

    model_config = SettingsConfigDict(env_prefix="SHADOWLOOP_", env_file=".env", extra="ignore")

    profile: Literal["dev", "production"] = "dev"
    home: Path = Field(Path(".shadowloop"), description="State folder of the embedded profile.")
    specs_dir: Path = Path("specs")
    data_root: Path = Field(Path("."), description="Relative source paths in specs are read from here.")

    # Data lake: a local folder or s3://bucket/prefix (any S3-compatible endpoint).
    lake_uri: str = ""
    s3_endpoint_url: str | None = None
    aws_region: str = "us-east-1"

    # MLflow
    mlflow_tracking_uri: str = "http://127.0.0.1:5000"
    mlflow_backend_store_uri: str = ""
    mlflow_artifacts_destination: str = ""
    mlflow_host: str = "127.0.0.1"
    mlflow_port: int = 5000

    # Airflow
    airflow_home: Path | None = None
    airflow_port: int = 8080
    airflow_database_url: str = ""
    airflow_admin_password: SecretStr = SecretStr(DEV_SECRET)
    airflow_parallelism: int = 4
    airflow_use_schedules: bool = Field(
        True, description="Retrain on the spec's cron; off: only triggers and drift events start training."
    )

    # Serving
    serving_host: str = "127.0.0.1"
    serving_port: int = 3000
    api_token: SecretStr = SecretStr(DEV_SECRET)
    admin_token: SecretStr = SecretStr(DEV_SECRET)
    max_request_bytes: int = 2 * 1024 * 1024
    reload_poll_seconds: float = 10.0
    redis_url: str | None = None
    prediction_log_url: str = ""

    # Monitoring: drift checks, pipeline metrics, tracing
    drift_schedule: str = Field("@hourly", description="Cron or preset of the drift_<project> DAGs.")
    drift_window_hours: float = Field(24.0, gt=0, description="How far back a drift check reads the prediction log.")
    drift_max_window_rows: int = Field(50_000, ge=1, description="Newest rows a drift check reads at most.")
    metrics_dir: Path | None = Field(None, description="Pipeline metrics textfiles; <home>/metrics if unset.")
    metrics_port: int = Field(9108, description="Port of `shadowloop drift metrics`, which serves those textfiles.")
    tracing_enabled: bool = Field(False, description="Export OpenTelemetry traces of endpoint requests.")
    tracing_otlp_endpoint: str = Field("http://127.0.0.1:4318/v1/traces", description="OTLP/HTTP traces endpoint.")
    tracing_sample_rate: float = Field(1.0, ge=0, le=1, description="Share of requests traced.")

    @model_validator(mode="after")
    def _fill_local_defaults(self) -> Settings:
        home = self.home.resolve()
        if not self.lake_uri:
            self.lake_uri = str(home / "lake")
        if not self.mlflow_backend_store_uri:
            self.mlflow_backend_store_uri = f"sqlite:///{home / 'mlflow.db'}"
        if not self.mlflow_artifacts_destination:
            self.mlflow_artifacts_destination = str(home / "mlartifacts")
        if self.airflow_home is None:
            self.airflow_home = home / "airflow"
        if not self.airflow_database_url:
            self.airflow_database_url = f"sqlite:///{self.airflow_home.resolve() / 'airflow.db'}"
        if not self.prediction_log_url:
            self.prediction_log_url = f"sqlite:///{home / 'predictions.db'}"
        return self

    @model_validator(mode="after")
    def _refuse_dev_secrets_in_production(self) -> Settings:
        if self.profile == "production":
            for name in ("api_token", "admin_token", "airflow_admin_password"):
                value = getattr(self, name).get_secret_value()
                if value == DEV_SECRET or len(value) < 16:
                    raise ValueError(
                        f"SHADOWLOOP_{name.upper()} must be set to a secret of 16+ characters in the production profile"
                    )
        return self

    def to_env(self) -> dict[str, str]:
        """These settings as `SHADOWLOOP_*` variables, for the child processes of the stack (Airflow tasks)."""
        env = {}
        for name, value in self.model_dump().items():
            if value is None:
                continue
            if isinstance(value, SecretStr):
                value = value.get_secret_value()
            elif isinstance(value, Path):
                value = value.resolve()
            env[f"SHADOWLOOP_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
        return env


@functools.cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
