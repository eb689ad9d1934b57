output "lake_bucket" {
  description = "Name of the data-lake bucket."
  value       = module.lake.bucket
}

output "lake_bucket_arn" {
  description = "ARN of the data-lake bucket."
  value       = module.lake.arn
}

output "lake_prefix" {
  description = "Key prefix of the data lake inside the lake bucket."
  value       = var.lake_prefix
}

output "lake_uri" {
  description = "s3:// URI of the data lake (SHADOWLOOP_LAKE_URI)."
  value       = "s3://${module.lake.bucket}/${var.lake_prefix}"
}

output "artifacts_bucket" {
  description = "Name of the MLflow artifacts bucket."
  value       = module.artifacts.bucket
}

output "artifacts_bucket_arn" {
  description = "ARN of the MLflow artifacts bucket."
  value       = module.artifacts.arn
}

output "artifacts_destination" {
  description = "s3:// URI MLflow stores artifacts under (SHADOWLOOP_MLFLOW_ARTIFACTS_DESTINATION)."
  value       = "s3://${module.artifacts.bucket}/${var.artifacts_prefix}"
}

output "access_log_bucket" {
  description = "Name of the bucket receiving S3 server access logs."
  value       = module.access_logs.bucket
}
