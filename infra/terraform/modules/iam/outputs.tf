output "role_arns" {
  description = "Component (airflow, trainer, mlflow, endpoint, db_init) => IRSA role ARN for the eks.amazonaws.com/role-arn annotation."
  value       = { for k, r in aws_iam_role.this : k => r.arn }
}
