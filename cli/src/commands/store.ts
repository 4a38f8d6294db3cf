/** Opening the store a command runs on: a SQLite file with --db, else memory. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Store } from '@coil/runtime';

export async function openStore(db: string | undefined, options: { mustExist: boolean }): Promise<Store> {
    const { CoilInputError } = await import('@coil/language');
    const runtime = await import('@coil/runtime');
    if (db === undefined) return new runtime.MemoryStore();
    if (options.mustExist && !fs.existsSync(db)) throw new CoilInputError('COIL-E009', `${db}: no such database`);
    try {
        if (!options.mustExist) fs.mkdirSync(path.dirname(path.resolve(db)), { recursive: true });
        return runtime.SqliteStore.open(db);
    } catch (e) {
        const code = (e as { code?: string }).code;
        throw new CoilInputError('COIL-E009', `${db}: ${code && code.startsWith('COIL-') ? `${code}: ` : ''}${(e as Error).message}`);
    }
}
