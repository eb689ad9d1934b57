"""Shadow reviews: one per project spec (`shadow_review_<project>`), hourly and triggerable.

guard_champion -> review_challenger. The guard watches a freshly promoted champion and rolls it back when its
live error rate, p99 or live metric regresses beyond the spec's `guard`; the review compares the challenger
with the champion on live traffic and promotes, rejects or waits, by the spec's `shadow_review`. Both log a run
to the MLflow experiment `<project>-shadow-review` and tag the model version.
"""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import dag, get_current_context, task

from shadowloop.dag_defaults import DEFAULT_ARGS, START_DATE
from shadowloop.settings import get_settings
from shadowloop.spec import ProjectSpec, spec_files

DAG_DOC = """
### Shadow review of `{name}`

**What it does**: first `guard_champion`: for {guard_hours:g} h after a promotion it reads the new champion's
answers and feedback since then, and rolls the champion back to `previous` when its error rate, p99 or live
{primary} regresses beyond the spec's `guard` (the reason is on the audit trail and the version's tags).
Then `review_challenger`: in `{mode}` mode it compares the `challenger` with the `champion` on the last
{hours:g} h of live traffic (requests, agreement, live {primary} on labelled feedback, p50/p95/p99, errors and
timeouts, disagreement examples) and decides by the spec's `shadow_review`:

- **promote**: `champion` -> the challenger, `previous` -> the old champion; the endpoint reloads.
- **reject**: the `challenger` alias is removed; the reason is tagged on the version.
- **wait**: too little traffic ({min_requests} requests) or feedback ({min_feedback} labels) yet.

**Where to look**: the MLflow experiment `{name}-shadow-review` (report.html, report.png, metrics named
`champion.*` / `challenger.*` so runs compare) and the `shadow_review.*` / `guard.*` tags of the version.
"""


def build_shadow_review_dag(spec_path: Path, spec: ProjectSpec) -> object:
    @dag(
        dag_id=f"shadow_review_{spec.name}",
        schedule="@hourly" if get_settings().airflow_use_schedules else None,
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["shadowloop", "rollout", spec.name],
        default_args=DEFAULT_ARGS,
        doc_md=DAG_DOC.format(
            name=spec.name,
            mode=spec.rollout.mode,
            primary=spec.metrics.primary,
            hours=spec.shadow_review.window_hours,
            guard_hours=spec.guard.window_hours,
            min_requests=spec.shadow_review.min_requests,
            min_feedback=spec.shadow_review.min_feedback,
        ),
    )
    def shadow_review() -> None:
        @task(doc_md="Post-promotion guard: roll back a new champion whose live figures regress.")
        def guard_champion() -> dict[str, object]:
            from model_registry.shadow_review import guard_champion as run_guard
            from shadowloop.spec import load_spec

            dag_run = get_current_context()["dag_run"]
            tags = {"airflow.dag_id": dag_run.dag_id, "airflow.run_id": dag_run.run_id}
            outcome = run_guard(load_spec(spec_path), key=f"{dag_run.dag_id}/{dag_run.run_id}/guard", tags=tags)
            print(f"guard: {outcome['decision'].upper()}")
            for reason in outcome["reasons"]:
                print(f"  - {reason}")
            return outcome

        @task(doc_md="Challenger vs champion on live traffic: promote, reject or wait; report to MLflow.")
        def review_challenger(guard: dict[str, object]) -> dict[str, object]:
            from airflow.sdk.exceptions import AirflowSkipException

            from model_registry.shadow_review import review_challenger as run_review
            from shadowloop.spec import load_spec

            if guard["decision"] == "rollback":
                # The champion just changed: the challenger's evidence was gathered against another one.
                raise AirflowSkipException("the guard rolled the champion back; review on the next run")
            dag_run = get_current_context()["dag_run"]
            tags = {"airflow.dag_id": dag_run.dag_id, "airflow.run_id": dag_run.run_id}
            try:
                outcome = run_review(load_spec(spec_path), key=f"{dag_run.dag_id}/{dag_run.run_id}/review", tags=tags)
            except LookupError as error:
                raise AirflowSkipException(f"nothing to review: {error}") from None
            print(f"shadow review: {outcome['decision'].upper()} challenger v{outcome['challenger_version']}")
            for reason in outcome["reasons"]:
                print(f"  - {reason}")
            print(f"report: MLflow run {outcome['mlflow_run_id']} in experiment {spec.name}-shadow-review")
            return outcome

        review_challenger(guard_champion())

    return shadow_review()


for _path, _spec in spec_files(get_settings().specs_dir).items():
    globals()[f"shadow_review_{_spec.name}"] = build_shadow_review_dag(_path, _spec)
