# prod: three zones, a NAT gateway per zone, Multi-AZ database, Redis with a replica.
locals {
  environment = "prod"
}

module "stack" {
  source                 = "../../modules/stack"
  environment            = local.environment
  vpc_cidr               = "10.40.0.0/16"
  az_count               = 3
  single_nat_gateway     = false
  endpoint_public_access = var.endpoint_public_access
  admin_cidrs            = var.admin_cidrs

  cpu_instance_types = ["m6i.xlarge"]
  cpu_node_count     = { min = 3, desired = 3, max = 10 }
  gpu_instance_types = ["g5.xlarge", "g5.2xlarge"]
  gpu_max_size       = 4
  gpu_capacity_type  = "ON_DEMAND"

  db_instance_class        = "db.m7g.large"
  db_multi_az              = true
  db_backup_retention_days = 30
  cache_node_type          = "cache.m7g.large"
  cache_num_nodes          = 2

  tags = var.tags
}
