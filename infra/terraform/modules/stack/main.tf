# The whole shadowloop platform for one environment. envs/dev and envs/prod differ only in sizes.
locals {
  name = "shadowloop-${var.environment}"
  tags = merge(var.tags, { Project = "shadowloop", Environment = var.environment, ManagedBy = "terraform" })
}

data "aws_region" "current" {}

module "kms" {
  source = "../kms"
  name   = local.name
  tags   = local.tags
}

module "network" {
  source             = "../network"
  name               = local.name
  cidr_block         = var.vpc_cidr
  az_count           = var.az_count
  single_nat_gateway = var.single_nat_gateway
  kms_key_arn        = module.kms.key_arn
  tags               = local.tags
}

module "storage" {
  source        = "../storage"
  name          = local.name
  kms_key_arn   = module.kms.key_arn
  lake_prefix   = var.lake_prefix
  force_destroy = var.force_destroy_buckets
  tags          = local.tags
}

module "eks" {
  source                 = "../eks"
  name                   = local.name
  kubernetes_version     = var.kubernetes_version
  subnet_ids             = module.network.private_subnet_ids
  kms_key_arn            = module.kms.key_arn
  endpoint_public_access = var.endpoint_public_access
  public_access_cidrs    = var.admin_cidrs
  cpu_instance_types     = var.cpu_instance_types
  cpu_min_size           = var.cpu_node_count.min
  cpu_desired_size       = var.cpu_node_count.desired
  cpu_max_size           = var.cpu_node_count.max
  gpu_instance_types     = var.gpu_instance_types
  gpu_max_size           = var.gpu_max_size
  gpu_capacity_type      = var.gpu_capacity_type
  tags                   = local.tags
}

module "database" {
  source                    = "../database"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.eks.cluster_security_group_id]
  kms_key_arn               = module.kms.key_arn
  instance_class            = var.db_instance_class
  multi_az                  = var.db_multi_az
  backup_retention_days     = var.db_backup_retention_days
  tags                      = local.tags
}

module "cache" {
  source                    = "../cache"
  name                      = local.name
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  client_security_group_ids = [module.eks.cluster_security_group_id]
  kms_key_arn               = module.kms.key_arn
  node_type                 = var.cache_node_type
  num_cache_clusters        = var.cache_num_nodes
  tags                      = local.tags
}

module "app_secrets" {
  source      = "../app-secrets"
  name        = local.name
  kms_key_arn = module.kms.key_arn
  tags        = local.tags
}

module "ecr" {
  source      = "../ecr"
  name        = local.name
  kms_key_arn = module.kms.key_arn
  tags        = local.tags
}

module "iam" {
  source               = "../iam"
  name                 = local.name
  oidc_provider_arn    = module.eks.oidc_provider_arn
  oidc_issuer_host     = module.eks.oidc_issuer_host
  airflow_namespace    = var.airflow_namespace
  app_namespace        = var.app_namespace
  lake_bucket_arn      = module.storage.lake_bucket_arn
  lake_prefix          = module.storage.lake_prefix
  artifacts_bucket_arn = module.storage.artifacts_bucket_arn
  kms_key_arn          = module.kms.key_arn
  secret_arns = {
    db_master      = module.database.master_secret_arn
    airflow_db     = module.database.logins["airflow"].secret_arn
    mlflow_db      = module.database.logins["mlflow"].secret_arn
    predictions_db = module.database.logins["predictions"].secret_arn
    redis          = module.cache.secret_arn
    api_token      = module.app_secrets.api_token_secret_arn
    admin_token    = module.app_secrets.admin_token_secret_arn
    mlflow_auth    = module.app_secrets.mlflow_auth_secret_arn
    airflow_keys   = module.app_secrets.airflow_keys_secret_arn
    airflow_admin  = module.app_secrets.airflow_admin_password_secret_arn
  }
  tags = local.tags
}
