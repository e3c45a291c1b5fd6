variable "region" {
  description = "AWS region of every resource."
  type        = string
  default     = "us-east-1"
}

variable "instance_type" {
  description = "EC2 instance type of the host that runs Airflow, MLflow and the kind cluster (8 GiB of memory or more)."
  type        = string
  default     = "t3.large"
}

variable "operator_cidr" {
  description = "The only network allowed in: the operator's address as a CIDR, such as 203.0.113.7/32."
  type        = string

  validation {
    condition     = can(cidrhost(var.operator_cidr, 0)) && !startswith(var.operator_cidr, "0.0.0.0/")
    error_message = "operator_cidr must be a CIDR such as 203.0.113.7/32, and not 0.0.0.0/0."
  }
}

variable "key_name" {
  description = "Name of an existing EC2 key pair for SSH; null for none (Session Manager still works)."
  type        = string
  default     = null
}

variable "name_prefix" {
  description = "Prefix of every resource name; also the ECR repository name."
  type        = string
  default     = "healthpredict"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,19}$", var.name_prefix))
    error_message = "name_prefix must be 2 to 20 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "vpc_cidr" {
  description = "Address range of the VPC; the public subnet is its first /24."
  type        = string
  default     = "10.42.0.0/16"
}

variable "root_volume_gb" {
  description = "Size of the instance's root volume in GiB (images, Postgres, the kind node)."
  type        = number
  default     = 40
}

variable "service_node_port" {
  description = "NodePort of the model service in the kind cluster, mapped to the same port on the host."
  type        = number
  default     = 30080
}

variable "force_destroy" {
  description = "Let `terraform destroy` delete the bucket and the repository even when they still hold objects or images."
  type        = bool
  default     = true
}

variable "github_repository" {
  description = "GitHub repository (owner/name) whose Actions may push images through OIDC; empty for no GitHub role."
  type        = string
  default     = ""

  validation {
    condition     = var.github_repository == "" || can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name, or empty."
  }
}
