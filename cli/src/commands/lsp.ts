/** `coil lsp --stdio`: the language server, for VS Code and any other LSP client (Neovim, Emacs, Helix). */
import type { Command } from 'commander';
import type { Io } from '../index.js';

export function registerLsp(program: Command, _io: Io, setStatus: (code: number) => void): void {
    program
        .command('lsp')
        .description('start the Coil language server (Language Server Protocol) for an editor; it talks JSON-RPC over standard input and output')
        .option('--stdio', 'talk over standard input and output (the default)')
        .action(async () => {
            if (!process.argv.includes('--stdio')) process.argv.push('--stdio');
            const { startServer } = await import('../lsp/server.js');
            await startServer();
            setStatus(0);
        });
}
