import { describe, expect, it } from 'vitest';
import { closestName, editDistance } from '../../language/src/diagnostics/suggest.js';

describe('did you mean', () => {
    it('measures edits, ignoring case', () => {
        expect(editDistance('LowPurity', 'LowPurityy', 3)).toBe(1);
        expect(editDistance('holdexceeded', 'HoldExceeded', 3)).toBe(0);
        expect(editDistance('Select', 'Selcet', 3)).toBe(2);
        expect(editDistance('abc', 'xyzuvw', 2)).toBe(3);
    });

    it('suggests the nearest name when it is a likely typo', () => {
        expect(closestName('LowPurityy', ['LowYield', 'LowPurity', 'HoldExceeded'])).toBe('LowPurity');
        expect(closestName('Sterilty', ['Sterility', 'RapidSterility'])).toBe('Sterility');
    });

    it('says nothing when no name is close', () => {
        expect(closestName('Potency', ['Sterility', 'Mycoplasma'])).toBeUndefined();
        expect(closestName('Expand', [])).toBeUndefined();
    });

    it('allows one edit for short names, so QA still finds QC', () => {
        expect(closestName('QA', ['QC', 'Operator'])).toBe('QC');
        expect(closestName('QA', ['QCX'])).toBeUndefined();
    });
});
