variable "bucket" {
  description = "Globally unique name of the access-log bucket."
  type        = string
}

variable "retention_days" {
  description = "Days S3 server access logs are kept."
  type        = number
  default     = 365
}

variable "force_destroy" {
  description = "Allow terraform destroy to delete a non-empty bucket."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
