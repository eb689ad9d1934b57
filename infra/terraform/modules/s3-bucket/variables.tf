variable "bucket" {
  description = "Globally unique bucket name."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for default SSE-KMS encryption of every object."
  type        = string
}

variable "access_log_bucket" {
  description = "Bucket that receives this bucket's S3 server access logs."
  type        = string
}

variable "noncurrent_version_expiration_days" {
  description = "Days after which overwritten or deleted object versions are removed for good."
  type        = number
  default     = 90
}

variable "infrequent_access_after_days" {
  description = "Days after which current objects move to STANDARD_IA (0 disables the transition)."
  type        = number
  default     = 30
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete a non-empty bucket. Keep false outside throwaway stacks."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
