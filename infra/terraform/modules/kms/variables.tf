variable "name" {
  description = "Name prefix; the key gets the alias alias/<name>."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Days a scheduled key deletion waits before it can no longer be cancelled."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
