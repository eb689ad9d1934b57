output "api_token_secret_arn" {
  description = "ARN of the secret holding SHADOWLOOP_API_TOKEN (plain string)."
  value       = aws_secretsmanager_secret.this["api_token"].arn
}

output "admin_token_secret_arn" {
  description = "ARN of the secret holding SHADOWLOOP_ADMIN_TOKEN (plain string)."
  value       = aws_secretsmanager_secret.this["admin_token"].arn
}

output "mlflow_auth_secret_arn" {
  description = "ARN of the secret holding the MLflow admin login as JSON {username, password}."
  value       = aws_secretsmanager_secret.this["mlflow_auth"].arn
}

output "airflow_keys_secret_arn" {
  description = "ARN of the secret with Airflow's keys as JSON {fernet-key, api-secret-key, jwt-secret}."
  value       = aws_secretsmanager_secret.this["airflow_keys"].arn
}

output "airflow_admin_password_secret_arn" {
  description = "ARN of the secret holding SHADOWLOOP_AIRFLOW_ADMIN_PASSWORD (plain string)."
  value       = aws_secretsmanager_secret.this["airflow_admin_password"].arn
}
