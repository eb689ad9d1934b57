# Two managed node groups: CPU for the services, GPU (tainted, scales from zero) for training pods.
data "aws_iam_policy_document" "node_trust" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ec2.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "node" {
  name               = "${var.name}-eks-node"
  assume_role_policy = data.aws_iam_policy_document.node_trust.json
  tags               = var.tags
}

# Nodes only join the cluster and pull images; the CNI has its own IRSA role (addons.tf) and
# workloads get theirs from the iam module, so the node role stays minimal.
resource "aws_iam_role_policy_attachment" "node" {
  for_each   = toset(["AmazonEKSWorkerNodePolicy", "AmazonEC2ContainerRegistryPullOnly"])
  role       = aws_iam_role.node.name
  policy_arn = "arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value}"
}

resource "aws_launch_template" "node" {
  for_each    = toset(["cpu", "gpu"])
  name_prefix = "${var.name}-${each.value}-"

  # IMDSv2 only, one hop: pods cannot borrow the node role through the metadata service.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 1
  }

  block_device_mappings {
    device_name = "/dev/xvda"
    ebs {
      volume_size           = var.node_volume_size_gb
      volume_type           = "gp3"
      encrypted             = true
      kms_key_id            = var.kms_key_arn
      delete_on_termination = true
    }
  }

  tag_specifications {
    resource_type = "instance"
    tags          = merge(var.tags, { Name = "${var.name}-${each.value}" })
  }

  tags = var.tags
}

resource "aws_eks_node_group" "cpu" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "cpu"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  ami_type        = "AL2023_x86_64_STANDARD"
  instance_types  = var.cpu_instance_types
  capacity_type   = "ON_DEMAND"

  scaling_config {
    min_size     = var.cpu_min_size
    desired_size = var.cpu_desired_size
    max_size     = var.cpu_max_size
  }

  launch_template {
    id      = aws_launch_template.node["cpu"].id
    version = aws_launch_template.node["cpu"].latest_version
  }

  labels = { "shadowloop.io/pool" = "cpu" }
  tags   = var.tags

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size] # the cluster autoscaler owns it
  }

  depends_on = [aws_iam_role_policy_attachment.node, aws_eks_addon.vpc_cni]
}

resource "aws_eks_node_group" "gpu" {
  cluster_name    = aws_eks_cluster.this.name
  node_group_name = "gpu-training"
  node_role_arn   = aws_iam_role.node.arn
  subnet_ids      = var.subnet_ids
  ami_type        = "AL2023_x86_64_NVIDIA" # NVIDIA driver and container toolkit preinstalled
  instance_types  = var.gpu_instance_types
  capacity_type   = var.gpu_capacity_type

  # Zero GPU nodes while nothing trains: GPUs cost only while a training pod runs.
  scaling_config {
    min_size     = 0
    desired_size = 0
    max_size     = var.gpu_max_size
  }

  launch_template {
    id      = aws_launch_template.node["gpu"].id
    version = aws_launch_template.node["gpu"].latest_version
  }

  labels = { "shadowloop.io/pool" = "gpu-training" }

  # Only pods that tolerate this taint (the training KubernetesPodOperator task) land on GPU nodes.
  taint {
    key    = "nvidia.com/gpu"
    value  = "true"
    effect = "NO_SCHEDULE"
  }

  tags = var.tags

  lifecycle {
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [aws_iam_role_policy_attachment.node, aws_eks_addon.vpc_cni]
}

# The cluster autoscaler can only scale a group up from zero if the ASG says which labels and taints
# its nodes will have.
locals {
  gpu_asg_template_tags = {
    "k8s.io/cluster-autoscaler/node-template/label/shadowloop.io/pool" = "gpu-training"
    "k8s.io/cluster-autoscaler/node-template/taint/nvidia.com/gpu"     = "true:NoSchedule"
    "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu" = "1"
  }
}

resource "aws_autoscaling_group_tag" "gpu_template" {
  for_each               = local.gpu_asg_template_tags
  autoscaling_group_name = aws_eks_node_group.gpu.resources[0].autoscaling_groups[0].name

  tag {
    key                 = each.key
    value               = each.value
    propagate_at_launch = false
  }
}
