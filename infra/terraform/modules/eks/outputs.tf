output "cluster_name" {
  description = "Name of the EKS cluster."
  value       = aws_eks_cluster.this.name
}

output "cluster_endpoint" {
  description = "URL of the Kubernetes API."
  value       = aws_eks_cluster.this.endpoint
}

output "cluster_security_group_id" {
  description = "Security group EKS attaches to the control plane and managed nodes (and so to pods)."
  value       = aws_eks_cluster.this.vpc_config[0].cluster_security_group_id
}

output "oidc_provider_arn" {
  description = "ARN of the cluster's IAM OIDC provider, for IRSA trust policies."
  value       = aws_iam_openid_connect_provider.this.arn
}

output "oidc_issuer_host" {
  description = "OIDC issuer of the cluster without https://, the prefix of IRSA condition keys."
  value       = local.oidc_host
}

output "cluster_autoscaler_role_arn" {
  description = "IRSA role of the cluster autoscaler (service account kube-system/cluster-autoscaler)."
  value       = aws_iam_role.autoscaler.arn
}
