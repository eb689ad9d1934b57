# Tags come from the stack module (Project, Environment, ManagedBy), not default_tags, so that the
# modules carry them wherever they are reused.
provider "aws" {
  region = var.region
}
