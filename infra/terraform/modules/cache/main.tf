# Redis shared by every endpoint replica: the prediction cache (and, where CeleryExecutor is chosen,
# the Airflow broker on another DB index). TLS in transit, KMS at rest, AUTH token required.
resource "aws_elasticache_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
  tags       = var.tags
}

resource "aws_security_group" "this" {
  name        = "${var.name}-redis"
  description = "Redis reachable only from the EKS cluster"
  vpc_id      = var.vpc_id
  tags        = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "clients" {
  for_each                     = toset(var.client_security_group_ids)
  security_group_id            = aws_security_group.this.id
  referenced_security_group_id = each.value
  ip_protocol                  = "tcp"
  from_port                    = 6379
  to_port                      = 6379
  description                  = "Redis (TLS) from EKS pods and nodes"
}

# auth_token has no write-only form in the AWS provider, so this value is in the (KMS-encrypted) state.
data "aws_secretsmanager_random_password" "auth" {
  password_length     = 64
  exclude_punctuation = true # ElastiCache refuses some punctuation; keeps the URL unescaped too
}

resource "aws_cloudwatch_log_group" "slow_log" {
  name              = "/shadowloop/${var.name}/redis-slow-log"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
  tags              = var.tags
}

resource "aws_elasticache_replication_group" "this" {
  # checkov:skip=CKV2_AWS_50:Failover is on whenever num_cache_clusters > 1 (prod); dev runs one node, a cache it can rebuild.
  replication_group_id = var.name
  description          = "shadowloop prediction cache"
  engine               = "redis"
  engine_version       = var.engine_version
  node_type            = var.node_type
  num_cache_clusters   = var.num_cache_clusters
  port                 = 6379

  automatic_failover_enabled = var.num_cache_clusters > 1
  multi_az_enabled           = var.num_cache_clusters > 1

  subnet_group_name  = aws_elasticache_subnet_group.this.name
  security_group_ids = [aws_security_group.this.id]

  at_rest_encryption_enabled = true
  kms_key_id                 = var.kms_key_arn
  transit_encryption_enabled = true
  auth_token                 = data.aws_secretsmanager_random_password.auth.random_password

  snapshot_retention_limit   = var.snapshot_retention_days
  auto_minor_version_upgrade = true
  apply_immediately          = false

  log_delivery_configuration {
    destination      = aws_cloudwatch_log_group.slow_log.name
    destination_type = "cloudwatch-logs"
    log_format       = "json"
    log_type         = "slow-log"
  }

  tags = var.tags

  lifecycle {
    # The data source yields a new value on every plan; the token changes only by replacing it on purpose.
    ignore_changes = [auth_token]
  }
}

resource "aws_secretsmanager_secret" "redis" {
  # checkov:skip=CKV2_AWS_57:The AUTH token is rotated with ElastiCache's own token rotation, not a Secrets Manager Lambda.
  name                    = "${var.name}/redis"
  description             = "SHADOWLOOP_REDIS_URL (rediss://) and the AUTH token of the prediction cache"
  kms_key_id              = var.kms_key_arn
  recovery_window_in_days = 7
  tags                    = var.tags
}

resource "aws_secretsmanager_secret_version" "redis" {
  secret_id = aws_secretsmanager_secret.redis.id
  secret_string = jsonencode({
    auth_token = aws_elasticache_replication_group.this.auth_token
    host       = aws_elasticache_replication_group.this.primary_endpoint_address
    port       = aws_elasticache_replication_group.this.port
    url        = "rediss://:${aws_elasticache_replication_group.this.auth_token}@${aws_elasticache_replication_group.this.primary_endpoint_address}:${aws_elasticache_replication_group.this.port}/0"
  })
}
