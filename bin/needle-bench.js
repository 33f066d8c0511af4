#!/usr/bin/env node
// Entry point: the harness is written in TypeScript and run through tsx, so there is no build step
// between `npm ci` and the first command.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
