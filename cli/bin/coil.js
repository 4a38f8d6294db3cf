#!/usr/bin/env node
// The polyfill must be evaluated before Langium (chevrotain) loads: ESM evaluates imports in order.
import '@coil/language/polyfills';
import { main } from '../dist/index.js';

process.exitCode = await main(process.argv);
