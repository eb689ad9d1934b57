variable "name" {
  description = "Role name prefix, e.g. shadowloop-prod; roles are <name>-<component>."
  type        = string
}

variable "oidc_provider_arn" {
  description = "ARN of the EKS cluster's IAM OIDC provider (IRSA)."
  type        = string
}

variable "oidc_issuer_host" {
  description = "OIDC issuer of the cluster without https:// (prefix of the :sub and :aud condition keys)."
  type        = string
}

variable "airflow_namespace" {
  description = "Kubernetes namespace of the Airflow chart and of the training pods it launches."
  type        = string
  default     = "airflow"
}

variable "app_namespace" {
  description = "Kubernetes namespace of MLflow, the endpoint and the db-init job."
  type        = string
  default     = "shadowloop"
}

variable "airflow_service_accounts" {
  description = "Service accounts of the Airflow chart's components (and the External Secrets reader) that assume the airflow role."
  type        = list(string)
  default     = ["airflow-scheduler", "airflow-worker", "airflow-triggerer", "airflow-api-server", "airflow-dag-processor", "airflow-secrets"]
}

variable "lake_bucket_arn" {
  description = "ARN of the data-lake bucket."
  type        = string
}

variable "lake_prefix" {
  description = "Key prefix of the data lake in the lake bucket."
  type        = string
}

variable "airflow_logs_prefix" {
  description = "Key prefix in the lake bucket where Airflow writes remote task logs."
  type        = string
  default     = "airflow-logs"
}

variable "artifacts_bucket_arn" {
  description = "ARN of the MLflow artifacts bucket."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key encrypting the buckets and the secrets."
  type        = string
}

variable "secret_arns" {
  description = "ARNs of the Secrets Manager secrets, by purpose."
  type = object({
    db_master      = string
    airflow_db     = string
    mlflow_db      = string
    predictions_db = string
    redis          = string
    api_token      = string
    admin_token    = string
    mlflow_auth    = string
    airflow_keys   = string
    airflow_admin  = string
  })
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
