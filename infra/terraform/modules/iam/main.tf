# One IRSA role per component, trusted only by that component's service accounts.
data "aws_region" "current" {}

locals {
  # "bucket-arn" or "bucket-arn/prefix" -> bucket ARN and key prefix ("" = whole bucket).
  s3_scopes = {
    for k, c in local.components : k => {
      read = [for p in c.s3_read : {
        bucket = join("/", slice(split("/", p), 0, 1))
        prefix = join("/", slice(split("/", p), 1, length(split("/", p))))
      }]
      write = [for p in c.s3_write : "${p}/*"]
    }
  }
}

data "aws_iam_policy_document" "trust" {
  for_each = local.components
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [var.oidc_provider_arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer_host}:sub"
      values   = [for sa in each.value.service_accounts : "system:serviceaccount:${each.value.namespace}:${sa}"]
    }
    condition {
      test     = "StringEquals"
      variable = "${var.oidc_issuer_host}:aud"
      values   = ["sts.amazonaws.com"]
    }
  }
}

data "aws_iam_policy_document" "access" {
  for_each = local.components

  dynamic "statement" {
    for_each = local.s3_scopes[each.key].read
    content {
      sid       = "List${statement.key}"
      actions   = ["s3:ListBucket"]
      resources = [statement.value.bucket]
      dynamic "condition" {
        for_each = statement.value.prefix == "" ? [] : [1]
        content {
          test     = "StringLike"
          variable = "s3:prefix"
          values   = [statement.value.prefix, "${statement.value.prefix}/*"]
        }
      }
    }
  }

  dynamic "statement" {
    for_each = length(each.value.s3_read) > 0 ? [1] : []
    content {
      sid       = "ReadObjects"
      actions   = ["s3:GetObject", "s3:GetObjectVersion"]
      resources = [for p in each.value.s3_read : "${p}/*"]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.s3_write) > 0 ? [1] : []
    content {
      sid       = "WriteObjects"
      actions   = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload"]
      resources = local.s3_scopes[each.key].write
    }
  }

  dynamic "statement" {
    for_each = length(each.value.secrets) > 0 ? [1] : []
    content {
      sid       = "ReadOwnSecrets"
      actions   = ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"]
      resources = [for s in each.value.secrets : var.secret_arns[s]]
    }
  }

  # The key only through S3 and Secrets Manager, never directly.
  statement {
    sid       = "UseKeyThroughServices"
    actions   = length(each.value.s3_write) > 0 ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"]
    resources = [var.kms_key_arn]
    condition {
      test     = "StringEquals"
      variable = "kms:ViaService"
      values = [
        "s3.${data.aws_region.current.name}.amazonaws.com",
        "secretsmanager.${data.aws_region.current.name}.amazonaws.com",
      ]
    }
  }
}

resource "aws_iam_role" "this" {
  for_each             = local.components
  name                 = "${var.name}-${replace(each.key, "_", "-")}"
  description          = "IRSA role of shadowloop ${each.key} (${each.value.namespace})"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = 3600
  tags                 = var.tags
}

resource "aws_iam_role_policy" "this" {
  for_each = local.components
  name     = "access"
  role     = aws_iam_role.this[each.key].id
  policy   = data.aws_iam_policy_document.access[each.key].json
}
