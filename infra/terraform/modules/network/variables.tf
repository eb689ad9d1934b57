variable "name" {
  description = "Name prefix for every network resource, e.g. shadowloop-prod."
  type        = string
}

variable "cidr_block" {
  description = "IPv4 CIDR of the VPC. A /16 leaves room for EKS pod IPs (the VPC CNI gives pods VPC addresses)."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "How many availability zones to spread subnets over (2 or 3)."
  type        = number
  default     = 3

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 3
    error_message = "az_count must be 2 or 3: RDS and EKS need at least two zones."
  }
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all zones (cheaper, dev) instead of one per zone (zone-failure tolerant, prod)."
  type        = bool
  default     = false
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the VPC flow-log group."
  type        = string
}

variable "log_retention_days" {
  description = "Retention of the VPC flow-log group, in days."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
