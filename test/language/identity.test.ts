import { describe, expect, it } from 'vitest';
import { checkCharacter, identityFormat, mod37_2 } from '@coil/language/identity';

describe('ISO 7064 MOD 37-2', () => {
    it('matches the worked example of the ISBT 128 guidance (G123 498 654 321 -> 17, H)', () => {
        expect(mod37_2('G123498654321')).toBe(17);
        expect(checkCharacter('G123498654321')).toBe('H');
    });

    it('catches every single-character substitution', () => {
        const body = 'W123426000123';
        const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
        for (let i = 0; i < body.length; i++) {
            for (const ch of alphabet) {
                if (ch === body[i]) continue;
                const typo = body.slice(0, i) + ch + body.slice(i + 1);
                expect(checkCharacter(typo), typo).not.toBe(checkCharacter(body));
            }
        }
    });

    it('catches adjacent transpositions', () => {
        const body = 'W123426000123';
        for (let i = 0; i + 1 < body.length; i++) {
            if (body[i] === body[i + 1]) continue;
            const swapped = body.slice(0, i) + body[i + 1] + body[i] + body.slice(i + 2);
            expect(checkCharacter(swapped), swapped).not.toBe(checkCharacter(body));
        }
    });
});

describe('identifier formats', () => {
    const din = identityFormat('isbt128')!;
    const coi = identityFormat('isbt128_coi')!;

    it('accept an eye-readable DIN with its check character, spaces optional', () => {
        expect(din.parse('W1234 26 000123 3')).toEqual({ ok: true, value: 'W1234260001233' });
        expect(din.parse('w123426000123 3')).toEqual({ ok: true, value: 'W1234260001233' });
    });

    it('refuse a DIN whose check character is wrong, naming the right one', () => {
        const parsed = din.parse('W1234 26 000123 Q');
        expect(parsed.ok).toBe(false);
        expect(!parsed.ok && parsed.message).toContain("'3' is correct");
    });

    it('accept barcode data with the leading = and verify check flags 60-96', () => {
        expect(din.parse('=W123426000123')).toEqual({ ok: true, value: 'W1234260001233' });
        // The check value of W123426000123 is 3 (eye-readable '3'), so its check flags are 63.
        expect(mod37_2('W123426000123')).toBe(3);
        expect(din.parse('=W12342600012363').ok).toBe(true);
        expect(din.parse('=W12342600012364').ok).toBe(false);
        expect(din.parse('=W12342600012300').ok).toBe(true); // flags 00: no check value carried
    });

    it('refuse what is not a DIN at all', () => {
        for (const text of ['', '12345', 'W1234 26 00012', 'WW234 26 000123 3', 'W1234 26 000123 33']) {
            expect(din.parse(text).ok, text).toBe(false);
        }
    });

    it('check COI identifiers (CH + facility + year + sequence + check character)', () => {
        const body = 'CHW123426A00042';
        expect(coi.parse(`${body}${checkCharacter(body)}`).ok).toBe(true);
        expect(coi.parse(`CH W1234 26 A00042 ${checkCharacter(body)}`).ok).toBe(true);
        const wrong = checkCharacter(body) === 'A' ? 'B' : 'A';
        expect(coi.parse(`${body}${wrong}`).ok).toBe(false);
        expect(coi.parse('W1234 26 000123 3').ok).toBe(false);
    });

    it('give an example that passes its own check', () => {
        expect(din.parse(din.example).ok).toBe(true);
        expect(coi.parse(coi.example).ok).toBe(true);
    });
});
