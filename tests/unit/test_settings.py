import pytest

from shadowloop.settings import Settings

pytestmark = pytest.mark.unit


def test_dev_defaults_are_local_and_loopback(isolated_state) -> None:
    settings = Settings()
    assert settings.lake_uri == str(isolated_state.resolve() / "lake")
    assert settings.mlflow_backend_store_uri.startswith("sqlite:///")
    assert settings.serving_host == "127.0.0.1"


def test_production_refuses_default_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHADOWLOOP_PROFILE", "production")
    with pytest.raises(ValueError, match="SHADOWLOOP_API_TOKEN"):
        Settings()
    monkeypatch.setenv("SHADOWLOOP_API_TOKEN", "a" * 32)
    monkeypatch.setenv("SHADOWLOOP_ADMIN_TOKEN", "b" * 32)
    with pytest.raises(ValueError, match="SHADOWLOOP_AIRFLOW_ADMIN_PASSWORD"):
        Settings()
    monkeypatch.setenv("SHADOWLOOP_AIRFLOW_ADMIN_PASSWORD", "c" * 32)
    assert Settings().profile == "production"


def test_settings_travel_to_child_processes_as_env(isolated_state) -> None:
    settings = Settings(lake_uri="s3://lake/prod", airflow_use_schedules=False, api_token="t" * 20)
    env = settings.to_env()
    assert env["SHADOWLOOP_LAKE_URI"] == "s3://lake/prod"
    assert env["SHADOWLOOP_AIRFLOW_USE_SCHEDULES"] == "false"
    assert env["SHADOWLOOP_API_TOKEN"] == "t" * 20
    assert env["SHADOWLOOP_HOME"] == str(isolated_state.resolve())
