data "aws_availability_zones" "available" {
  state = "available"
}

resource "aws_vpc" "main" {
  cidr_block           = var.vpc_cidr
  enable_dns_support   = true
  enable_dns_hostnames = true

  tags = { Name = "${var.name_prefix}-vpc" }
}

resource "aws_internet_gateway" "main" {
  vpc_id = aws_vpc.main.id

  tags = { Name = "${var.name_prefix}-igw" }
}

resource "aws_subnet" "public" {
  vpc_id                  = aws_vpc.main.id
  cidr_block              = cidrsubnet(var.vpc_cidr, 8, 0)
  availability_zone       = data.aws_availability_zones.available.names[0]
  map_public_ip_on_launch = true

  tags = { Name = "${var.name_prefix}-public" }
}

resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id

  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }

  tags = { Name = "${var.name_prefix}-public" }
}

resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}

# Everything the operator reaches on the host, and nothing else: SSH, the Airflow UI, the MLflow UI and the
# model service's NodePort. Each rule admits the operator's CIDR alone.
locals {
  operator_ports = {
    ssh     = 22
    mlflow  = 5000
    airflow = 8080
    serving = var.service_node_port
  }
}

resource "aws_security_group" "host" {
  name        = "${var.name_prefix}-host"
  description = "Operator access to the healthpredict host"
  vpc_id      = aws_vpc.main.id

  tags = { Name = "${var.name_prefix}-host" }
}

resource "aws_vpc_security_group_ingress_rule" "operator" {
  for_each = local.operator_ports

  security_group_id = aws_security_group.host.id
  description       = "${each.key} from the operator"
  ip_protocol       = "tcp"
  from_port         = each.value
  to_port           = each.value
  cidr_ipv4         = var.operator_cidr
}

# The host pulls packages, images and the kind and kubectl binaries, and talks to S3 and ECR.
resource "aws_vpc_security_group_egress_rule" "all" {
  security_group_id = aws_security_group.host.id
  description       = "All outbound traffic"
  ip_protocol       = "-1"
  cidr_ipv4         = "0.0.0.0/0"
}
