variable "name" {
  description = "Name prefix of the replication group and its satellites, e.g. shadowloop-prod."
  type        = string
}

variable "vpc_id" {
  description = "VPC the cache lives in."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets for the cache subnet group."
  type        = list(string)
}

variable "client_security_group_ids" {
  description = "Security groups allowed to connect on 6379 (the EKS cluster security group)."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for at-rest encryption, the slow-log group and the auth-token secret."
  type        = string
}

variable "node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "num_cache_clusters" {
  description = "Nodes in the replication group: 1 (dev) or 2+ (primary and replicas with automatic failover)."
  type        = number
  default     = 2
}

variable "engine_version" {
  description = "Redis OSS engine version."
  type        = string
  default     = "7.1"
}

variable "snapshot_retention_days" {
  description = "Days daily snapshots are kept (the cache can be rebuilt, so this is about warm restarts)."
  type        = number
  default     = 1
}

variable "log_retention_days" {
  description = "Retention of the slow-log group, in days."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
