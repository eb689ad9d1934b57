# One customer-managed key per environment encrypts S3, RDS, ElastiCache, EKS secrets, ECR, Secrets
# Manager and the log groups. One key keeps grants simple; per-component access is decided by IAM.
data "aws_caller_identity" "current" {}
data "aws_region" "current" {}
data "aws_partition" "current" {}

data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_109:Key policy: "*" is this key, and the root statement only delegates to IAM (AWS default key policy).
  # checkov:skip=CKV_AWS_111:Key policy: "*" is this key; write access is granted by IAM policies scoped per role.
  # checkov:skip=CKV_AWS_356:Key policy: resource "*" means the key itself; it cannot name another resource.
  # Delegate to IAM: who may use the key is then decided by identity policies, as for every other resource.
  statement {
    sid       = "AccountAdministersThroughIam"
    actions   = ["kms:*"]
    resources = ["*"] # in a key policy "*" means this key
    principals {
      type        = "AWS"
      identifiers = ["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]
    }
  }

  # CloudWatch Logs has no IAM identity in the account, so the key policy must name it.
  statement {
    sid       = "CloudWatchLogsEncryptsThisAccountsGroups"
    actions   = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${data.aws_region.current.name}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:${data.aws_partition.current.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:*"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name}: data at rest of the shadowloop platform"
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = data.aws_iam_policy_document.key.json
  tags                    = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
