/**
 * A shared file edited while the processes that use it are still being rebuilt: every process
 * ends up linked to the shared file's newest text, however the editor's changes interleave with
 * the server's builds (an open followed at once by an edit cancels the open's build midway).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLsp, type LspSession } from './harness.js';

let lsp: LspSession;

beforeAll(async () => {
    lsp = await startLsp();
}, 60_000);

afterAll(async () => {
    await lsp.stop();
});

describe('a shared file changed during a build', () => {
    it('relinks the processes that use it, whichever build the change interrupts', async () => {
        const fresh = await lsp.open('autologous-fresh.coil');
        await lsp.diagnosticsFor(fresh.uri, d => d.length === 0);
        const rolesFile = 'library/roles.coil';
        const roles = fs.readFileSync(path.join(lsp.workspace, rolesFile), 'utf8');
        expect(roles).toMatch(/role Operator\b/);
        const renamed = roles.replace(/role Operator\b/, 'role LineOperator');
        for (let round = 0; round < 5; round++) {
            // Opened and changed at once: the change cancels the build the open started.
            const { uri } = await lsp.open(rolesFile, roles);
            await lsp.change(uri, renamed);
            const broken = await lsp.diagnosticsFor(fresh.uri, d => d.some(x => x.code === 'COIL-R001'));
            expect(broken.find(x => x.code === 'COIL-R001')!.message).toContain('Operator');
            await lsp.change(uri, roles);
            await lsp.diagnosticsFor(fresh.uri, d => d.length === 0);
            await lsp.client.sendNotification('textDocument/didClose', { textDocument: { uri } });
        }
    });
});
