variable "environment" {
  description = "Environment name (dev, prod); resources are named shadowloop-<environment>."
  type        = string
}

variable "vpc_cidr" {
  description = "IPv4 CIDR of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability zones to spread over (2 or 3)."
  type        = number
  default     = 3
}

variable "single_nat_gateway" {
  description = "One shared NAT gateway (cheaper) instead of one per zone."
  type        = bool
  default     = false
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.33"
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API publicly, restricted to admin_cidrs."
  type        = bool
  default     = false
}

variable "admin_cidrs" {
  description = "CIDRs allowed to reach the public Kubernetes API (your office or VPN egress)."
  type        = list(string)
  default     = []
}

variable "cpu_instance_types" {
  description = "Instance types of the CPU node group."
  type        = list(string)
  default     = ["m6i.xlarge"]
}

variable "cpu_node_count" {
  description = "Minimum, initial and maximum size of the CPU node group."
  type        = object({ min = number, desired = number, max = number })
  default     = { min = 2, desired = 2, max = 6 }
}

variable "gpu_instance_types" {
  description = "Instance types of the GPU training node group."
  type        = list(string)
  default     = ["g5.xlarge"]
}

variable "gpu_max_size" {
  description = "Maximum GPU nodes (the group scales from zero)."
  type        = number
  default     = 2
}

variable "gpu_capacity_type" {
  description = "ON_DEMAND or SPOT for GPU nodes."
  type        = string
  default     = "ON_DEMAND"
}

variable "db_instance_class" {
  description = "RDS instance class of the PostgreSQL instance."
  type        = string
  default     = "db.t4g.medium"
}

variable "db_multi_az" {
  description = "Keep a standby of PostgreSQL in a second zone."
  type        = bool
  default     = true
}

variable "db_backup_retention_days" {
  description = "Days of PostgreSQL point-in-time recovery."
  type        = number
  default     = 14
}

variable "cache_node_type" {
  description = "ElastiCache node type."
  type        = string
  default     = "cache.t4g.small"
}

variable "cache_num_nodes" {
  description = "Redis nodes (1, or 2+ for a replica with automatic failover)."
  type        = number
  default     = 2
}

variable "lake_prefix" {
  description = "Key prefix of the data lake inside the lake bucket."
  type        = string
  default     = "lake"
}

variable "app_namespace" {
  description = "Kubernetes namespace of MLflow, the endpoint and db-init."
  type        = string
  default     = "shadowloop"
}

variable "airflow_namespace" {
  description = "Kubernetes namespace of Airflow and the training pods."
  type        = string
  default     = "airflow"
}

variable "force_destroy_buckets" {
  description = "Let terraform destroy empty out the buckets (throwaway stacks only)."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource (cost allocation)."
  type        = map(string)
  default     = {}
}
