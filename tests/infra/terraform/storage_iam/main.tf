# Test harness: the kms, storage and iam modules applied against a local S3/IAM/KMS-compatible server.
# The test copies infra/terraform/modules next to this folder, so the sources below resolve there.
terraform {
  required_version = ">= 1.11"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
}

variable "endpoint" {
  description = "URL of the local AWS-compatible server (moto)."
  type        = string
}

provider "aws" {
  region                      = "us-east-1"
  access_key                  = "testing"
  secret_key                  = "testing"
  skip_credentials_validation = true
  skip_metadata_api_check     = true
  skip_region_validation      = true
  s3_use_path_style           = true

  endpoints {
    iam = var.endpoint
    kms = var.endpoint
    s3  = var.endpoint
    sts = var.endpoint
  }
}

module "kms" {
  source = "../modules/kms"
  name   = "shadowloop-test"
}

module "storage" {
  source        = "../modules/storage"
  name          = "shadowloop-test"
  kms_key_arn   = module.kms.key_arn
  force_destroy = true
}

module "iam" {
  source               = "../modules/iam"
  name                 = "shadowloop-test"
  oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/TEST"
  oidc_issuer_host     = "oidc.eks.us-east-1.amazonaws.com/id/TEST"
  lake_bucket_arn      = module.storage.lake_bucket_arn
  lake_prefix          = module.storage.lake_prefix
  artifacts_bucket_arn = module.storage.artifacts_bucket_arn
  kms_key_arn          = module.kms.key_arn
  secret_arns = {
    for k in ["db_master", "airflow_db", "mlflow_db", "predictions_db", "redis", "api_token", "admin_token", "mlflow_auth", "airflow_keys", "airflow_admin"] :
    k => "arn:aws:secretsmanager:us-east-1:123456789012:secret:shadowloop-test/${k}-AbCdEf"
  }
}

output "kms_key_arn" {
  description = "ARN of the key the buckets must be encrypted with."
  value       = module.kms.key_arn
}

output "lake_bucket" {
  description = "Name of the lake bucket."
  value       = module.storage.lake_bucket
}

output "artifacts_bucket" {
  description = "Name of the artifacts bucket."
  value       = module.storage.artifacts_bucket
}

output "access_log_bucket" {
  description = "Name of the access-log bucket."
  value       = module.storage.access_log_bucket
}

output "role_arns" {
  description = "IRSA role ARNs by component."
  value       = module.iam.role_arns
}
