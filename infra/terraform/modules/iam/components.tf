# Who needs what, per component. Everything not listed here is denied. Pods reach MLflow artifacts
# through the MLflow server (proxied artifacts), so only MLflow itself touches the artifacts bucket.
locals {
  components = {
    airflow = {
      namespace        = var.airflow_namespace
      service_accounts = var.airflow_service_accounts
      # Tasks write snapshots and quarantine; the scheduler and api-server read task logs.
      s3_read  = ["${var.lake_bucket_arn}/${var.lake_prefix}", "${var.lake_bucket_arn}/${var.airflow_logs_prefix}"]
      s3_write = ["${var.lake_bucket_arn}/${var.lake_prefix}", "${var.lake_bucket_arn}/${var.airflow_logs_prefix}"]
      # The drift monitor reads prediction logs; promote/rollback call the endpoint's admin API; the
      # production settings refuse to load without both tokens and the Airflow admin password. Synced into the namespace by External
      # Secrets with this role, for the tasks and the training pods alike.
      # "redis" only serves the CeleryExecutor broker URL (values-celery.yaml).
      secrets = ["airflow_db", "airflow_keys", "airflow_admin", "mlflow_auth", "predictions_db", "api_token", "admin_token", "redis"]
    }
    trainer = {
      # GPU training pods launched by KubernetesPodOperator: read the split from the run folder in the
      # lake and write the model bundle back into it. Their settings come from the airflow-settings
      # Secret, so the role reads no secret itself.
      namespace        = var.airflow_namespace
      service_accounts = ["shadowloop-trainer"]
      s3_read          = ["${var.lake_bucket_arn}/${var.lake_prefix}"]
      s3_write         = ["${var.lake_bucket_arn}/${var.lake_prefix}"]
      secrets          = []
    }
    mlflow = {
      namespace        = var.app_namespace
      service_accounts = ["mlflow"]
      s3_read          = [var.artifacts_bucket_arn]
      s3_write         = [var.artifacts_bucket_arn]
      secrets          = ["mlflow_db", "mlflow_auth"]
    }
    endpoint = {
      namespace        = var.app_namespace
      service_accounts = ["endpoint"]
      s3_read          = []
      s3_write         = []
      # airflow_admin only because the production settings refuse to load without it.
      secrets = ["api_token", "admin_token", "airflow_admin", "redis", "predictions_db", "mlflow_auth"]
    }
    db_init = {
      # One-shot job that creates the databases and app roles with the master login.
      namespace        = var.app_namespace
      service_accounts = ["db-init"]
      s3_read          = []
      s3_write         = []
      secrets          = ["db_master", "airflow_db", "mlflow_db", "predictions_db"]
    }
  }
}
