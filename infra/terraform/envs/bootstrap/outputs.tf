output "bucket" {
  description = "State bucket: `bucket` in envs/<env>/backend.hcl."
  value       = module.state_bucket.bucket
}

output "region" {
  description = "Region of the state bucket: `region` in envs/<env>/backend.hcl."
  value       = var.region
}

output "kms_key_id" {
  description = "KMS key encrypting the states: `kms_key_id` in envs/<env>/backend.hcl."
  value       = module.kms.key_arn
}
