import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const grammar = fs.readFileSync(path.resolve(__dirname, '../../language/src/coil.langium'), 'utf8');

describe('the grammar', () => {
    it('lets every keyword word serve as a choice name (pass/fail, yes/no, open/closed...)', () => {
        const rule = /ChoiceName returns string:([\s\S]*?);/.exec(grammar)?.[1] ?? '';
        const allowed = new Set([...rule.matchAll(/'([a-z_]+)'/g)].map(m => m[1]));
        const keywords = new Set([...grammar.replace(rule, '').matchAll(/'([a-z_]+)'/g)].map(m => m[1]));
        const missing = [...keywords].filter(k => !allowed.has(k));
        expect(missing, 'add these to ChoiceName in coil.langium').toEqual([]);
    });
});
