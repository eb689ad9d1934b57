output "host" {
  description = "DNS name of the PostgreSQL instance."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the PostgreSQL instance."
  value       = aws_db_instance.this.port
}

output "master_secret_arn" {
  description = "ARN of the RDS-managed secret with the master login (used only by the db-init job)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "logins" {
  description = "Per application (airflow, mlflow, predictions): database, username and the ARN of its login secret."
  value = {
    for k, v in local.logins : k => {
      database   = v.database
      username   = k
      secret_arn = aws_secretsmanager_secret.login[k].arn
    }
  }
}

output "security_group_id" {
  description = "Security group of the PostgreSQL instance."
  value       = aws_security_group.this.id
}
