"""Training DAGs: one per project spec in the specs folder (`train_<project>`).

ingest -> validate -> features -> train -> evaluate -> register. Each task is a thin call into `shadowloop.steps`
or `model_registry`; only the run folder's URI crosses XCom. Heavy imports stay inside task bodies.
"""

from __future__ import annotations

from pathlib import Path

from airflow.sdk import Param, dag, get_current_context, task

from shadowloop.dag_defaults import DEFAULT_ARGS, START_DATE
from shadowloop.drift_asset import training_schedule
from shadowloop.settings import get_settings
from shadowloop.spec import MODEL_FAMILIES, ProjectSpec, spec_files

DAG_DOC = """
### Train `{name}`
{description}

**What it does**: snapshots the data source (`{source}`), validates it with Great Expectations, splits it,
trains a `{family}` model, evaluates it against a trivial baseline and the live champion, and registers it in
MLflow as `{name}` with lineage tags (dataset sha256, this DAG run id, git commit).

**Why a run stops**: a failed `validate` task means the batch broke the spec's expectations; its log lists
each failed expectation with the count of unexpected values, and the batch is kept in `quarantine/`.
Nothing downstream runs. A `register` result of *rejected* means the offline gate kept the current champion:
the reasons are in the task log and on the model version's `gate.*` tags.

**Trigger form**: change the model family or hyper-parameters, point at another data file, or force the
promotion (audited: a reason is required).
"""


def _params(spec: ProjectSpec) -> dict[str, Param]:
    return {
        "model_family": Param(spec.model.family, type="string", enum=list(MODEL_FAMILIES), title="Model family"),
        "model_params": Param(
            spec.model.params, type="object", title="Hyper-parameters", description="JSON; replaces the spec's."
        ),
        "source_uri": Param(
            None,
            type=["null", "string"],
            title="Data source override",
            description="Path or s3:// URI; empty: the spec's.",
        ),
        "device": Param("auto", type="string", enum=["auto", "cpu", "cuda"], title="Training device"),
        "force_promote": Param(
            False, type="boolean", title="Force promotion", description="Make this model champion whatever the gate."
        ),
        "force_promote_reason": Param(
            None,
            type=["null", "string"],
            title="Why force",
            description="Required when forcing; written to the audit trail.",
        ),
    }


def build_training_dag(spec_path: Path, spec: ProjectSpec) -> object:
    @dag(
        dag_id=f"train_{spec.name}",
        # The spec's cron OR a drift event of drift_<project>.
        schedule=training_schedule(spec, use_cron=get_settings().airflow_use_schedules),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        tags=["shadowloop", "training", spec.name],
        default_args=DEFAULT_ARGS,
        params=_params(spec),
        doc_md=DAG_DOC.format(
            name=spec.name, description=spec.description, source=spec.source.uri or "SQL", family=spec.model.family
        ),
    )
    def training() -> None:
        @task(doc_md="Snapshot the source into the lake (content-addressed; same data, same snapshot).")
        def ingest() -> str:
            from shadowloop import steps
            from shadowloop.drift_asset import source_from_events
            from shadowloop.orchestration import spec_for_run

            context = get_current_context()
            params = context["params"]
            run_spec = spec_for_run(spec_path, params)
            run_uri = steps.start_run(run_spec, steps.run_uri_for(run_spec.name, context["dag_run"].run_id))
            # A drift event may carry a labelled source; an explicit trigger-form override wins.
            source = params.get("source_uri") or source_from_events(context.get("triggering_asset_events"))
            snapshot = steps.ingest_step(run_uri, source_uri=source)
            print(f"snapshot {snapshot.sha256} ({snapshot.rows} rows) at {snapshot.uri}")
            return run_uri

        @task(doc_md="Great Expectations gate. Fails without retry on bad data; the batch goes to quarantine.")
        def validate(run_uri: str) -> str:
            from airflow.sdk.exceptions import AirflowFailException

            from pipelines.types import DataValidationError
            from shadowloop import steps

            try:
                report = steps.validate_step(run_uri)
            except DataValidationError as error:
                print(f"VALIDATION FAILED\n{error}\nreport: {error.report.markdown_uri}")
                raise AirflowFailException(str(error)) from None
            print(f"validation passed: {report.evaluated} expectations; report {report.markdown_uri}")
            return run_uri

        @task(doc_md="Deterministic split by the spec's seed; frames written to the run folder.")
        def features(run_uri: str) -> str:
            from shadowloop import steps

            print(f"split sizes: {steps.features_step(run_uri)}")
            return run_uri

        @task(doc_md="Train the model (torch on CUDA when present and asked for, else CPU).")
        def train(run_uri: str) -> str:
            from shadowloop import steps

            info = steps.train_step(run_uri, device=get_current_context()["params"]["device"])
            print(f"trained on {info['device']} in {info['seconds']:.1f}s; bundle sha256 {info['model_sha256']}")
            return run_uri

        @task(doc_md="Held-out metrics against a trivial baseline, plots and behavioural checks.")
        def evaluate(run_uri: str) -> str:
            from shadowloop import steps

            print(f"test metrics: {steps.evaluate_step(run_uri)}")
            return run_uri

        @task(doc_md="Track in MLflow, gate against the champion, register with lineage, move aliases.")
        def register(run_uri: str) -> dict[str, object]:
            from shadowloop.orchestration import register_run

            context = get_current_context()
            params, dag_run = context["params"], context["dag_run"]
            airflow = {
                "dag_id": dag_run.dag_id,
                "run_id": dag_run.run_id,
                "try_number": context["ti"].try_number,
                "triggered_by": getattr(dag_run, "triggering_user_name", None),
            }
            result = register_run(run_uri, airflow, params["force_promote"], params["force_promote_reason"] or "")
            print(f"registered {result['name']} version {result['version']}: {result['decision']}")
            for reason in result["reasons"]:
                print(f"  - {reason}")
            return result

        register(evaluate(train(features(validate(ingest())))))

    return training()


for _path, _spec in spec_files(get_settings().specs_dir).items():
    globals()[f"train_{_spec.name}"] = build_training_dag(_path, _spec)
