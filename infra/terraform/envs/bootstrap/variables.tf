variable "region" {
  description = "AWS region of the state bucket (use the region you deploy into)."
  type        = string
  default     = "eu-west-1"
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
