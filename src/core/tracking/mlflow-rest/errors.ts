import { EXIT_CODES, ExternalError, UserError } from '../../errors/index.js';
import { MlflowApiError } from './http-client.js';

const REFUSED_CODES = new Set([
  'INVALID_PARAMETER_VALUE',
  'RESOURCE_ALREADY_EXISTS',
  'INVALID_STATE',
  'BAD_REQUEST',
  'MALFORMED_REQUEST',
]);
const DENIED_CODES = new Set(['PERMISSION_DENIED', 'UNAUTHENTICATED', 'CUSTOMER_UNAUTHORIZED']);

/**
 * The error to report for a failed call, chosen by MLflow's `error_code` and the HTTP status, never by the
 * message: a refused value or a missing resource is the user's to fix, denied access needs credentials, a
 * route the server does not have means the URI is not an MLflow 2.x server, and anything else is the server
 * failing. `action` says what was being done (`create the run`).
 */
export function storeError(error: unknown, server: string, action: string): Error {
  if (!(error instanceof MlflowApiError)) return error as Error;
  const said = summary(error.serverMessage);
  const code = error.errorCode;

  if (code === 'RESOURCE_DOES_NOT_EXIST') {
    return new UserError(
      `cannot ${action}: ${said}`,
      'check the name or id against the MLflow server',
      EXIT_CODES.notFound,
    );
  }
  if (code !== undefined && REFUSED_CODES.has(code)) {
    return new UserError(
      `the MLflow server ${server} refused to ${action} (${code}): ${said}`,
      'fix the value the server names',
    );
  }
  if (
    (code !== undefined && DENIED_CODES.has(code)) ||
    error.httpStatus === 401 ||
    error.httpStatus === 403
  ) {
    return new UserError(
      `the MLflow server ${server} denied the request to ${action} (HTTP ${error.httpStatus})`,
      'set MLFLOW_TRACKING_TOKEN, or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, for a user allowed to do it',
    );
  }
  if (code === undefined && (error.httpStatus === 404 || error.httpStatus === 405)) {
    return new ExternalError(
      'MLflow',
      `${server} does not serve ${error.endpoint} (HTTP ${error.httpStatus}: ${said}); ` +
        'MLFLOW_TRACKING_URI must name an MLflow 2.x tracking server',
      { status: error.httpStatus },
    );
  }
  return error;
}

/** The first line of a server message, short: MLflow's can carry whole SQL statements. */
function summary(message: string): string {
  const line = message.split('\n')[0].trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
