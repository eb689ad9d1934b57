output "repository_urls" {
  description = "Image name => repository URL, e.g. airflow => <account>.dkr.ecr.<region>.amazonaws.com/shadowloop-prod/airflow."
  value       = { for k, v in aws_ecr_repository.this : k => v.repository_url }
}
