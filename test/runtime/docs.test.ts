/** docs/runtime.md documents every refusal and audit code the runtime has, and docs/server.md every server error code, with its meaning. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_CODES, REFUSALS } from '@coil/runtime';
import { SERVER_ERRORS } from '@coil/runtime/server';

const doc = fs.readFileSync(path.resolve(__dirname, '../../docs/runtime.md'), 'utf8');
const documented = new Map([...doc.matchAll(/^\| `(COIL-(?:RT|AU)\d{3})` \| (.+?) \|$/gm)].map(m => [m[1], m[2]]));

describe('docs/runtime.md', () => {
    it.each(Object.entries({ ...REFUSALS, ...AUDIT_CODES }))('documents %s', (code, meaning) => {
        expect(documented.get(code), `${code} is missing from the tables`).toBeDefined();
        expect(documented.get(code)).toContain(meaning.split(' (')[0]);
    });

    it('documents no code the runtime does not have', () => {
        const known = new Set(Object.keys({ ...REFUSALS, ...AUDIT_CODES }));
        expect([...documented.keys()].filter(c => !known.has(c))).toEqual([]);
    });
});

describe('docs/server.md', () => {
    const server = fs.readFileSync(path.resolve(__dirname, '../../docs/server.md'), 'utf8');
    const rows = new Map([...server.matchAll(/^\| `(COIL-SV\d{3})` \| (\d{3}) \| (.+?) \|$/gm)].map(m => [m[1], { status: Number(m[2]), meaning: m[3] }]));

    it.each(Object.entries(SERVER_ERRORS))('documents %s with its status', (code, [status, meaning]) => {
        expect(rows.get(code), `${code} is missing from the table`).toBeDefined();
        expect(rows.get(code)).toEqual({ status, meaning });
    });

    it('documents no code the server does not have', () => {
        expect([...rows.keys()].filter(c => !Object.hasOwn(SERVER_ERRORS, c))).toEqual([]);
    });
});
