#!/usr/bin/env node
// The polyfill must be evaluated before Langium (chevrotain) loads: ESM evaluates imports in order.
import '@coil/language/polyfills';
import { main } from '../dist/index.js';

// A reader that stops early (`coil check | head -1`) closes the pipe: stop quietly, as other tools do.
for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', error => {
        if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
        throw error;
    });
}

process.exitCode = await main(process.argv);
