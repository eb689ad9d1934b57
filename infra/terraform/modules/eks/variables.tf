variable "name" {
  description = "Cluster name, e.g. shadowloop-prod."
  type        = string
}

variable "kubernetes_version" {
  description = "EKS Kubernetes version."
  type        = string
  default     = "1.33"
}

variable "subnet_ids" {
  description = "Private subnets for the control-plane ENIs and the nodes."
  type        = list(string)
}

variable "kms_key_arn" {
  description = "KMS key for Kubernetes Secrets envelope encryption, node volumes and the control-plane log group."
  type        = string
}

variable "endpoint_public_access" {
  description = "Expose the Kubernetes API publicly (restricted to public_access_cidrs) so kubectl/helm work without a VPN."
  type        = bool
  default     = false
}

variable "public_access_cidrs" {
  description = "CIDRs allowed to reach the public Kubernetes API when endpoint_public_access is true (your office/VPN egress)."
  type        = list(string)
  default     = []

  validation {
    condition     = !contains(var.public_access_cidrs, "0.0.0.0/0")
    error_message = "Do not open the Kubernetes API to the whole internet."
  }

  validation {
    condition     = !var.endpoint_public_access || length(var.public_access_cidrs) > 0
    error_message = "With endpoint_public_access, name the CIDRs allowed to reach the API."
  }
}

variable "cpu_instance_types" {
  description = "Instance types of the CPU node group (Airflow, MLflow, endpoint replicas, CPU training)."
  type        = list(string)
  default     = ["m6i.xlarge"]
}

variable "cpu_min_size" {
  description = "Minimum size of the CPU node group."
  type        = number
  default     = 2
}

variable "cpu_desired_size" {
  description = "Initial size of the CPU node group (the cluster autoscaler owns it afterwards)."
  type        = number
  default     = 2
}

variable "cpu_max_size" {
  description = "Maximum size of the CPU node group."
  type        = number
  default     = 6
}

variable "gpu_instance_types" {
  description = "Instance types of the GPU node group for training (one NVIDIA GPU each by default)."
  type        = list(string)
  default     = ["g5.xlarge"]
}

variable "gpu_max_size" {
  description = "Maximum size of the GPU node group; it scales from zero when a training pod asks for nvidia.com/gpu."
  type        = number
  default     = 2
}

variable "gpu_capacity_type" {
  description = "ON_DEMAND or SPOT for the GPU node group (SPOT is cheaper; training retries on interruption)."
  type        = string
  default     = "ON_DEMAND"
}

variable "node_volume_size_gb" {
  description = "Root volume size of every node in GiB (images with torch are large)."
  type        = number
  default     = 100
}

variable "log_retention_days" {
  description = "Retention of the control-plane log group, in days."
  type        = number
  default     = 365
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}
