import { UserError } from '../errors/index.js';
import { LocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';

export type { ObjectStore } from './object-store.js';
export { LocalStore } from './local-store.js';

/** Opens the store a URI names: a directory path or `file://` URI. */
export function openStore(uri: string): ObjectStore {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri) && !uri.startsWith('file://')) {
    const scheme = uri.split(':')[0];
    throw new UserError(
      `the store "${uri}" uses the scheme ${scheme}://, which this build cannot open`,
      'give a directory path (the default is ./.healthpredict/store)',
    );
  }
  return new LocalStore(uri);
}
