/**
 * The language server bundled into the extension (dist/server.js): the CLI's `coil lsp`, started
 * on the transport VS Code gives on the command line (node IPC, or `--stdio`). The polyfill comes
 * first: Langium's parser needs Object.groupBy, which the Node 20 inside VS Code lacks.
 */
import '@coil/language/polyfills';
import { startServer } from '@coil/cli/dist/lsp/server.js';

void startServer();
