# Exactly the settings of the production profile (SHADOWLOOP_<NAME>). Values that contain a secret are
# objects naming the Secrets Manager secret and the JSON key that holds the full value.
locals {
  db_setting = {
    for k, v in module.database.logins : k => {
      secret_arn = v.secret_arn
      secret_key = "url"
      host       = module.database.host
      port       = module.database.port
      database   = v.database
      username   = v.username
    }
  }
}

output "profile" {
  description = "SHADOWLOOP_PROFILE."
  value       = "production"
}

output "lake_uri" {
  description = "SHADOWLOOP_LAKE_URI: s3://<lake bucket>/<prefix>."
  value       = module.storage.lake_uri
}

output "aws_region" {
  description = "SHADOWLOOP_AWS_REGION."
  value       = data.aws_region.current.name
}

output "s3_endpoint_url" {
  description = "SHADOWLOOP_S3_ENDPOINT_URL: null, leave unset on AWS (boto3 picks the regional endpoint)."
  value       = null
}

output "mlflow_tracking_uri" {
  description = "SHADOWLOOP_MLFLOW_TRACKING_URI: the in-cluster MLflow service."
  value       = "http://mlflow.${var.app_namespace}.svc.cluster.local:5000"
}

output "mlflow_backend_store_uri" {
  description = "SHADOWLOOP_MLFLOW_BACKEND_STORE_URI: PostgreSQL parts; the full postgresql:// URL is key `url` of secret_arn."
  value       = local.db_setting["mlflow"]
}

output "mlflow_artifacts_destination" {
  description = "SHADOWLOOP_MLFLOW_ARTIFACTS_DESTINATION: s3:// URI of the MLflow artifact store."
  value       = module.storage.artifacts_destination
}

output "airflow_database_url" {
  description = "SHADOWLOOP_AIRFLOW_DATABASE_URL: PostgreSQL parts; the full postgresql:// URL is key `url` of secret_arn."
  value       = local.db_setting["airflow"]
}

output "redis_url" {
  description = "SHADOWLOOP_REDIS_URL: the full rediss:// URL (with AUTH token) is key `url` of secret_arn."
  value = {
    secret_arn = module.cache.secret_arn
    secret_key = "url"
    host       = module.cache.host
    port       = module.cache.port
  }
}

output "prediction_log_url" {
  description = "SHADOWLOOP_PREDICTION_LOG_URL: PostgreSQL parts; the full postgresql:// URL is key `url` of secret_arn."
  value       = local.db_setting["predictions"]
}

output "api_token" {
  description = "SHADOWLOOP_API_TOKEN: ARN of the secret holding the token (plain string)."
  value       = module.app_secrets.api_token_secret_arn
}

output "admin_token" {
  description = "SHADOWLOOP_ADMIN_TOKEN: ARN of the secret holding the token (plain string)."
  value       = module.app_secrets.admin_token_secret_arn
}

output "airflow_admin_password" {
  description = "SHADOWLOOP_AIRFLOW_ADMIN_PASSWORD: ARN of the secret holding the password (plain string)."
  value       = module.app_secrets.airflow_admin_password_secret_arn
}
