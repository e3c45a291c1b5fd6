# The AMI follows the instance type's architecture, so a Graviton type (t4g, m7g) gets an arm64 image and
# arm64 binaries of kind and kubectl.
data "aws_ec2_instance_type" "host" {
  instance_type = var.instance_type
}

locals {
  arch            = contains(data.aws_ec2_instance_type.host.supported_architectures, "arm64") ? "arm64" : "amd64"
  kind_version    = "0.24.0"
  kubectl_version = "1.31.2"
  cluster_name    = var.name_prefix
}

data "aws_ssm_parameter" "ubuntu" {
  name = "/aws/service/canonical/ubuntu/server/24.04/stable/current/${local.arch}/hvm/ebs-gp3/ami-id"
}

resource "aws_instance" "host" {
  ami                    = data.aws_ssm_parameter.ubuntu.value
  instance_type          = var.instance_type
  key_name               = var.key_name
  subnet_id              = aws_subnet.public.id
  vpc_security_group_ids = [aws_security_group.host.id]
  iam_instance_profile   = aws_iam_instance_profile.instance.name

  user_data = templatefile("${path.module}/user-data.sh.tftpl", {
    arch              = local.arch
    kind_version      = local.kind_version
    kubectl_version   = local.kubectl_version
    cluster_name      = local.cluster_name
    service_node_port = var.service_node_port
  })
  user_data_replace_on_change = true

  # IMDSv2 only. Two hops, because the CLI reaches the instance role from inside Airflow's containers.
  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = 2
  }

  root_block_device {
    volume_size           = var.root_volume_gb
    volume_type           = "gp3"
    encrypted             = true
    delete_on_termination = true
  }

  tags = { Name = "${var.name_prefix}-host" }
}
