/** The language's editor services, for the language server (`coil lsp`). */
export { registerCodeActionResolve } from './code-actions.js';
