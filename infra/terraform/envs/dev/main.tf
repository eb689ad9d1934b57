# dev: the same platform, sized down: two zones, one NAT gateway, single-node database and cache.
locals {
  environment = "dev"
}

module "stack" {
  source                 = "../../modules/stack"
  environment            = local.environment
  vpc_cidr               = "10.41.0.0/16"
  az_count               = 2
  single_nat_gateway     = true
  endpoint_public_access = var.endpoint_public_access
  admin_cidrs            = var.admin_cidrs

  cpu_instance_types = ["m6i.large"]
  cpu_node_count     = { min = 1, desired = 2, max = 3 }
  gpu_instance_types = ["g5.xlarge"]
  gpu_max_size       = 1
  gpu_capacity_type  = "SPOT" # dev training can retry after an interruption

  db_instance_class        = "db.t4g.small"
  db_multi_az              = false
  db_backup_retention_days = 7
  cache_node_type          = "cache.t4g.micro"
  cache_num_nodes          = 1

  tags = var.tags
}
