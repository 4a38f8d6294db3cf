/**
 * `coil verify --db <file>`: check every batch's audit trail in a SQLite store: the hash chain,
 * the batch heads, and the signatures' binding. Exit 0 when intact, 1 naming the first bad event.
 */
import { Command, Option } from 'commander';
import { EXIT, type Io } from '../index.js';
import { useColor } from './check.js';
import { openStore } from './store.js';

interface VerifyFlags {
    db: string;
    batch?: string;
    format: 'text' | 'json';
    color?: boolean;
}

export function registerVerify(program: Command, io: Io, setStatus: (code: number) => void): void {
    program
        .command('verify')
        .description('verify the audit trail of every batch in a store; exit 0 when intact, 1 when an event or signature was tampered with, 2 on usage or I/O errors')
        .requiredOption('--db <file>', 'the SQLite store to verify')
        .option('--batch <id>', 'verify only this batch')
        .addOption(new Option('-f, --format <format>', 'report format').choices(['text', 'json']).default('text'))
        .option('--color', 'colour the report even when not on a terminal')
        .option('--no-color', 'never colour the report')
        .action(async (flags: VerifyFlags) => {
            const { CoilInputError } = await import('@coil/language');
            const { verifyBatch } = await import('@coil/runtime');
            const store = await openStore(flags.db, { mustExist: true });
            try {
                const rows = await store.batches();
                const batches = flags.batch ? rows.filter(r => r.batch === flags.batch) : rows;
                if (flags.batch && batches.length === 0) throw new CoilInputError('COIL-E008', `${flags.db} has no batch ${flags.batch}`);
                const results = [];
                for (const row of batches) {
                    const [events, signatures] = await Promise.all([store.events(row.batch), store.signatures(row.batch)]);
                    results.push({ batch: row.batch, events: events.length, signatures: signatures.length, issues: verifyBatch(row.batch, events, signatures, { version: row.version, head: row.head }) });
                }
                // The server's security log, when the store holds its accounts (schema 3 and later).
                let securityLog: { id: number; message: string } | null = null;
                const { SqliteStore } = await import('@coil/runtime');
                if (!flags.batch && store instanceof SqliteStore && store.connection.prepare("SELECT 1 FROM sqlite_master WHERE name = 'security_log'").get()) {
                    const { SqliteDirectory } = await import('@coil/runtime/server');
                    securityLog = new SqliteDirectory(store.connection).verifySecurityLog();
                }
                const bad = results.filter(r => r.issues.length > 0);
                if (flags.format === 'json') {
                    io.stdout.write(`${JSON.stringify({ database: flags.db, intact: bad.length === 0 && !securityLog, batches: results, securityLog: securityLog ? { intact: false, ...securityLog } : { intact: true } }, null, 2)}\n`);
                } else {
                    const color = useColor(flags, io);
                    const c = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
                    for (const r of results) {
                        if (r.issues.length === 0) io.stdout.write(`  ${c('32', '✓')} ${r.batch}: ${r.events} events, ${r.signatures} signatures\n`);
                        else for (const issue of r.issues) io.stdout.write(`  ${c('31', '✗')} ${r.batch}: ${issue.seq !== null ? `event ${issue.seq}: ` : ''}${issue.code}: ${issue.message}\n`);
                    }
                    if (securityLog) io.stdout.write(`  ${c('31', '✗')} security log: entry ${securityLog.id}: ${securityLog.message}\n`);
                    const events = results.reduce((n, r) => n + r.events, 0);
                    io.stdout.write(bad.length === 0 && !securityLog
                        ? `${flags.db}: intact (${results.length} batch${results.length === 1 ? '' : 'es'}, ${events} events)\n`
                        : `${flags.db}: ${c('31', bad.length > 0 ? `${bad.length} of ${results.length} batches tampered with` : 'the security log was tampered with')}\n`);
                }
                setStatus(bad.length === 0 && !securityLog ? EXIT.ok : EXIT.errors);
            } finally {
                await store.close();
            }
        });
}
