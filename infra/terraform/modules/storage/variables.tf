variable "name" {
  description = "Name prefix of the buckets, e.g. shadowloop-prod; the account ID is appended for global uniqueness."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for SSE-KMS on the lake and artifacts buckets."
  type        = string
}

variable "lake_prefix" {
  description = "Key prefix of the data lake inside the lake bucket (SHADOWLOOP_LAKE_URI = s3://<bucket>/<prefix>)."
  type        = string
  default     = "lake"
}

variable "artifacts_prefix" {
  description = "Key prefix under which MLflow stores run and model artifacts."
  type        = string
  default     = "mlartifacts"
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten or deleted object versions are removed for good."
  type        = number
  default     = 90
}

variable "access_log_retention_days" {
  description = "Days S3 server access logs are kept."
  type        = number
  default     = 365
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete non-empty buckets. Keep false outside throwaway stacks."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
