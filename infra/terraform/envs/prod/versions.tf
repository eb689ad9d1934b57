terraform {
  required_version = ">= 1.11" # write-only secret values need 1.11
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Remote state: S3 with SSE-KMS and S3-native locking (use_lockfile, no DynamoDB table).
  # bucket, region and kms_key_id come from backend.hcl (see backend.hcl.example and docs/deploy-aws.md).
  backend "s3" {
    key          = "shadowloop/prod/terraform.tfstate"
    encrypt      = true
    use_lockfile = true
  }
}
