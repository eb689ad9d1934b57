variable "region" {
  description = "AWS region to deploy into."
  type        = string
  default     = "eu-west-1"
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API publicly (limited to admin_cidrs) so kubectl and helm work without a VPN."
  type        = bool
  default     = false
}

variable "admin_cidrs" {
  description = "CIDRs allowed to reach the public Kubernetes API, e.g. your VPN egress [\"203.0.113.10/32\"]."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Extra tags for cost allocation (team, cost centre)."
  type        = map(string)
  default     = {}
}
