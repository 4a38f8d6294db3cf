/** The machine format: every diagnostic with its code, severity, file and 1-based range. */
import type { Reporter } from './reporter.js';

export const jsonReporter: Reporter = (result, { toolVersion }) => JSON.stringify({
    tool: { name: 'coil', version: toolVersion },
    files: result.files.map(f => f.file),
    summary: { errors: result.counts.error, warnings: result.counts.warning, infos: result.counts.info },
    diagnostics: result.diagnostics,
}, null, 2) + '\n';
