output "region" {
  description = "AWS region of the stack."
  value       = var.region
}

output "instance_id" {
  description = "ID of the host (for Session Manager: aws ssm start-session --target <id>)."
  value       = aws_instance.host.id
}

output "instance_public_ip" {
  description = "Public IPv4 address of the host."
  value       = aws_instance.host.public_ip
}

output "instance_public_dns" {
  description = "Public DNS name of the host."
  value       = aws_instance.host.public_dns
}

output "bucket" {
  description = "S3 bucket of the object store and of MLflow's artifacts."
  value       = aws_s3_bucket.artifacts.bucket
}

output "ecr_repository_uri" {
  description = "ECR repository URI for the serving image."
  value       = aws_ecr_repository.serving.repository_url
}

output "instance_role" {
  description = "Name of the IAM role the host runs as."
  value       = aws_iam_role.instance.name
}

output "instance_role_arn" {
  description = "ARN of the IAM role the host runs as."
  value       = aws_iam_role.instance.arn
}

output "github_actions_role_arn" {
  description = "ARN of the role GitHub Actions assume through OIDC; empty without github_repository."
  value       = local.github_enabled ? aws_iam_role.github_actions[0].arn : ""
}

output "mlflow_url" {
  description = "MLflow UI and tracking server, once the Compose stack runs on the host."
  value       = "http://${aws_instance.host.public_dns}:5000"
}

output "airflow_url" {
  description = "Airflow UI, once the Compose stack runs on the host."
  value       = "http://${aws_instance.host.public_dns}:8080"
}
