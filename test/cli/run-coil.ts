/** What the CLI tests share: running `coil` as a user would, and temporary folders removed after each test. */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach } from 'vitest';

export const repository = path.resolve(__dirname, '../..');

/** Runs `node cli/bin/coil.js args` in `cwd`, without colours. */
export function coil(args: string[], cwd = repository): { status: number | null; stdout: string; stderr: string } {
    const run = spawnSync(process.execPath, [path.join(repository, 'cli/bin/coil.js'), ...args], {
        cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined }, timeout: 60_000,
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** A `tempDir()` for the calling test file; every folder it made is removed after each test. */
export function temporaryFolders(prefix: string): () => string {
    const made: string[] = [];
    afterEach(() => {
        for (const dir of made.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    });
    return () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
        made.push(dir);
        return dir;
    };
}
