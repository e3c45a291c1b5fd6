/** Resource types of the stack that are billed while they exist, and how. */
const BILLED: Record<string, string> = {
  aws_instance: 'EC2 instance: billed per hour, with its public IPv4 address and EBS volume',
  aws_ebs_volume: 'EBS volume: billed per GB-month',
  aws_eip: 'Elastic IP: billed per hour',
  aws_nat_gateway: 'NAT gateway: billed per hour and per GB',
  aws_s3_bucket: 'S3 bucket: billed per GB-month for its objects and their old versions',
  aws_ecr_repository: 'ECR repository: billed per GB-month for its images',
};

export interface BilledResource {
  address: string;
  cost: string;
}

/** The resources among Terraform state addresses (`aws_instance.host`, `module.m.aws_eip.ip[0]`) that cost money. */
export function billedResources(addresses: string[]): BilledResource[] {
  return addresses.flatMap((address) => {
    const local = address.replace(/^(module\.[^.]+\.)+/, '');
    if (local.startsWith('data.')) return [];
    const cost = BILLED[local.split('.')[0]];
    return cost ? [{ address, cost }] : [];
  });
}
