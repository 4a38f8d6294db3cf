/**
 * `coil test`, `coil run` and `coil verify` as a user runs them: exit statuses, what they print,
 * the JUnit report, the batch kept in SQLite, and a tampered store caught.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import Database from 'better-sqlite3';
import sax from 'sax';
import { describe, expect, it } from 'vitest';
import { SCENARIO_FORMATS } from '@coil/runtime';
import { TEST_FORMATS } from '../../cli/src/commands/test.js';
import { coil, repository, temporaryFolders } from './run-coil.js';

const tempDir = temporaryFolders('coil-runtime-cli-');

/** A copy of the examples with one scenario line changed. */
function examplesWith(file: string, from: string, to: string): string {
    const dir = tempDir();
    fs.cpSync(path.join(repository, 'examples'), dir, { recursive: true });
    const target = path.join(dir, file);
    const text = fs.readFileSync(target, 'utf8');
    expect(text).toContain(from);
    fs.writeFileSync(target, text.replace(from, to));
    return dir;
}

describe('coil test', () => {
    it('runs every example scenario and exits 0 when all pass', () => {
        const run = coil(['test', 'examples/']);
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
        expect(run.stdout).toMatch(/21 scenarios: 21 passed, 0 failed/);
        expect(run.stdout).toContain('✓ late apheresis is quarantined until QA decides');
    });

    it('names the expectation, what happened instead and the source line, and exits 1', () => {
        const dir = examplesWith('autologous-fresh.coil', 'at 53 h expect deviation HoldExceeded open', 'at 51 h expect deviation HoldExceeded open');
        const run = coil(['test', 'autologous-fresh.coil'], dir);
        expect(run.status).toBe(1);
        const line = fs.readFileSync(path.join(dir, 'autologous-fresh.coil'), 'utf8').split('\n').findIndex(l => l.includes('at 51 h expect')) + 1;
        expect(run.stdout).toContain(`autologous-fresh.coil:${line}:5: at 51 h: expect deviation HoldExceeded open`);
        expect(run.stdout).toContain('expected: deviation HoldExceeded open');
        expect(run.stdout).toContain('actual:   HoldExceeded was never raised');
        expect(run.stdout).toMatch(/3 scenarios: 2 passed, 1 failed/);
    });

    it('fails a scenario whose action the runtime refuses, with the refusal', () => {
        const dir = examplesWith('autologous-fresh.coil', 'at 26 h start Select\n    expect step Select running', 'at 26 h start Transduce\n    expect step Select running');
        const run = coil(['test', 'autologous-fresh.coil', '--timeline'], dir);
        expect(run.status).toBe(1);
        expect(run.stdout).toContain('expected: start Transduce to be accepted');
        expect(run.stdout).toContain('actual:   refused (COIL-RT007): Transduce cannot start: it waits for Select');
        expect(run.stdout).toContain('REFUSED start-step Transduce');
    });

    it('writes a JUnit report with one test case per scenario, file and line', () => {
        const dir = examplesWith('autologous-fresh.coil', 'at 53 h expect deviation HoldExceeded open', 'at 51 h expect deviation HoldExceeded open');
        const run = coil(['test', '.', '--format', 'junit'], dir);
        expect(run.status).toBe(1);
        const cases: Array<{ name: string; file?: string; line?: string; failure: boolean }> = [];
        const parser = sax.parser(true, {});
        parser.onopentag = node => {
            if (node.name === 'testcase') cases.push({ name: String(node.attributes.name), file: node.attributes.file as string, line: node.attributes.line as string, failure: false });
            if (node.name === 'failure') cases.at(-1)!.failure = true;
        };
        parser.write(run.stdout).close();
        expect(cases).toHaveLength(21);
        expect(cases.filter(c => c.failure).map(c => c.name)).toEqual(['late apheresis is quarantined until QA decides']);
        expect(cases.every(c => c.file && Number(c.line) > 0)).toBe(true);
    });

    it('lists the report formats the runtime has', () => {
        expect([...TEST_FORMATS]).toEqual([...SCENARIO_FORMATS]);
    });
});

describe('coil run and coil verify', () => {
    it('runs a scenario on SQLite, prints its timeline, and the record verifies', () => {
        const db = path.join(tempDir(), 'plant', 'coil.db');
        const run = coil(['run', 'examples/short-cycle.coil', '--db', db, '--scenario', 'late apheresis']);
        expect(run.stderr).toBe('');
        expect(run.status).toBe(0);
        expect(run.stdout).toContain('Scenario "late apheresis: courier misses the 30 h window');
        expect(run.stdout).toMatch(/d1 11:00 +Coil +DEVIATION TransportDelayed \(major\) raised/);
        expect(run.stdout).toContain('BATCH RELEASED: DrugProduct; signed "Released for infusion; compendial sterility negative to date"');
        expect(run.stdout).toContain('Batch ShortCycle-1: released, complete;');
        expect(run.stdout).toContain(`Batch record: ${db}`);
        const again = coil(['run', 'examples/autologous-fresh.coil', '--db', db]);
        expect(again.status).toBe(0);
        expect(again.stdout).toContain('Happy path (no scenario given), batch AutologousFresh-2');
        const verify = coil(['verify', '--db', db]);
        expect(verify.status).toBe(0);
        expect(verify.stdout).toMatch(/✓ ShortCycle-1: \d+ events, \d+ signatures/);
        expect(verify.stdout).toContain('intact (2 batches');
    });

    it('names the first tampered event and exits 1', () => {
        const db = path.join(tempDir(), 'coil.db');
        expect(coil(['run', 'examples/autologous-fresh.coil', '--db', db]).status).toBe(0);
        const sqlite = new Database(db);
        for (const { name } of sqlite.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as Array<{ name: string }>) sqlite.exec(`DROP TRIGGER "${name}"`);
        const row = sqlite.prepare("SELECT seq, data FROM events WHERE type = 'value-recorded' ORDER BY seq LIMIT 1").get() as { seq: number; data: string };
        sqlite.prepare('UPDATE events SET data = ? WHERE seq = ?').run(row.data.replace('"inRange":true', '"inRange":false'), row.seq);
        sqlite.close();
        const verify = coil(['verify', '--db', db]);
        expect(verify.status).toBe(1);
        expect(verify.stdout).toContain(`✗ AutologousFresh-1: event ${row.seq}: COIL-AU001`);
        const json = JSON.parse(coil(['verify', '--db', db, '--format', 'json']).stdout);
        expect(json).toMatchObject({ intact: false, batches: [{ batch: 'AutologousFresh-1', issues: [{ code: 'COIL-AU001', seq: row.seq }] }] });
    });

    it('checks the server\'s security log too, and names an entry changed behind its back', () => {
        const db = path.join(tempDir(), 'coil.db');
        const add = spawnSync(process.execPath, [path.join(repository, 'cli/bin/coil.js'), 'users', 'add', 'alice', '--db', db, '--name', 'Alice Ng', '--role', 'QAReviewer'], { input: 'correct horse battery\n', encoding: 'utf8' });
        expect(add.status, add.stderr).toBe(0);
        expect(coil(['users', 'disable', 'alice', '--db', db, '--reason', 'left the company']).status).toBe(0);
        const intact = coil(['verify', '--db', db]);
        expect(intact.status).toBe(0);
        expect(JSON.parse(coil(['verify', '--db', db, '--format', 'json']).stdout).securityLog).toEqual({ intact: true });
        const sqlite = new Database(db);
        sqlite.exec('DROP TRIGGER security_log_no_update');
        sqlite.prepare("UPDATE security_log SET detail = json_set(detail, '$.reason', 'retired') WHERE type = 'user-disabled'").run();
        sqlite.close();
        const verify = coil(['verify', '--db', db]);
        expect(verify.status).toBe(1);
        expect(verify.stdout).toMatch(/✗ security log: entry 2: security log entry 2 \(user-disabled\) was changed after it was recorded/);
        expect(JSON.parse(coil(['verify', '--db', db, '--format', 'json']).stdout)).toMatchObject({ intact: false, securityLog: { intact: false, id: 2 } });
    });

    it('asks which process to run when there are several, and refuses a missing database', () => {
        const several = coil(['run', 'examples/']);
        expect(several.status).toBe(2);
        expect(several.stderr).toContain('coil: error COIL-E008: 4 processes: name one with --process');
        const missing = coil(['verify', '--db', path.join(tempDir(), 'none.db')]);
        expect(missing.status).toBe(2);
        expect(missing.stderr).toMatch(/COIL-E009: .*none\.db: no such database/);
        expect(coil(['run', 'examples/', '--process', 'AutologousFresh']).status).toBe(0);
    });
});
