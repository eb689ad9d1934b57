# Run once per AWS account, before envs/dev or envs/prod: the encrypted, versioned bucket that holds
# their Terraform state (locking uses S3 lock files in the same bucket).
data "aws_caller_identity" "current" {}

locals {
  name = "shadowloop-tfstate"
  tags = merge(var.tags, { Project = "shadowloop", ManagedBy = "terraform" })
}

module "kms" {
  source = "../../modules/kms"
  name   = local.name
  tags   = local.tags
}

module "access_logs" {
  source = "../../modules/s3-access-logs"
  bucket = "${local.name}-logs-${data.aws_caller_identity.current.account_id}"
  tags   = local.tags
}

module "state_bucket" {
  source                             = "../../modules/s3-bucket"
  bucket                             = "${local.name}-${data.aws_caller_identity.current.account_id}"
  kms_key_arn                        = module.kms.key_arn
  access_log_bucket                  = module.access_logs.bucket
  noncurrent_version_expiration_days = 365 # old states are the way back from a bad apply
  infrequent_access_after_days       = 0
  tags                               = local.tags
}
