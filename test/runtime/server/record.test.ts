/**
 * The batch-record export (runtime/src/server/record.ts), of a real batch: the flagship process
 * (AutologousFresh) driven to release by the autopilot on an SQLite store, with a correction whose
 * reason is markup, a text value that is markup and a nurse whose printed name is markup. The JSON
 * must hold every event and signature with ISO times; the HTML must open offline in headless
 * Chromium with no request or error, show every signature's printed name, UTC date-time and
 * meaning, show markup as text, and warn when the trail does not verify.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { SignedWorkflow } from '@coil/compiler/ir';
import {
    Plant, replay, runAutopilot, Runtime, SqliteStore, verifyBatch, VirtualClock,
    type AutopilotResult, type BatchRow, type RecordedEvent, type StoredSignature, type VerifyIssue,
} from '@coil/runtime';
import { batchRecord, batchRecordHtml, RECORD_FORMAT, type RecordInput } from '../../../runtime/dist/server/record.js';
import { launchChromium, openFile, pdfPageCount, problems, type OpenedPage } from '../../browser/chromium.js';

const root = path.resolve(__dirname, '../../..');
const fresh = JSON.parse(fs.readFileSync(path.join(root, 'test/compiler/golden/AutologousFresh.workflow.json'), 'utf8')) as SignedWorkflow;

const BATCH = 'B-EXPORT-1';
const INJECTION = '<script>alert(1)</script>';
const LOT = `<img src=x onerror="alert('lot')">`;
const NURSE = `Nurse <b>O'Brien</b> & "Co"`;
const EXPORTED_AT = Date.parse('2027-02-01T09:30:00Z');
const EXPORTER = { user: 'qa.reviewer.1', name: 'Quinn A. Reviewer' };

/** `2027-01-04 08:15:00 UTC`, computed here independently of the module under test. */
const utc = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.000Z$/, ' UTC');
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

let browser: Browser;
let temporary: string;
let store: SqliteStore;
let driven: AutopilotResult;
let events: RecordedEvent[];
let signatures: StoredSignature[];
let row: BatchRow;
let input: RecordInput;

beforeAll(async () => {
    temporary = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-record-'));
    browser = await launchChromium();
    store = SqliteStore.open(':memory:');
    let collectStarted = false;
    let purityEntries = 0;
    driven = await runAutopilot(fresh, {
        store, batch: BATCH,
        valueFor: parameter => (parameter === 'parameter:Transduce.vector_lot' ? { kind: 'text', text: LOT } : undefined),
        intervene: async (plant, state) => {
            // The nurse starts Collect under a printed name full of markup; the autopilot keeps her as its performer and signer.
            if (!collectStarted) {
                collectStarted = true;
                const outcome = await plant.exec({ type: 'start-step', step: 'step:Collect' }, { ...plant.cast.holder('role:ApheresisNurse'), name: NURSE });
                expect(outcome.ok, outcome.ok ? '' : outcome.reason).toBe(true);
                return true;
            }
            // Select's purity entered with a reason that is a script, then corrected (old → new).
            if (state.nodes['step:Select']?.status === 'running' && purityEntries < 2) {
                purityEntries += 1;
                const [value, reason] = purityEntries === 1 ? [95, INJECTION] : [96, 'transcription error'];
                const outcome = await plant.exec(
                    { type: 'record-value', parameter: 'parameter:Select.purity', value: { kind: 'quantity', value, unit: '%' } },
                    plant.performerOf(state, 'step:Select'), { reason });
                expect(outcome.ok, outcome.ok ? '' : outcome.reason).toBe(true);
                return true;
            }
            return false;
        },
    });
    expect(driven.stuck).toBeNull();
    expect(driven.status).toBe('released');
    events = await store.events(BATCH);
    signatures = await store.signatures(BATCH);
    row = (await store.batch(BATCH))!;
    const issues = verifyBatch(BATCH, events, signatures, { version: row.version, head: row.head });
    expect(issues).toEqual([]);
    input = {
        definition: await driven.runtime.definition(row.definition), row, state: replay(events)!, events, signatures, issues,
        exportedAt: EXPORTED_AT, exportedBy: EXPORTER,
    };
});

afterAll(async () => {
    await browser?.close();
    await store?.close();
    if (temporary) fs.rmSync(temporary, { recursive: true, force: true });
});

/** Writes an export to a file and opens it offline. */
async function open(name: string, html: string): Promise<OpenedPage & { file: string }> {
    const file = path.join(temporary, `${name}.html`);
    fs.writeFileSync(file, html);
    return { ...(await openFile(browser, file)), file };
}

describe('the JSON batch record', () => {
    it('holds every event of the batch, in order, with ISO times, its signatures and its hash', () => {
        const doc = batchRecord(input);
        expect(doc.format).toBe(RECORD_FORMAT);
        expect(doc).toMatchObject({ batch: BATCH, identity: 'W1234260001233', status: 'released', training: false, version: events.length, head: row.head });
        expect(doc.process).toEqual({ id: fresh.process.id, name: 'AutologousFresh', title: fresh.process.title, version: '3.1.0', digest: fresh.digest });
        expect(doc.events.map(e => e.seq)).toEqual(events.map((_, i) => i + 1));
        for (const [i, e] of doc.events.entries()) {
            const stored = events[i];
            expect(e.time).toMatch(ISO);
            expect(Date.parse(e.time)).toBe(stored.time);
            expect(e).toMatchObject({ type: stored.type, user: stored.user, name: stored.name, role: stored.role, reason: stored.reason, hash: stored.hash, prev: stored.prev });
            expect(e.changes).toEqual(stored.changes);
            expect(e.signatures.map(s => [s.name, s.meaning, Date.parse(s.time)])).toEqual(stored.signatures.map(s => [s.name, s.meaning, s.time]));
            for (const s of e.signatures) expect(s.time).toMatch(ISO);
            expect(e.description.length).toBeGreaterThan(0);
        }
        expect(doc.events.find(e => e.type === 'batch-released')!.description).toContain('BATCH RELEASED');
        expect(doc.startedAt).toBe(new Date(events[0].time).toISOString());
    });

    it('lists every signature record, bound to the hash of the event it signs, with printed name, ISO time and meaning', () => {
        const doc = batchRecord(input);
        expect(signatures.length).toBeGreaterThan(10);
        expect(doc.signatures).toHaveLength(signatures.length);
        for (const [i, s] of doc.signatures.entries()) {
            const stored = signatures[i];
            expect(s).toMatchObject({ seq: stored.seq, user: stored.user, name: stored.name, meaning: stored.meaning, signed: stored.signed, hash: stored.hash, bound: true });
            expect(s.time).toMatch(ISO);
            expect(Date.parse(s.time)).toBe(stored.time);
            expect(s.event).toBe(events[stored.seq - 1].type);
        }
        // The nurse's markup name is data, kept as written.
        expect(doc.signatures.some(s => s.name === NURSE && s.meaning === 'Collected by')).toBe(true);
    });

    it('states that the chain verified, who exported it and when, and that no deviation is open', () => {
        const doc = batchRecord(input);
        expect(doc.integrity).toEqual({ verified: true, issues: [] });
        expect(doc.exported).toEqual({ at: '2027-02-01T09:30:00.000Z', by: EXPORTER });
        expect(doc.openDeviations).toEqual([]);
        expect(JSON.parse(JSON.stringify(doc))).toEqual(doc);
    });

    it('keeps the correction with its old and new value and its reason', () => {
        const doc = batchRecord(input);
        const purity = doc.events.filter(e => e.type === 'value-recorded' && e.data.parameter === 'parameter:Select.purity');
        expect(purity.map(e => e.reason)).toEqual([INJECTION, 'transcription error']);
        expect(purity[1].changes).toEqual([{ field: expect.stringContaining('purity'), old: '95 %', new: '96 %' }]);
    });

    it('refuses to pair a batch with a definition it does not run on', () => {
        expect(() => batchRecord({ ...input, row: { ...row, definition: `sha256:${'1'.repeat(64)}` } })).toThrow(/runs on definition/);
    });
});

describe('the HTML batch record', () => {
    it('is one self-contained file: CSP, inline style, no script or external resource', () => {
        const html = batchRecordHtml(input);
        expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
        expect(html).toContain('<meta charset="utf-8">');
        expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
        expect(html).toMatch(/<style>[^]*@page\{size:A4/);
        expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/i);
        expect(html).not.toMatch(/@import|url\(/i);
        expect(html).not.toMatch(/\son\w+\s*=\s*["']?alert/i);
        expect(batchRecordHtml(input)).toBe(html);
    });

    it('opens offline in Chromium with no request, console message or page error, and shows the header', async () => {
        const opened = await open('released', batchRecordHtml(input));
        try {
            expect(opened.requests).toEqual([pathToFileURL(opened.file).href]);
            expect(problems(opened.console)).toEqual([]);
            expect(opened.pageErrors).toEqual([]);
            const header = await opened.page.locator('header').innerText();
            for (const expected of ['AutologousFresh', '3.1.0', fresh.digest, BATCH, 'W1234 26 000123 3', 'RELEASED', `${events.length} events, ${signatures.length} signatures`]) {
                expect(header).toContain(expected);
            }
            expect(await opened.page.locator('.banner.training').count()).toBe(0);
            expect(await opened.page.title()).toBe(`Batch record ${BATCH}: AutologousFresh 3.1.0`);
            const integrity = await opened.page.locator('#integrity').innerText();
            expect(integrity).toContain('Hash chain verified');
            expect(integrity).not.toContain('FAILED');
            const footer = await opened.page.locator('footer').innerText();
            expect(footer).toContain(`Exported ${utc(EXPORTED_AT)} by ${EXPORTER.name} (${EXPORTER.user})`);
            expect(footer).toContain(row.head);
            expect(await opened.page.locator('#deviations').innerText()).toContain('No open deviations.');
        } finally {
            await opened.close();
        }
    });

    it('shows every signature with printed name, user id, UTC date and time, meaning, the event it signs and its bound hash', async () => {
        const opened = await open('signatures', batchRecordHtml(input));
        try {
            const rows = opened.page.locator('table.signatures tbody tr');
            expect(await rows.count()).toBe(signatures.length);
            for (const [i, s] of signatures.entries()) {
                const row = rows.nth(i);
                expect(await row.isVisible()).toBe(true);
                const cells = await row.locator('td').allInnerTexts();
                expect(cells.slice(0, 4)).toEqual([s.name, s.user, utc(s.time), s.meaning]);
                expect(cells[4]).toBe(`${s.seq} ${events[s.seq - 1].type}`);
                expect(cells[5]).toBe(`${s.signed.slice(0, 19)}…`);
            }
            // On the signed event itself too (21 CFR 11.50: the manifestation is part of the record).
            const trail = await opened.page.locator('table.trail').innerText();
            for (const s of signatures) expect(trail).toContain(`Signed “${s.meaning}” by ${s.name} (${s.user}), ${utc(s.time)}`);
        } finally {
            await opened.close();
        }
    });

    it('lists the audit trail: seq, UTC time, who, what, old → new and why', async () => {
        const opened = await open('trail', batchRecordHtml(input));
        try {
            const rows = opened.page.locator('table.trail tbody tr');
            expect(await rows.count()).toBe(events.length);
            const correction = events.find(e => e.reason === 'transcription error')!;
            const cells = await rows.nth(correction.seq - 1).locator('td').allInnerTexts();
            expect(cells[0]).toContain(String(correction.seq));
            expect(cells[1]).toBe(utc(correction.time));
            expect(cells[2]).toContain(correction.name);
            expect(cells[2]).toContain(correction.user);
            expect(cells[2]).toContain('Operator');
            expect(cells[3]).toContain('Select.purity = 96 %');
            expect(cells[4]).toMatch(/purity: 95 % → 96 %/);
            expect(cells[5]).toBe('transcription error');
        } finally {
            await opened.close();
        }
    });

    it('shows a script in a reason, markup in a value and in a printed name as text, and runs nothing', async () => {
        const opened = await open('escaping', batchRecordHtml(input));
        const dialogs: string[] = [];
        opened.page.on('dialog', dialog => {
            dialogs.push(dialog.message());
            void dialog.dismiss();
        });
        try {
            await opened.page.reload({ waitUntil: 'load' });
            expect(await opened.page.locator('script').count()).toBe(0);
            expect(await opened.page.locator('img').count()).toBe(0);
            expect(await opened.page.locator('b').count()).toBe(0);
            const reasonRow = opened.page.locator('table.trail tbody tr', { hasText: INJECTION });
            expect(await reasonRow.count()).toBe(1);
            expect(await reasonRow.locator('td').last().innerText()).toBe(INJECTION);
            const body = await opened.page.locator('body').innerText();
            expect(body).toContain(`Transduce.vector_lot = "${LOT}"`);
            expect(body).toContain(NURSE);
            expect(dialogs).toEqual([]);
            expect(opened.pageErrors).toEqual([]);
            expect(opened.requests.every(r => r === pathToFileURL(opened.file).href)).toBe(true);
        } finally {
            await opened.close();
        }
    });

    it('prints on A4: the audit trail and the signatures each start a new page, and every table fits the page width', async () => {
        // The width between A4's margins (210 mm - 2 × 12 mm) at 96 px per inch.
        const a4 = Math.floor((186 / 25.4) * 96);
        const file = path.join(temporary, 'print.html');
        fs.writeFileSync(file, batchRecordHtml(input));
        const opened = await openFile(browser, file, { viewport: { width: a4, height: 1000 } });
        try {
            const pdf = await opened.page.pdf({ format: 'A4', preferCSSPageSize: true });
            expect(pdfPageCount(pdf)).toBeGreaterThanOrEqual(3);
            await opened.page.emulateMedia({ media: 'print' });
            const breaks = await opened.page.evaluate(() => ['#audit-trail', '#signatures', '#integrity'].map(s => getComputedStyle(document.querySelector(s)!).breakBefore));
            expect(breaks).toEqual(['page', 'page', 'auto']);
            expect(await opened.page.evaluate(() => getComputedStyle(document.querySelector('table.trail thead')!).display)).toBe('table-header-group');
            const widths = await opened.page.evaluate(() => Array.from(document.querySelectorAll('table')).map(t => ({ table: t.className, width: t.scrollWidth, page: document.body.clientWidth })));
            expect(widths.map(w => w.table)).toEqual(['trail', 'signatures', 'deviations']);
            for (const w of widths) expect(w.width, w.table).toBeLessThanOrEqual(w.page);
        } finally {
            await opened.close();
        }
    });
});

describe('a batch with a deviation open', () => {
    it('lists the deviation, its severity, when it was raised and what it does, in the JSON and the HTML', async () => {
        // A dose out of range quarantines the drug product: the batch waits for QA's disposition.
        const stopped = await runAutopilot(fresh, {
            store, batch: 'B-EXPORT-2',
            valueFor: parameter => (parameter === 'parameter:Formulate.dose' ? { kind: 'quantity', value: 5, unit: '10*6.{cells}/kg' } : undefined),
        });
        expect(stopped.stuck).toMatch(/quarantined by deviation DoseOutOfRange/);
        const list = await store.events('B-EXPORT-2');
        const sigs = await store.signatures('B-EXPORT-2');
        const stoppedRow = (await store.batch('B-EXPORT-2'))!;
        const issues = verifyBatch('B-EXPORT-2', list, sigs, { version: stoppedRow.version, head: stoppedRow.head });
        const open2: RecordInput = { ...input, row: stoppedRow, events: list, signatures: sigs, state: replay(list)!, issues };
        const doc = batchRecord(open2);
        expect(doc.status).toBe('in_progress');
        const raised = list.find(e => e.type === 'deviation-raised')!;
        expect(doc.openDeviations).toEqual([{
            instance: 'deviation:DoseOutOfRange#1', deviation: 'deviation:DoseOutOfRange', name: 'DoseOutOfRange', severity: 'major',
            raisedAt: new Date(raised.time).toISOString(), trigger: { kind: 'out-of-range', source: 'parameter:Formulate.dose' },
            recurrences: 0, holdsBatch: false, quarantines: ['material:DrugProduct'], blocksRelease: true,
        }]);
        const opened = await open('deviation', batchRecordHtml(open2));
        try {
            const rows = opened.page.locator('#deviations tbody tr');
            expect(await rows.count()).toBe(1);
            const cells = await rows.first().locator('td').allInnerTexts();
            expect(cells[0]).toContain('DoseOutOfRange');
            expect(cells[1]).toBe('MAJOR');
            expect(cells[2]).toBe(utc(raised.time));
            expect(cells[3]).toBe('out of range (Formulate.dose)');
            expect(cells[4]).toBe('quarantines DrugProduct, blocks release');
            expect(await opened.page.locator('header').innerText()).toContain('1 open deviation');
        } finally {
            await opened.close();
        }
    });
});

describe('a record that does not verify', () => {
    /** The stored record with the reason of the corrected purity rewritten in place, as someone editing the database would. */
    function edited(): { events: RecordedEvent[]; issues: VerifyIssue[]; seq: number } {
        const target = events.find(e => e.reason === 'transcription error')!;
        const list = events.map(e => (e.seq === target.seq ? { ...e, reason: 'no reason needed' } : e));
        return { events: list, issues: verifyBatch(BATCH, list, signatures, { version: row.version, head: row.head }), seq: target.seq };
    }

    it('says so in the JSON', () => {
        const { events: list, issues, seq } = edited();
        expect(issues.map(i => `${i.code}@${i.seq}`)).toEqual([`COIL-AU001@${seq}`]);
        const doc = batchRecord({ ...input, events: list, state: replay(list)!, issues });
        expect(doc.integrity).toEqual({ verified: false, issues });
    });

    it('shows the integrity warning first, names the problem and marks the event', async () => {
        const { events: list, issues, seq } = edited();
        const opened = await open('tampered', batchRecordHtml({ ...input, events: list, state: replay(list)!, issues }));
        try {
            const warning = opened.page.locator('#integrity.failed');
            expect(await warning.isVisible()).toBe(true);
            const text = await warning.innerText();
            expect(text).toContain('INTEGRITY CHECK FAILED');
            expect(text).toContain(`COIL-AU001 at event ${seq}`);
            expect(text).toContain(issues[0].message);
            expect(text).not.toContain('Hash chain verified');
            // Before the trail itself, so that nobody reads the record without seeing it.
            const order = await opened.page.evaluate(() => Array.from(document.querySelectorAll("section")).map(s => s.id));
            expect(order.indexOf('integrity')).toBeLessThan(order.indexOf('audit-trail'));
            const flagged = opened.page.locator('table.trail tbody tr.flagged');
            expect(await flagged.count()).toBe(1);
            expect(await flagged.locator('td').last().innerText()).toBe('no reason needed');
        } finally {
            await opened.close();
        }
    });

    it('marks a signature moved to another event as not bound', async () => {
        // The first signature record moved onto the next event, as if that event had been signed.
        const moved = signatures.map((s, i) => (i === 0 ? { ...s, seq: s.seq + 1 } : s));
        const issues = verifyBatch(BATCH, events, moved, { version: row.version, head: row.head });
        expect(issues.map(i => i.code)).toContain('COIL-AU004');
        const doc = batchRecord({ ...input, signatures: moved, issues });
        expect(doc.signatures[0].bound).toBe(false);
        expect(doc.signatures.slice(1).every(s => s.bound)).toBe(true);
        const opened = await open('moved', batchRecordHtml({ ...input, signatures: moved, issues }));
        try {
            const first = await opened.page.locator('table.signatures tbody tr').first().innerText();
            expect(first).toContain('NOT BOUND');
            expect(await opened.page.locator('table.signatures tbody tr.flagged').count()).toBe(1);
            expect(await opened.page.locator('#integrity').innerText()).toContain('COIL-AU004');
        } finally {
            await opened.close();
        }
    });
});

describe('a training batch', () => {
    it('is marked TRAINING / NOT FOR CLINICAL USE in the JSON, the banner, the title and the printed pages', async () => {
        // Started as a training batch and taken through its first step, on the same store.
        const clock = new VirtualClock(Date.parse('2027-01-04T08:00:00Z'));
        const runtime = new Runtime({ store, clock });
        const plant = new Plant(runtime, await runtime.load(fresh), 'B-TRAINING');
        const nurse = plant.cast.holder('role:ApheresisNurse');
        expect((await plant.exec({ type: 'start-batch', identity: 'W1234 26 000123 3', training: true }, plant.cast.coordinator)).ok).toBe(true);
        expect((await plant.exec({ type: 'start-step', step: 'step:Collect' }, nurse)).ok).toBe(true);
        clock.advance(3 * 3_600_000);
        await plant.prepareCompletion('step:Collect');
        expect((await plant.exec({ type: 'complete-step', step: 'step:Collect' }, nurse)).ok).toBe(true);
        const list = await store.events('B-TRAINING');
        const sigs = await store.signatures('B-TRAINING');
        const trainingRow = (await store.batch('B-TRAINING'))!;
        const issues = verifyBatch('B-TRAINING', list, sigs, { version: trainingRow.version, head: trainingRow.head });
        expect(issues).toEqual([]);
        const trainingInput: RecordInput = { ...input, row: trainingRow, events: list, signatures: sigs, state: replay(list)!, issues };
        expect(batchRecord(trainingInput).training).toBe(true);
        expect(batchRecord(input).training).toBe(false);
        const html = batchRecordHtml(trainingInput);
        expect(html).toContain('@top-center{content:"TRAINING BATCH — NOT FOR CLINICAL USE"');
        expect(batchRecordHtml(input)).not.toContain('NOT FOR CLINICAL USE');
        const opened = await open('training', html);
        try {
            const banner = opened.page.locator('.banner.training');
            expect(await banner.isVisible()).toBe(true);
            expect(await banner.innerText()).toBe('TRAINING BATCH — NOT FOR CLINICAL USE');
            // The banner comes before everything else on the page.
            expect(await opened.page.evaluate(() => document.body.firstElementChild?.className)).toBe('banner training');
            expect(await opened.page.title()).toMatch(/^TRAINING — Batch record B-TRAINING: /);
            expect(await opened.page.locator('header').innerText()).toContain('TRAINING BATCH');
            // Its signatures are shown like any other batch's.
            const signature = sigs.find(s => s.meaning === 'Collected by')!;
            const cells = await opened.page.locator('table.signatures tbody tr').first().locator('td').allInnerTexts();
            expect(cells.slice(0, 4)).toEqual([signature.name, signature.user, utc(signature.time), 'Collected by']);
            expect(problems(opened.console)).toEqual([]);
        } finally {
            await opened.close();
        }
    });
});
