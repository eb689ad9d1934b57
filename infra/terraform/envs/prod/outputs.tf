# The production-profile settings, exactly (SHADOWLOOP_<NAME> in upper case). Secrets are ARNs.

output "profile" {
  description = "SHADOWLOOP_PROFILE."
  value       = module.stack.profile
}

output "lake_uri" {
  description = "SHADOWLOOP_LAKE_URI: s3://<lake bucket>/<prefix>."
  value       = module.stack.lake_uri
}

output "aws_region" {
  description = "SHADOWLOOP_AWS_REGION."
  value       = module.stack.aws_region
}

output "s3_endpoint_url" {
  description = "SHADOWLOOP_S3_ENDPOINT_URL: null, leave unset on AWS (boto3 picks the regional endpoint)."
  value       = module.stack.s3_endpoint_url
}

output "mlflow_tracking_uri" {
  description = "SHADOWLOOP_MLFLOW_TRACKING_URI: the in-cluster MLflow service."
  value       = module.stack.mlflow_tracking_uri
}

output "mlflow_backend_store_uri" {
  description = "SHADOWLOOP_MLFLOW_BACKEND_STORE_URI: PostgreSQL parts; the full postgresql:// URL is key `url` of secret_arn."
  value       = module.stack.mlflow_backend_store_uri
}

output "mlflow_artifacts_destination" {
  description = "SHADOWLOOP_MLFLOW_ARTIFACTS_DESTINATION: s3:// URI of the MLflow artifact store."
  value       = module.stack.mlflow_artifacts_destination
}

output "airflow_database_url" {
  description = "SHADOWLOOP_AIRFLOW_DATABASE_URL: PostgreSQL parts; the full postgresql:// URL is key `url` of secret_arn."
  value       = module.stack.airflow_database_url
}

output "redis_url" {
  description = "SHADOWLOOP_REDIS_URL: the full rediss:// URL (with AUTH token) is key `url` of secret_arn."
  value       = module.stack.redis_url
}

output "prediction_log_url" {
  description = "SHADOWLOOP_PREDICTION_LOG_URL: PostgreSQL parts; the full postgresql:// URL is key `url` of secret_arn."
  value       = module.stack.prediction_log_url
}

output "api_token" {
  description = "SHADOWLOOP_API_TOKEN: ARN of the secret holding the token (plain string)."
  value       = module.stack.api_token
}

output "admin_token" {
  description = "SHADOWLOOP_ADMIN_TOKEN: ARN of the secret holding the token (plain string)."
  value       = module.stack.admin_token
}

output "airflow_admin_password" {
  description = "SHADOWLOOP_AIRFLOW_ADMIN_PASSWORD: ARN of the secret holding the password (plain string)."
  value       = module.stack.airflow_admin_password
}
