import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

export interface ManifestFlag {
  name: string;
  type: 'boolean' | 'option';
  options?: string[];
  multiple?: boolean;
  required?: boolean;
  char?: string;
}

export interface ManifestCommand {
  id: string;
  flags: Record<string, ManifestFlag>;
  args: Record<string, { name: string; required?: boolean }>;
}

export interface Manifest {
  commands: Record<string, ManifestCommand>;
}

/**
 * The CLI's oclif manifest, made from the built commands in dist/ as `npx oclif manifest` makes
 * oclif.manifest.json (the same @oclif/core Plugin, ignoring any manifest file already there, which may be
 * older than dist/). Made in a child process, so that loading every command stays out of the test's process.
 */
export function loadManifest(): Manifest {
  if (!existsSync(join(root, 'dist/commands'))) {
    throw new Error(`${join(root, 'dist')} is missing: run \`npm run build\` first`);
  }
  const script = `
    const { Plugin } = await import('@oclif/core');
    const plugin = new Plugin({ root: ${JSON.stringify(root)}, type: 'core', ignoreManifest: true, errorOnManifestCreate: true, respectNoCacheDefault: true });
    await plugin.load();
    process.stdout.write(JSON.stringify(plugin.manifest));
  `;
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output) as Manifest;
}
