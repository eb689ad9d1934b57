terraform {
  required_version = ">= 1.11"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }
  # Local state on purpose: this root creates the bucket that holds every other state. Its state has
  # no secrets; keep terraform.tfstate in a safe place (or migrate it into the bucket afterwards).
}
