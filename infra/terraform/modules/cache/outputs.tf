output "host" {
  description = "Primary endpoint of the replication group."
  value       = aws_elasticache_replication_group.this.primary_endpoint_address
}

output "port" {
  description = "Port of the replication group."
  value       = aws_elasticache_replication_group.this.port
}

output "secret_arn" {
  description = "ARN of the secret with JSON {url, auth_token, host, port}; `url` is SHADOWLOOP_REDIS_URL."
  value       = aws_secretsmanager_secret.redis.arn
}

output "security_group_id" {
  description = "Security group of the replication group."
  value       = aws_security_group.this.id
}
