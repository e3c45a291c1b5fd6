#!/usr/bin/env node
// Runs the CLI from the TypeScript sources without a build (needs `npx tsx`).
import { execute } from '@oclif/core';

await execute({ development: true, dir: import.meta.url });
