variable "name" {
  description = "Repository name prefix, e.g. shadowloop-prod; repositories are <name>/<image>."
  type        = string
}

variable "images" {
  description = "Images that get a repository."
  type        = list(string)
  default     = ["airflow", "mlflow", "endpoint"]
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the image layers."
  type        = string
}

variable "keep_tagged_images" {
  description = "How many tagged images to keep per repository (older ones expire; rollbacks need a few)."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
