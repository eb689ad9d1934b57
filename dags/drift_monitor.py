"""Drift monitors: one per project spec (`drift_<project>`), on the `drift_schedule` setting (hourly by default).

check_drift -> request_retraining. The check compares the champion's reference profile with the recent window of
the prediction log, logs the report to MLflow (`<project>-monitoring`) and rewrites the project's Prometheus
textfile. When drift passes the spec's PSI threshold, `request_retraining` emits an event on the asset
`shadowloop://<project>/drift`, which schedules `train_<project>`; otherwise it is skipped and emits nothing.
"""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import dag, get_current_context, task

from shadowloop.dag_defaults import DEFAULT_ARGS, START_DATE
from shadowloop.drift_asset import drift_asset
from shadowloop.settings import get_settings
from shadowloop.spec import ProjectSpec, spec_files

DAG_DOC = """
### Drift monitor of `{name}`

**What it does**: reads the last {hours:g} h of the prediction log answered by the `champion` of `{name}`,
measures per-feature drift against that version's reference profile (PSI, plus KS for numeric and chi-square
for categorical features) and logs the report (HTML, PNG, JSON; metrics `psi.<feature>`) as a run of the MLflow
experiment `{name}-monitoring`.

**What happens next**: when any feature's PSI reaches {threshold} (the spec's `drift.psi_threshold`),
`request_retraining` emits an event on the asset `{asset}`, and `train_{name}` starts by itself (its schedule is
its cron *or* this asset). It trains on the spec's data source: the window has no labels; it is exported to the
lake and its URI is in the event's extra. With fewer than {min_rows} rows the check says *insufficient data*,
which is not drift, and nothing is triggered; `request_retraining` is then skipped, as it is without drift.
"""


def build_drift_dag(spec_path: Path, spec: ProjectSpec) -> object:
    asset = drift_asset(spec.name)
    settings = get_settings()

    @dag(
        dag_id=f"drift_{spec.name}",
        schedule=settings.drift_schedule,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["shadowloop", "monitoring", spec.name],
        default_args=DEFAULT_ARGS,
        doc_md=DAG_DOC.format(
            name=spec.name,
            hours=settings.drift_window_hours,
            threshold=spec.drift.psi_threshold,
            asset=asset.uri,
            min_rows=spec.drift.min_window_rows,
        ),
    )
    def drift_monitor() -> None:
        @task(doc_md="Window of the prediction log vs the champion's reference profile; report to MLflow.")
        def check_drift() -> dict[str, object]:
            from airflow.sdk.exceptions import AirflowSkipException

            from shadowloop.monitoring import check_drift as run_check
            from shadowloop.spec import load_spec

            context = get_current_context()
            dag_run = context["dag_run"]
            tags = {"airflow.dag_id": dag_run.dag_id, "airflow.run_id": dag_run.run_id}
            try:
                outcome = run_check(load_spec(spec_path), key=f"{dag_run.dag_id}/{dag_run.run_id}", tags=tags)
            except LookupError as error:  # no champion yet, or one without a profile: nothing to compare
                raise AirflowSkipException(f"no drift check: {error}") from None
            summary = outcome.summary()
            print(f"drift check: {summary['status']}; moved: {summary['drifted_features'] or 'none'}")
            for feature in outcome.report.features:
                print(f"  {feature.name:<24} PSI {feature.psi:8.4f}  {feature.test} p={feature.p_value:.3g}")
            print(f"report: MLflow run {summary['mlflow_run_id']} in experiment {spec.name}-monitoring")
            return summary

        @task(outlets=[asset], doc_md="Emit the drift event that starts the training DAG; skipped without drift.")
        def request_retraining(summary: dict[str, object]) -> None:
            from airflow.sdk.exceptions import AirflowSkipException

            if summary["status"] != "drift":
                # A skipped task emits no asset event: nothing is retrained.
                raise AirflowSkipException(f"status {summary['status']}: no retraining")
            get_current_context()["outlet_events"][asset].extra = summary
            print(f"drift event on {asset.uri}: train_{spec.name} will start ({summary['drifted_features']})")

        request_retraining(check_drift())

    return drift_monitor()


for _path, _spec in spec_files(get_settings().specs_dir).items():
    globals()[f"drift_{_spec.name}"] = build_drift_dag(_path, _spec)
