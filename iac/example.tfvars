# Copy to terraform.tfvars (ignored by git) or pass the values as `healthpredict infra up` flags.
region        = "us-east-1"
instance_type = "t3.large"
operator_cidr = "203.0.113.7/32"
key_name      = null
name_prefix   = "healthpredict"
