export { billedResources, type BilledResource } from './costs.js';
export { checkAwsCredentials, CREDENTIALS_FIX } from './credentials.js';
export { setConfigValues, unsetConfigValues } from './config-file.js';
export {
  configFromOutputs,
  parseTerraformOutputs,
  REQUIRED_OUTPUTS,
  STORE_PREFIX,
  type StackConfigValues,
  type TerraformOutput,
  type TerraformOutputs,
} from './outputs.js';
export { PACKAGE_ROOT, resolveIacDir, SHIPPED_IAC_DIR, WORKING_IAC_DIR } from './paths.js';
export {
  infraDown,
  infraOutput,
  infraStatus,
  infraUp,
  type InfraDownOptions,
  type InfraDownResult,
  type InfraOutputOptions,
  type InfraOutputResult,
  type InfraStatusOptions,
  type InfraStatusResult,
  type InfraUpOptions,
  type InfraUpResult,
} from './stack.js';
export { runTerraform, TERRAFORM_MISSING_FIX, type TerraformRun } from './terraform.js';
export { checkOperatorCidr, DEFAULT_REGION, VARIABLES_FILE, type StackVariables } from './variables.js';
export { writeTemplates, type InitOptions, type InitResult } from './templates.js';
