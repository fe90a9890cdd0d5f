#!/usr/bin/env node
// Runs the TypeScript CLI straight from source, so `billow` works after a plain `npm install`.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
