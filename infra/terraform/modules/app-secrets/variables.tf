variable "name" {
  description = "Name prefix; secrets are named <name>/<purpose>."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the secrets."
  type        = string
}

variable "secrets_version" {
  description = "Bump to generate and write new values (rotation). Values are write-only: never in plan or state."
  type        = number
  default     = 1
}

variable "recovery_window_in_days" {
  description = "Days a deleted secret can still be restored."
  type        = number
  default     = 7
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
