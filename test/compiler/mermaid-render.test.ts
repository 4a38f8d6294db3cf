/**
 * The Mermaid text `coil graph` writes is valid Mermaid: each example, and a process whose titles
 * need escaping, is parsed and rendered by Mermaid itself (its browser bundle, in headless Chromium).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compilePaths, toMermaid, type Workflow } from '@coil/compiler';
import { launchChromium } from '../browser/chromium.js';

const root = path.resolve(__dirname, '../..');
const MERMAID = path.join(root, 'node_modules/mermaid/dist/mermaid.min.js');

let browser: Browser;
let page: Page;
let workflows: Workflow[];
const errors: string[] = [];

beforeAll(async () => {
    workflows = (await compilePaths([path.join(root, 'examples')])).processes.map(p => p.workflow);
    browser = await launchChromium();
    page = await browser.newPage();
    page.on('pageerror', e => errors.push(e.message));
    await page.route('**/*', route => (route.request().url().startsWith('data:') ? route.continue() : route.abort()));
    await page.setContent('<!DOCTYPE html><html><body></body></html>');
    await page.addScriptTag({ content: fs.readFileSync(MERMAID, 'utf8') });
    await page.evaluate(() => (globalThis as unknown as { mermaid: { initialize(o: object): void } }).mermaid.initialize({ startOnLoad: false, securityLevel: 'strict' }));
}, 60_000);
afterAll(async () => browser?.close());

/** Renders Mermaid text in the page: the SVG, or the error Mermaid gives. */
async function render(text: string, id: string): Promise<{ svg?: string; error?: string }> {
    return page.evaluate(async ({ text, id }) => {
        const mermaid = (globalThis as unknown as { mermaid: { render(id: string, text: string): Promise<{ svg: string }> } }).mermaid;
        try {
            return { svg: (await mermaid.render(id, text)).svg };
        } catch (e) {
            return { error: e instanceof Error ? e.message : String(e) };
        }
    }, { text, id });
}

describe('Mermaid output, rendered by Mermaid', () => {
    it('renders every example, with every step title', async () => {
        expect(workflows).toHaveLength(4);
        for (const [i, w] of workflows.entries()) {
            const { svg, error } = await render(toMermaid(w), `example${i}`);
            expect(error, w.process.name).toBeUndefined();
            for (const step of w.steps) {
                // Mermaid wraps long labels: every word of the title is there.
                for (const word of (step.title ?? step.name).split(/\s+/)) expect(svg, `${w.process.name}: ${step.id}`).toContain(word.replace(/&/g, '&amp;'));
            }
        }
        expect(errors).toEqual([]);
    });

    it('rejects broken Mermaid, so that the test above could fail', async () => {
        const { error } = await render('flowchart TD\n  a[["unclosed', 'broken');
        expect(error).toBeDefined();
    });

    it('renders titles with quotes, brackets, ampersands and hashes', async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coil-mermaid-'));
        try {
            fs.writeFileSync(path.join(dir, 'coil.json'), '{}\n');
            fs.copyFileSync(path.join(root, 'test/compiler/analyses/_library/library.coil'), path.join(dir, 'library.coil'));
            const source = fs.readFileSync(path.join(root, 'test/compiler/analyses/graph/coil-f012-released-cleanly.coil'), 'utf8')
                .replace('step Collect at', 'step Collect "Collect [bag #1] & \\"label\\" <check>" at');
            fs.writeFileSync(path.join(dir, 'process.coil'), source);
            const compiled = await compilePaths([path.join(dir, 'process.coil')]);
            expect(compiled.processes).toHaveLength(1);
            const { svg, error } = await render(toMermaid(compiled.processes[0].workflow), 'escaped');
            expect(error).toBeUndefined();
            expect(svg).toContain('bag #1');
            expect(svg).toContain('&amp;');
            expect(errors).toEqual([]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
