/**
 * A batch's timeline for people: one line per event, with the time since batch start, who did it
 * (printed name and role) and what happened in the process's own words. Used by `coil run` and
 * `coil test --verbose`; the batch record's HTML export (the server) builds on the same text.
 */
import type { Id } from '@coil/compiler/ir';
import type { Definition } from '../engine/definition.js';
import type { StoredValue } from '../engine/state.js';
import type { RecordedEvent, SignatureManifest } from '../engine/types.js';
import { describe } from '../engine/values.js';

export interface TimelineLine {
    readonly time: number;
    readonly offset: string;
    readonly who: string;
    readonly text: string;
    /** `event`, `refused`, or `auto` for what the plant did unasked. */
    readonly kind: 'event' | 'refused';
    readonly auto: boolean;
    /** Worth a reader's attention: deviations, mismatches, refusals, the outcome. */
    readonly notable: boolean;
}

/** `d0 04:00`: days and hours since the batch started. */
export function offsetText(ms: number): string {
    const minutes = Math.round(ms / 60_000);
    const d = Math.floor(minutes / 1440);
    const h = Math.floor((minutes % 1440) / 60);
    const m = minutes % 60;
    return `d${d} ${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

const NOTABLE = new Set(['deviation-raised', 'identity-mismatch', 'batch-released', 'batch-rejected', 'batch-terminated', 'batch-ended', 'timer-fired', 'deviation-dispositioned', 'decision-taken', 'rework-started', 'nodes-skipped']);

export function eventLine(def: Definition, start: number, e: RecordedEvent, auto = false): TimelineLine {
    return {
        time: e.time, offset: offsetText(e.time - start), who: e.user === 'system' ? 'Coil' : `${e.name}${e.role ? ` (${def.name(e.role)})` : ''}`,
        text: describeEvent(def, e), kind: 'event', auto: auto && e.user !== 'system', notable: NOTABLE.has(e.type),
    };
}

/** An ISBT 128 identifier as printed on labels (`W1234 26 000123 3`); others as they are. */
export function eyeReadable(identity: string): string {
    const din = /^([A-Z]\d{4})(\d{2})(\d{6})(.)$/.exec(identity);
    if (din) return din.slice(1).join(' ');
    const coi = /^CH([A-Z]\d{4})(\d{2})([0-9A-Z]{6})(.)$/.exec(identity);
    return coi ? `CH ${coi.slice(1).join(' ')}` : identity;
}

function signed(signatures: readonly SignatureManifest[]): string {
    return signatures.length ? `; signed ${signatures.map(s => `"${s.meaning}"`).join(', ')}` : '';
}

export function describeEvent(def: Definition, e: RecordedEvent | { type: string; data: Record<string, unknown>; signatures: readonly SignatureManifest[] }): string {
    const d = e.data as Record<string, any>;
    const n = (id: Id | null | undefined) => (id ? def.name(id) : '');
    switch (e.type) {
        case 'batch-started': return `Batch started for identity ${eyeReadable(d.identity)} on ${def.workflow.process.name} ${d.version} (${String(d.definition).slice(0, 19)}…)`;
        case 'step-started': return `${n(d.step)} started${d.run > 1 ? ` (run ${d.run})` : ''}`;
        case 'step-completed': return `${n(d.step)} completed${signed(e.signatures)}`;
        case 'step-failed': return `${n(d.step)} FAILED`;
        case 'step-accepted': return `${n(d.step)} accepted after its failure (disposition of ${n(String(d.deviation).split('#')[0])})`;
        case 'step-signed': return `${n(d.step)} signed "${d.meaning}"`;
        case 'step-verified': return `${n(d.step)} verified by a second person${signed(e.signatures)}`;
        case 'value-recorded': return `${n(d.parameter)} = ${describe(d.value as StoredValue)}${d.inRange ? '' : ' (OUT OF RANGE)'}`;
        case 'identity-verified': return `Identity ${eyeReadable(d.identity)} verified${d.target ? ` for ${n(d.target)}${d.point !== 'step' ? ` at ${d.point}` : ''}` : ''}`;
        case 'identity-mismatch': return `IDENTITY MISMATCH${d.target ? ` for ${n(d.target)}` : ''}: scanned ${eyeReadable(d.scanned)}, the batch is ${eyeReadable(d.expected)}`;
        case 'transfer-dispatched': return `${n(d.material)} dispatched: ${n(d.transfer)}${d.reading ? `, ${describe(d.reading)}` : ''}${d.inRange ? '' : ' (EXCURSION)'}${signed(e.signatures)}`;
        case 'transfer-received': return `${n(d.material)} received: ${n(d.transfer)}${d.reading ? `, ${describe(d.reading)}` : ''}${d.inRange ? '' : ' (EXCURSION)'}${signed(e.signatures)}`;
        case 'sample-taken': return `Sample ${String(d.sample).replace(/^qc:/, '')} taken for ${(d.assays as Id[]).map(n).join(', ')}`;
        case 'result-recorded': return `QC result ${n(d.assay)} = ${describe(d.value as StoredValue)} (${d.passed ? 'pass' : 'FAIL'})`;
        case 'deviation-raised': {
            const actions = [...(d.quarantines as Id[]).length ? [`quarantines ${(d.quarantines as Id[]).map(n).join(', ')}`] : [], ...(d.holdsBatch ? ['holds the batch'] : [])];
            return `DEVIATION ${n(d.deviation)} (${d.severity}) raised: ${triggerText(def, d.trigger)}${actions.length ? `; ${actions.join(', ')}` : ''}`;
        }
        case 'deviation-recurred': return `Deviation ${n(d.deviation)} triggered again: ${triggerText(def, d.trigger)}`;
        case 'notification-sent': return `${(d.roles as Id[]).map(n).join(', ')} notified of ${n(d.deviation)}`;
        case 'deviation-dispositioned': return `Deviation ${n(d.deviation)} dispositioned: ${d.option}`;
        case 'decision-taken': return `Decision ${n(d.decision)}: ${d.value ? describe(d.value) : 'no value'} → ${d.branch}: ${d.outcome}${d.target ? ` ${n(d.target)}` : ''}`;
        case 'nodes-skipped': return `Skipped: ${(d.nodes as Id[]).map(n).join(', ')} (by ${n(d.by)})`;
        case 'rework-started': return `Rework of ${n(d.target)} (${d.count} of at most ${d.limit}): ${(d.nodes as Id[]).map(n).join(', ')} to be done again`;
        case 'timer-fired': return `Time limit passed: ${timerText(def, d.timer)} (${d.limit})`;
        case 'physician-acceptance-recorded': return `Physician acceptance recorded: ${d.physician}`;
        case 'batch-released': return `BATCH RELEASED${d.route === 'exceptional' ? ' EXCEPTIONALLY' : ''}: ${n(d.material)}${signed(e.signatures)}`;
        case 'authority-notified': return 'Authority notified of the exceptional release';
        case 'batch-rejected': return `BATCH REJECTED: ${d.because}`;
        case 'batch-terminated': return `BATCH TERMINATED: ${d.because}`;
        case 'batch-ended': return 'Batch complete: the last activity is done';
        default: return e.type;
    }
}

function triggerText(def: Definition, trigger: { kind: string; source: Id | null }): string {
    const source = trigger.source ? def.name(trigger.source) : '';
    switch (trigger.kind) {
        case 'out-of-range': return `${source} out of range`;
        case 'step-failed': return `${source} failed`;
        case 'late': return `${source} took too long`;
        case 'hold-breach': return `hold exceeded (${holdText(def, trigger.source)})`;
        case 'excursion': return `temperature excursion in ${source}`;
        case 'identity-mismatch': return `identity mismatch${source ? ` at ${source}` : ''}`;
        case 'qc-failed': return `${source} result out of specification`;
        case 'budget': return 'vein-to-vein budget exceeded';
        case 'authority-notification': return 'authority not notified in time';
        default: return 'raised by hand';
    }
}

function holdText(def: Definition, id: Id | null): string {
    const hold = def.workflow.holds.find(h => h.id === id);
    if (!hold) return id ?? '';
    return `${def.name(hold.material)} from ${def.name(hold.from.activity)}.${hold.from.point} to ${def.name(hold.to.activity)}.${hold.to.point}`;
}

function timerText(def: Definition, id: Id): string {
    const timer = def.timers.get(id);
    if (!timer) return id;
    switch (timer.kind) {
        case 'hold-max': return `hold ${holdText(def, timer.source)}`;
        case 'step-max': return `${def.name(timer.source)} maximum duration`;
        case 'transfer-limit': return `${def.name(timer.source)} transport window`;
        case 'vein-to-vein': return 'vein-to-vein budget';
        case 'authority-notification': return 'authority notification';
        default: return id;
    }
}

/** Renders lines as a fixed-width table. */
export function renderTimeline(lines: readonly TimelineLine[], options: { showAuto?: boolean } = {}): string {
    const whoWidth = Math.min(34, Math.max(...lines.map(l => l.who.length), 3));
    const offsetWidth = Math.max(...lines.map(l => l.offset.length), 0);
    return lines.map(l => `  ${l.offset.padStart(offsetWidth)}  ${l.who.padEnd(whoWidth)}  ${l.kind === 'refused' ? 'REFUSED ' : ''}${l.text}${l.auto && options.showAuto !== false ? '  (auto)' : ''}`).join('\n');
}
