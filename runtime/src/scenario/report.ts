/**
 * Scenario results for people (text) and for CI (JUnit XML, JSON). A failure names the
 * expectation, what happened instead, and where the entry is written.
 */
import type { SourceLocation } from '@coil/compiler/ir';
import { entryText, type ScenarioResult } from './runner.js';

export interface ScenarioReport {
    readonly process: string;
    /** The source file the process is written in (relative to the workspace root), when known. */
    readonly file: string | null;
    readonly result: ScenarioResult;
    /** Where the failing entry is written, else the scenario. */
    readonly location: SourceLocation | null;
}

export const SCENARIO_FORMATS = ['text', 'junit', 'json'] as const;
export type ScenarioFormat = (typeof SCENARIO_FORMATS)[number];

function where(r: ScenarioReport): string {
    return r.location ? `${r.location.file}:${r.location.line}:${r.location.column}` : r.file ?? r.process;
}

export function summary(reports: readonly ScenarioReport[]): { total: number; passed: number; failed: number; ms: number } {
    const passed = reports.filter(r => r.result.passed).length;
    return { total: reports.length, passed, failed: reports.length - passed, ms: reports.reduce((t, r) => t + r.result.milliseconds, 0) };
}

export function renderText(reports: readonly ScenarioReport[], options: { color?: boolean; timelines?: (r: ScenarioReport) => string } = {}): string {
    const c = (code: string, text: string) => (options.color ? `\u001b[${code}m${text}\u001b[0m` : text);
    const lines: string[] = [];
    let process = '';
    for (const r of reports) {
        if (r.process !== process) {
            process = r.process;
            lines.push(`${c('1', r.process)}${r.file ? ` (${r.file})` : ''}`);
        }
        const ms = `${Math.round(r.result.milliseconds)} ms`;
        if (r.result.passed) {
            lines.push(`  ${c('32', '✓')} ${r.result.scenario.title} ${c('2', `(${ms})`)}`);
            continue;
        }
        const f = r.result.failure!;
        const entry = r.result.scenario.entries[f.entry - 1];
        const def = r.result.plant.def;
        lines.push(`  ${c('31', '✗')} ${r.result.scenario.title} ${c('2', `(${ms})`)}`);
        lines.push(`      ${where(r)}: at ${hours(f.at)}: ${entry ? entryText(def, entry) : ''}`);
        lines.push(`      expected: ${f.expected}`);
        lines.push(`      actual:   ${f.actual}`);
        if (options.timelines) lines.push(options.timelines(r).replace(/^/gm, '    '));
    }
    const s = summary(reports);
    lines.push('');
    lines.push(s.total === 0 ? 'No scenarios to run.' : `${s.total} scenario${s.total === 1 ? '' : 's'}: ${c(s.failed ? '31' : '32', `${s.passed} passed, ${s.failed} failed`)} (${(s.ms / 1000).toFixed(2)} s)`);
    return `${lines.join('\n')}\n`;
}

function hours(seconds: number): string {
    return seconds % 86400 === 0 && seconds > 0 ? `${seconds / 86400} d` : `${Number((seconds / 3600).toPrecision(6))} h`;
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

export function renderJunit(reports: readonly ScenarioReport[]): string {
    const s = summary(reports);
    const byProcess = new Map<string, ScenarioReport[]>();
    for (const r of reports) byProcess.set(r.process, [...(byProcess.get(r.process) ?? []), r]);
    const out = [`<?xml version="1.0" encoding="UTF-8"?>`, `<testsuites name="coil test" tests="${s.total}" failures="${s.failed}" time="${(s.ms / 1000).toFixed(3)}">`];
    for (const [process, rs] of byProcess) {
        const ps = summary(rs);
        out.push(`  <testsuite name="${xml(process)}" tests="${ps.total}" failures="${ps.failed}" time="${(ps.ms / 1000).toFixed(3)}"${rs[0].file ? ` file="${xml(rs[0].file)}"` : ''}>`);
        for (const r of rs) {
            const attrs = `classname="${xml(process)}" name="${xml(r.result.scenario.title)}" time="${(r.result.milliseconds / 1000).toFixed(3)}"${r.location ? ` file="${xml(r.location.file)}" line="${r.location.line}"` : ''}`;
            if (r.result.passed) {
                out.push(`    <testcase ${attrs}/>`);
            } else {
                const f = r.result.failure!;
                out.push(`    <testcase ${attrs}>`);
                out.push(`      <failure type="scenario" message="${xml(`expected ${f.expected}; actual: ${f.actual}`)}">${xml(`${where(r)}: at ${hours(f.at)}\nexpected: ${f.expected}\nactual:   ${f.actual}`)}</failure>`);
                out.push('    </testcase>');
            }
        }
        out.push('  </testsuite>');
    }
    out.push('</testsuites>');
    return `${out.join('\n')}\n`;
}

export function renderJson(reports: readonly ScenarioReport[]): string {
    return `${JSON.stringify({
        summary: summary(reports),
        scenarios: reports.map(r => ({
            process: r.process, file: r.file, id: r.result.scenario.id, title: r.result.scenario.title, passed: r.result.passed,
            milliseconds: Math.round(r.result.milliseconds), failure: r.result.failure, location: r.location,
        })),
    }, null, 2)}\n`;
}
