import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const grammar = fs.readFileSync(path.resolve(__dirname, '../../language/src/coil.langium'), 'utf8');

describe('the grammar', () => {
    it('lets every keyword serve as a choice or parameter name (pass/fail, yes/no, duration...)', () => {
        const rule = /Word returns string:([\s\S]*?);/.exec(grammar)?.[1] ?? '';
        const allowed = new Set([...rule.matchAll(/'([a-z_]+)'/g)].map(m => m[1]));
        const keywords = new Set([...grammar.replace(rule, '').matchAll(/'([a-z_]+)'/g)].map(m => m[1]));
        const missing = [...keywords].filter(k => !allowed.has(k));
        expect(missing, 'add these to Word in coil.langium').toEqual([]);
    });
});

describe('words that are also keywords', () => {
    const source = `
role Operator "Operator"
role Supervisor "Supervisor"
site Lab "Lab" { room R1 grade C }
material Cells "Cells" { origin reagent }
process P "P" {
  version 1.0.0
  product allogeneic
  identity isbt128
  vein_to_vein within 30 d
  step Infuse at Lab.R1 by Operator verified by Supervisor {
    duration 30 min .. 2 h
    produces Cells
    record duration "Infusion duration" in min
    record start "Infusion start" datetime
    record outcome "Outcome" choice yes, no expect yes
    sign verifier "Verified"
  }
  decide Check on Infuse.outcome {
    when is no terminate
    otherwise continue
  }
  scenario "second person" {
    at 0 h start batch identity "W1234 26 000123 3"
    start Infuse by "op1"
    record Infuse.duration = 45 min
    record Infuse.outcome = no
    scan "W1234 26 000123 3" for Infuse by "op1"
    verify Infuse by "sup1"
    complete Infuse by "op1"
  }
}`;

    it('serve as parameter and choice names, and are referred to as such', async () => {
        const { buildWorkspace, toCoilDiagnostic } = await import('@coil/language');
        const [document] = await buildWorkspace([{ file: '/virtual/words.coil', text: source }]);
        const diagnostics = (document.diagnostics ?? []).map(d => toCoilDiagnostic(d, 'words.coil'));
        expect(diagnostics.map(d => `${d.start.line}: ${d.code} ${d.message}`)).toEqual([]);
    });
});
