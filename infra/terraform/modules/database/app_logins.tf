# One login per application database. Passwords are generated ephemerally and written once (write-only),
# so neither they nor the URLs built from them reach the Terraform state. Each secret is JSON with the
# parts and a ready `url` for the settings (External Secrets maps `url` to SHADOWLOOP_..._URL).
locals {
  logins = {
    airflow     = { database = "airflow", extra_databases = [] }
    mlflow      = { database = "mlflow", extra_databases = ["mlflow_auth"] } # basic-auth keeps users apart
    predictions = { database = "predictions", extra_databases = [] }
  }
  host = aws_db_instance.this.address
  port = aws_db_instance.this.port
}

resource "aws_secretsmanager_secret" "login" {
  # checkov:skip=CKV2_AWS_57:App logins are rotated by bumping credentials_version and re-running db-init; no rotation Lambda.
  for_each                = local.logins
  name                    = "${var.name}/db/${each.key}"
  description             = "PostgreSQL login and URL of the ${each.key} database"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
  tags                    = var.tags
}

ephemeral "aws_secretsmanager_random_password" "login" {
  for_each            = local.logins
  password_length     = 40
  exclude_punctuation = true # safe inside a URL without escaping
}

resource "aws_secretsmanager_secret_version" "login" {
  for_each  = local.logins
  secret_id = aws_secretsmanager_secret.login[each.key].id
  secret_string_wo = jsonencode(merge({
    username        = each.key
    password        = ephemeral.aws_secretsmanager_random_password.login[each.key].random_password
    host            = local.host
    port            = local.port
    dbname          = each.value.database
    extra_databases = each.value.extra_databases
    url             = "postgresql://${each.key}:${ephemeral.aws_secretsmanager_random_password.login[each.key].random_password}@${local.host}:${local.port}/${each.value.database}?sslmode=require"
    }, length(each.value.extra_databases) == 0 ? {} : {
    auth_url = "postgresql://${each.key}:${ephemeral.aws_secretsmanager_random_password.login[each.key].random_password}@${local.host}:${local.port}/${each.value.extra_databases[0]}?sslmode=require"
  }))
  secret_string_wo_version = var.credentials_version
}
