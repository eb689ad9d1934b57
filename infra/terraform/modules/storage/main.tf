# The data lake (dataset snapshots, quarantine, Airflow task logs) and the MLflow artifact store live in
# separate buckets so that IAM can give each component only the bucket it needs.
data "aws_caller_identity" "current" {}

locals {
  suffix = data.aws_caller_identity.current.account_id
}

module "access_logs" {
  source         = "../s3-access-logs"
  bucket         = "${var.name}-access-logs-${local.suffix}"
  retention_days = var.access_log_retention_days
  force_destroy  = var.force_destroy
  tags           = var.tags
}

module "lake" {
  source                             = "../s3-bucket"
  bucket                             = "${var.name}-lake-${local.suffix}"
  kms_key_arn                        = var.kms_key_arn
  access_log_bucket                  = module.access_logs.bucket
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  force_destroy                      = var.force_destroy
  tags                               = var.tags
}

module "artifacts" {
  source                             = "../s3-bucket"
  bucket                             = "${var.name}-artifacts-${local.suffix}"
  kms_key_arn                        = var.kms_key_arn
  access_log_bucket                  = module.access_logs.bucket
  noncurrent_version_expiration_days = var.noncurrent_version_expiration_days
  # Models are read at every endpoint reload: keep them in STANDARD.
  infrequent_access_after_days = 0
  force_destroy                = var.force_destroy
  tags                         = var.tags
}
