/**
 * One batch's executed record, exported: a JSON document for programs and a single self-contained
 * HTML file for people (QA's review before release, a copy for an inspector). Both are functions of
 * what the store holds and what `verifyBatch` found. Every signature shows printed name, date and
 * time (UTC) and meaning (21 CFR 11.50); a trail that failed verification says so before anything
 * else, and a training batch says it is not for clinical use on every page.
 */
import type { Id } from '@coil/compiler/ir';
import { AUDIT_CODES, signatureHash, type StoredSignature, type VerifyIssue } from '../audit.js';
import type { Definition } from '../engine/definition.js';
import type { BatchState, DeviationState } from '../engine/state.js';
import type { Change, RecordedEvent, SignatureManifest } from '../engine/types.js';
import { batchStatus, openDeviations, type BatchStatus } from '../engine/views.js';
import { describeEvent, eyeReadable } from '../scenario/timeline.js';
import type { BatchRow } from '../store/store.js';

export const RECORD_FORMAT = 'coil-batch-record/1';

export interface RecordInput {
    readonly definition: Definition;
    readonly row: BatchRow;
    /** The state folded from `events`. */
    readonly state: BatchState;
    readonly events: readonly RecordedEvent[];
    readonly signatures: readonly StoredSignature[];
    /** From `verifyBatch` over the same events, signatures and row; empty when the trail verified. */
    readonly issues: readonly VerifyIssue[];
    /** Milliseconds since the epoch. */
    readonly exportedAt: number;
    readonly exportedBy: { readonly user: string; readonly name: string };
}

/** A signature as it appears on its event: printed name, date and time, meaning. */
export interface RecordSignature {
    readonly user: string;
    readonly name: string;
    readonly meaning: string;
    /** ISO 8601, UTC. */
    readonly time: string;
}

export interface RecordEvent {
    readonly seq: number;
    readonly time: string;
    readonly user: string;
    readonly name: string;
    readonly role: string | null;
    /** The role's name in the process (`Operator`). */
    readonly roleName: string | null;
    readonly reason: string | null;
    readonly type: string;
    /** What happened, in the process's words. */
    readonly description: string;
    readonly changes: readonly Change[];
    readonly signatures: readonly RecordSignature[];
    readonly data: Readonly<Record<string, unknown>>;
    readonly command: string | null;
    readonly prev: string;
    readonly hash: string;
}

/** A signature record: bound to the hash of the event it signs (21 CFR 11.70). */
export interface RecordSignatureEntry extends RecordSignature {
    readonly seq: number;
    /** The type of the signed event, or null when no event has that number. */
    readonly event: string | null;
    readonly signed: string;
    readonly hash: string;
    /** The record's own hash matches and it names the hash its event has now. */
    readonly bound: boolean;
}

export interface RecordDeviation {
    readonly instance: string;
    readonly deviation: Id;
    readonly name: string;
    readonly severity: string | null;
    readonly raisedAt: string;
    readonly trigger: DeviationState['trigger'];
    readonly recurrences: number;
    readonly holdsBatch: boolean;
    readonly quarantines: readonly Id[];
    /** The definition says it blocks release until dispositioned (critical and major ones, unless they say otherwise). */
    readonly blocksRelease: boolean;
}

export interface BatchRecordDocument {
    readonly format: typeof RECORD_FORMAT;
    readonly batch: string;
    /** The chain-of-identity identifier as stored (`eyeReadable` prints it as on a label). */
    readonly identity: string;
    readonly process: { readonly id: Id; readonly name: string; readonly title: string | null; readonly version: string; readonly digest: string };
    /** A training batch: not for clinical use. */
    readonly training: boolean;
    readonly status: BatchStatus;
    readonly startedAt: string;
    /** Number of events. */
    readonly version: number;
    /** Hash of the last event, as the store keeps it beside the batch. */
    readonly head: string;
    readonly integrity: { readonly verified: boolean; readonly issues: readonly VerifyIssue[] };
    readonly exported: { readonly at: string; readonly by: { readonly user: string; readonly name: string } };
    readonly events: readonly RecordEvent[];
    readonly signatures: readonly RecordSignatureEntry[];
    readonly openDeviations: readonly RecordDeviation[];
}

export function batchRecord(input: RecordInput): BatchRecordDocument {
    const { definition: def, row, state, events } = input;
    // A record of one batch against another's definition would be false on its face: refuse to write it.
    if (row.definition !== def.digest) throw new Error(`batch ${row.batch} runs on definition ${row.definition}, not ${def.digest}`);
    const p = def.workflow.process;
    const bySeq = new Map(events.map(e => [e.seq, e]));
    return {
        format: RECORD_FORMAT,
        batch: row.batch,
        identity: row.identity,
        process: { id: p.id, name: p.name, title: p.title, version: p.version, digest: def.digest },
        training: isTraining(events),
        status: batchStatus(state),
        startedAt: iso(state.startedAt),
        version: row.version,
        head: row.head,
        integrity: { verified: input.issues.length === 0, issues: input.issues },
        exported: { at: iso(input.exportedAt), by: { user: input.exportedBy.user, name: input.exportedBy.name } },
        events: events.map(e => ({
            seq: e.seq, time: iso(e.time), user: e.user, name: e.name, role: e.role, roleName: e.role ? def.name(e.role) : null,
            reason: e.reason, type: e.type, description: description(def, e), changes: e.changes,
            signatures: e.signatures.map(manifest), data: e.data, command: e.command, prev: e.prev, hash: e.hash,
        })),
        signatures: input.signatures.map(s => {
            const { hash, ...rest } = s;
            const event = bySeq.get(s.seq);
            return {
                ...manifest(s), seq: s.seq, event: event?.type ?? null, signed: s.signed, hash,
                bound: signatureHash(rest) === hash && event?.hash === s.signed,
            };
        }),
        openDeviations: openDeviations(state).map(d => ({
            instance: d.instance, deviation: d.deviation, name: def.name(d.deviation), severity: def.deviations.get(d.deviation)?.severity ?? null,
            raisedAt: iso(d.raisedAt), trigger: d.trigger, recurrences: d.recurrences, holdsBatch: d.holdsBatch, quarantines: d.quarantines,
            blocksRelease: def.deviations.get(d.deviation)?.blocksRelease ?? true,
        })),
    };
}

function isTraining(events: readonly RecordedEvent[]): boolean {
    return events.find(e => e.type === 'batch-started')?.data.training === true;
}

function manifest(s: SignatureManifest): RecordSignature {
    return { user: s.user, name: s.name, meaning: s.meaning, time: iso(s.time) };
}

/** The event in words; an event whose data cannot be read (a tampered one) is still listed, by its type. */
function description(def: Definition, e: RecordedEvent): string {
    try {
        return describeEvent(def, e);
    } catch {
        return `${e.type} (its data cannot be read)`;
    }
}

const iso = (ms: number): string => new Date(ms).toISOString();

// ---------------------------------------------------------------------------------------------
// HTML
// ---------------------------------------------------------------------------------------------

const ENTITIES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and attribute values alike: names, reasons and values are shown, never interpreted. */
function text(value: string | number | null | undefined): string {
    if (value === null || value === undefined) return '';
    return String(value).replace(/[&<>"']/g, c => ENTITIES[c]);
}

/** Escapes a string for a CSS string literal (the running header and footer of the printed pages). */
function cssString(value: string): string {
    return `"${value.replace(/[\\"\n\r<>&]/g, c => `\\${c.charCodeAt(0).toString(16)} `)}"`;
}

/** `2027-01-04 08:15:00 UTC` (milliseconds only when there are any). */
export function utcText(ms: number): string {
    const s = new Date(ms).toISOString();
    return `${s.slice(0, 10)} ${s.endsWith('.000Z') ? s.slice(11, 19) : s.slice(11, 23)} UTC`;
}

/** A date-time for a table cell: wraps between the date and the time, never inside either. */
function when(isoTime: string): string {
    const [date, time] = utcText(Date.parse(isoTime)).split(' ', 2);
    return `<span class="nowrap">${text(date)}</span> <span class="nowrap">${text(time)} UTC</span>`;
}

/** `sha256:1a2b3c4d5e6f…` (or `1a2b3c4d…` where space is short): enough to tell hashes apart on paper; the full one is in the title and the JSON. */
function shortHash(hash: string, digits: number, prefix = true): string {
    const hex = hash.replace(/^sha256:/, '').slice(0, digits);
    return `<code class="hash" title="${text(hash)}">${prefix ? 'sha256:' : ''}${text(hex)}…</code>`;
}

const STATUS_TEXT: Readonly<Record<BatchStatus, string>> = {
    in_progress: 'In progress', on_hold: 'On hold', released: 'Released', rejected: 'Rejected', terminated: 'Terminated',
};

export function batchRecordHtml(input: RecordInput): string {
    const doc = batchRecord(input);
    const def = input.definition;
    const p = def.workflow.process;
    const flagged = new Set(doc.integrity.issues.map(i => i.seq));
    const title = `${doc.training ? 'TRAINING — ' : ''}Batch record ${doc.batch}: ${p.name} ${p.version}`;
    const body = [
        doc.training ? '<p class="banner training" role="note">TRAINING BATCH — NOT FOR CLINICAL USE</p>' : '',
        header(doc, def),
        integritySection(doc),
        auditTrailSection(doc, flagged),
        signaturesSection(doc),
        deviationsSection(doc, def),
        footer(doc),
    ].filter(Boolean).join('\n');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="coil-batch" content="${text(doc.batch)}">
<meta name="coil-digest" content="${text(doc.process.digest)}">
<title>${text(title)}</title>
<style>${stylesheet(doc)}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function header(doc: BatchRecordDocument, def: Definition): string {
    const p = def.workflow.process;
    const facts: Array<[string, string]> = [
        ['Batch', `<code>${text(doc.batch)}</code>`],
        ['Chain-of-identity identifier', `<strong class="identity">${text(eyeReadable(doc.identity))}</strong> <span class="muted">(${text(p.identityFormat)})</span>`],
        ['Process', `${text(p.title ?? p.name)} <code>${text(p.name)}</code>`],
        ['Version', text(p.version)],
        ['Definition digest', `<code class="digest">${text(doc.process.digest)}</code>`],
        ['Status', `<strong class="status ${text(doc.status)}">${text(STATUS_TEXT[doc.status])}</strong>${doc.training ? ' <strong class="training-tag">Training batch</strong>' : ''}`],
        ['Started', text(utcText(Date.parse(doc.startedAt)))],
        ['Record', `${doc.events.length} events, ${doc.signatures.length} signatures, ${doc.openDeviations.length} open deviation${doc.openDeviations.length === 1 ? '' : 's'}`],
    ];
    return `<header id="top">
<p class="doctype">Executed batch record</p>
<h1>${text(p.title ?? p.name)}</h1>
<p class="subtitle"><code>${text(p.name)}</code> version ${text(p.version)}, batch <code>${text(doc.batch)}</code></p>
<dl class="facts">${facts.map(([label, value]) => `<dt>${text(label)}</dt><dd>${value}</dd>`).join('')}</dl>
</header>`;
}

function integritySection(doc: BatchRecordDocument): string {
    if (doc.integrity.verified) {
        return `<section id="integrity" class="integrity verified">
<h2>1. Integrity</h2>
<p><strong>Hash chain verified.</strong> All ${doc.events.length} events follow one another unbroken from the first, each event's hash matches its content,
the batch head matches the last event, and each of the ${doc.signatures.length} signatures is bound to the event it signs.</p>
</section>`;
    }
    const items = doc.integrity.issues.map(i =>
        `<li><code>${text(i.code)}</code>${i.seq !== null ? ` at event ${i.seq}` : ''}: ${text(i.message)} <span class="muted">(${text(AUDIT_CODES[i.code] ?? '')})</span></li>`);
    return `<section id="integrity" class="integrity failed" role="alert">
<h2>1. Integrity</h2>
<p class="warning"><strong>INTEGRITY CHECK FAILED: this record has been altered outside the runtime and must not be relied on.</strong></p>
<p>Verification of the hash chain found ${doc.integrity.issues.length} problem${doc.integrity.issues.length === 1 ? '' : 's'}; the events and signatures they name are marked below.
Report it to QA: the batch cannot be released on this record.</p>
<ul class="issues">${items.join('')}</ul>
</section>`;
}

function auditTrailSection(doc: BatchRecordDocument, flagged: ReadonlySet<number | null>): string {
    const rows = doc.events.map(e => {
        const who = e.user === 'system'
            ? `<strong>${text(e.name)}</strong><br><span class="muted">system</span>`
            : `<strong>${text(e.name)}</strong><br><code>${text(e.user)}</code>${e.roleName ? `<br><span class="muted">${text(e.roleName)}</span>` : ''}`;
        const signed = e.signatures.length === 0 ? '' : `<ul class="signed">${e.signatures.map(s =>
            `<li>Signed “${text(s.meaning)}” by ${text(s.name)} (<code>${text(s.user)}</code>), ${text(utcText(Date.parse(s.time)))}</li>`).join('')}</ul>`;
        const suspect = flagged.has(e.seq);
        return `<tr${suspect ? ' class="flagged"' : ''}>
<td class="seq">${e.seq}${suspect ? ' <strong class="alert">⚠</strong>' : ''}<br>${shortHash(e.hash, 6, false)}</td>
<td class="time">${when(e.time)}</td>
<td>${who}</td>
<td>${text(e.description)}${signed}</td>
<td>${changesCell(e.changes)}</td>
<td>${e.reason ? text(e.reason) : ''}</td>
</tr>`;
    });
    return `<section id="audit-trail" class="major">
<h2>2. Audit trail</h2>
<p>Every event in the order recorded, with who did it (printed name, user id, role), what changed (old → new) and why. Times are UTC, from the runtime's clock.</p>
<table class="trail"><colgroup><col class="seq"><col class="time"><col class="who"><col class="what"><col class="changes"><col class="reason"></colgroup><thead><tr><th scope="col">Seq</th><th scope="col">Date and time (UTC)</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Changes (old → new)</th><th scope="col">Reason</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody></table>
</section>`;
}

function changesCell(changes: readonly Change[]): string {
    if (changes.length === 0) return '';
    return `<ul class="changes">${changes.map(c =>
        `<li><span class="field">${text(c.field)}</span>: ${valueText(c.old)} → ${valueText(c.new)}</li>`).join('')}</ul>`;
}

function valueText(value: unknown): string {
    if (value === null || value === undefined) return '<span class="none">none</span>';
    return `<span class="value">${text(typeof value === 'string' ? value : JSON.stringify(value))}</span>`;
}

function signaturesSection(doc: BatchRecordDocument): string {
    const rows = doc.signatures.map(s => `<tr${s.bound ? '' : ' class="flagged"'}>
<td><strong>${text(s.name)}</strong></td>
<td><code>${text(s.user)}</code></td>
<td class="time">${when(s.time)}</td>
<td class="meaning">${text(s.meaning)}</td>
<td>${s.seq} ${s.event ? `<code>${text(s.event)}</code>` : '<span class="none">no such event</span>'}</td>
<td>${shortHash(s.signed, 12)}${s.bound ? '' : '<br><strong class="alert">NOT BOUND to this event</strong>'}</td>
</tr>`);
    const none = `<tr><td colspan="6" class="none">No signatures recorded.</td></tr>`;
    return `<section id="signatures" class="major">
<h2>3. Signatures</h2>
<p>Each electronic signature with its printed name, date and time (UTC) and meaning (21 CFR 11.50), and the hash of the event it is bound to (21 CFR 11.70).</p>
<table class="signatures"><thead><tr><th scope="col">Printed name</th><th scope="col">User id</th><th scope="col">Date and time (UTC)</th><th scope="col">Meaning</th><th scope="col">Signs event</th><th scope="col">Bound to hash</th></tr></thead>
<tbody>
${rows.length ? rows.join('\n') : none}
</tbody></table>
</section>`;
}

function deviationsSection(doc: BatchRecordDocument, def: Definition): string {
    const rows = doc.openDeviations.map(d => {
        const effects = [
            ...d.holdsBatch ? ['holds the batch'] : [],
            ...d.quarantines.length ? [`quarantines ${d.quarantines.map(id => def.name(id)).join(', ')}`] : [],
            ...d.blocksRelease ? ['blocks release'] : [],
        ];
        return `<tr>
<td><strong>${text(d.name)}</strong><br><code>${text(d.instance)}</code></td>
<td class="severity ${text(d.severity ?? '')}">${text(d.severity ?? 'unknown')}</td>
<td class="time">${when(d.raisedAt)}</td>
<td>${text(d.trigger.kind.replace(/-/g, ' '))}${d.trigger.source ? ` (${text(def.name(d.trigger.source))})` : ''}${d.recurrences ? `; triggered ${d.recurrences} more time${d.recurrences === 1 ? '' : 's'}` : ''}</td>
<td>${effects.length ? text(effects.join(', ')) : ''}</td>
</tr>`;
    });
    const none = `<tr><td colspan="5" class="none">No open deviations.</td></tr>`;
    return `<section id="deviations">
<h2>4. Open deviations</h2>
<p>Deviations still awaiting their disposition. One that blocks release must be dispositioned by QA before the batch can be released.</p>
<table class="deviations"><thead><tr><th scope="col">Deviation</th><th scope="col">Severity</th><th scope="col">Raised (UTC)</th><th scope="col">Trigger</th><th scope="col">Effect</th></tr></thead>
<tbody>
${rows.length ? rows.join('\n') : none}
</tbody></table>
</section>`;
}

function footer(doc: BatchRecordDocument): string {
    return `<footer>
<p>Exported ${text(utcText(Date.parse(doc.exported.at)))} by <strong>${text(doc.exported.by.name)}</strong> (<code>${text(doc.exported.by.user)}</code>), format <code>${RECORD_FORMAT}</code>.
Batch head: version ${doc.version}, <code class="digest">${text(doc.head)}</code>.</p>
<p class="muted">A copy of the record: the original is the hash-chained audit trail in the runtime's store. The head printed here lets anyone check later that no event was added or removed since.</p>
</footer>`;
}

/** Screen and paper (A4, the table header repeated, rows never split), in the look of the master batch record (`coil doc`). */
function stylesheet(doc: BatchRecordDocument): string {
    const running = `Batch record ${doc.batch} — ${doc.process.name} ${doc.process.version}`;
    return `
*{box-sizing:border-box}
html{background:#eef0f3}
body{margin:0 auto;max-width:1100px;padding:24px 40px 64px;background:#fff;color:#111;
font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
h1{font-size:26px;margin:4px 0 2px;line-height:1.2}
h2{font-size:20px;margin:32px 0 12px;padding-bottom:4px;border-bottom:2px solid #111}
code{font-family:ui-monospace,"SF Mono",Menlo,Consolas,monospace;font-size:.9em;background:#f3f4f6;padding:0 3px;border-radius:3px}
code.digest{word-break:break-all}
.doctype{margin:0;text-transform:uppercase;letter-spacing:.12em;font-weight:600;color:#555}
.subtitle{margin:0 0 16px;color:#333}
.muted{color:#555}
.none{color:#666;font-style:italic}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 14px;margin:8px 0}
dl.facts dt{font-weight:600;color:#333}
dl.facts dd{margin:0}
.identity{font-size:1.1em;letter-spacing:.04em}
.status{text-transform:uppercase;letter-spacing:.04em}
.status.on_hold,.status.rejected,.status.terminated{color:#b91c1c}
.status.released{color:#15803d}
.banner.training{margin:0 0 16px;padding:10px 14px;border:3px solid #b45309;background:#fff7ed;color:#7c2d12;
font-size:20px;font-weight:800;letter-spacing:.08em;text-align:center}
.training-tag{color:#7c2d12;text-transform:uppercase}
section.integrity{margin:16px 0;padding:4px 16px 8px;border-radius:4px}
section.integrity h2{border-bottom:none;margin-top:8px}
section.integrity.verified{border:2px solid #15803d;background:#f0fdf4}
section.integrity.failed{border:4px solid #b91c1c;background:#fef2f2}
.warning{font-size:18px;color:#991b1b}
ul.issues li{margin:4px 0}
table{border-collapse:collapse;width:100%;margin:6px 0 12px;font-size:13px}
th,td{border:1px solid #8a8f98;padding:4px 6px;text-align:left;vertical-align:top}
thead th{background:#e7eaee}
.nowrap{white-space:nowrap}
code.hash{font-size:.75em}
tr.flagged td{background:#fef2f2}
table.trail{table-layout:fixed}
table.trail td{overflow-wrap:break-word}
col.seq{width:8%}col.time{width:12%}col.who{width:16%}col.what{width:27%}col.changes{width:24%}col.reason{width:13%}
.alert{color:#b91c1c}
ul.changes,ul.signed{margin:2px 0 0;padding-left:16px}
ul.signed{list-style:none;padding-left:0;font-style:italic}
.field{font-weight:600}
.severity{font-weight:700;text-transform:uppercase;font-size:11px}
.severity.critical{color:#b91c1c}.severity.major{color:#c2410c}.severity.minor{color:#4b5563}
footer{margin-top:32px;padding-top:8px;border-top:2px solid #111;font-size:12px}
@page{size:A4;margin:16mm 12mm 18mm 12mm;
${doc.training ? '@top-center{content:"TRAINING BATCH — NOT FOR CLINICAL USE";font-weight:700;font-size:10pt}\n' : ''}@bottom-left{content:${cssString(running)};font-size:8pt}
@bottom-right{content:"Page " counter(page) " of " counter(pages);font-size:8pt}}
@media print{
html,body{background:#fff;color:#000}
body{max-width:none;padding:0;font-size:10pt}
.major{break-before:page}
tr,dl.facts,section.integrity,footer{break-inside:avoid}
thead{display:table-header-group}
h2{break-after:avoid;color:#000}
table{font-size:8.5pt}
thead th,code{background:#fff!important}
code.hash{font-size:7pt}
}
`;
}
