/**
 * Chain-of-identity identifier formats: the `identity` a process declares and every batch is
 * started with. Free of Langium, so the compiler and runtime can share it.
 */
import { checkCharacter, mod37_2 } from './iso7064.js';

export { checkCharacter, mod37_2 } from './iso7064.js';

export interface IdentityFormat {
    readonly name: string;
    readonly description: string;
    readonly example: string;
    /** Returns the identifier in canonical form, or a message saying what is wrong with it. */
    parse(text: string): { ok: true; value: string } | { ok: false; message: string };
}

const DIN_BODY = /^[A-Z][0-9]{4}[0-9]{2}[0-9]{6}$/;

/**
 * ISBT 128 Donation Identification Number: facility (5) + year (2) + sequence (6). Written
 * eye-readable with its check character (`W1234 26 000123 Q`), or as barcode data (`=W1234260001230`
 * with two flag characters; flags 60-96 carry the check value).
 */
const isbt128Din: IdentityFormat = {
    name: 'isbt128',
    description: 'ISBT 128 Donation Identification Number with its ISO 7064 check character',
    example: sampleDin(),
    parse(text) {
        const compact = text.replace(/\s+/g, '').toUpperCase();
        if (compact.startsWith('=')) {
            const body = compact.slice(1, 14);
            const flags = compact.slice(14);
            if (!DIN_BODY.test(body) || !(flags === '' || /^[0-9]{2}$/.test(flags))) {
                return { ok: false, message: `'${text}' is not ISBT 128 barcode data: expected '=' + facility (A9999) + year (2) + sequence (6), optionally two flag digits` };
            }
            const flagValue = Number(flags);
            if (flags !== '' && flagValue >= 60 && flagValue - 60 !== mod37_2(body)) {
                return { ok: false, message: `'${text}' fails its ISBT 128 check: flags ${flags} do not match the check value ${mod37_2(body) + 60}` };
            }
            return { ok: true, value: `${body}${checkCharacter(body)}` };
        }
        const body = compact.slice(0, 13);
        const check = compact.slice(13);
        if (!DIN_BODY.test(body) || check.length !== 1) {
            return { ok: false, message: `'${text}' is not an ISBT 128 DIN: expected facility (A9999) + year (2) + sequence (6) + check character, e.g. '${sampleDin()}'` };
        }
        const expected = checkCharacter(body);
        if (check !== expected) {
            return { ok: false, message: `'${text}' fails its ISBT 128 check character: '${check}' was written, '${expected}' is correct for ${body}; the identifier is probably mistyped` };
        }
        return { ok: true, value: compact };
    },
};

const COI_BODY = /^CH[A-Z][0-9]{4}[0-9]{2}[0-9A-Z]{6}$/;

/**
 * ISBT 128 Chain of Identity identifier (data structure 040, ST-028): `CH` + issuing facility (5)
 * + year (2) + sequence (6), with an ISO 7064 check character.
 */
const isbt128Coi: IdentityFormat = {
    name: 'isbt128_coi',
    description: 'ISBT 128 Chain of Identity identifier (ST-028) with its ISO 7064 check character',
    example: sampleCoi(),
    parse(text) {
        const compact = text.replace(/\s+/g, '').toUpperCase().replace(/^=/, '');
        const body = compact.slice(0, 15);
        const check = compact.slice(15);
        if (!COI_BODY.test(body) || check.length !== 1) {
            return { ok: false, message: `'${text}' is not an ISBT 128 COI identifier: expected 'CH' + facility (A9999) + year (2) + sequence (6) + check character, e.g. '${sampleCoi()}'` };
        }
        const expected = checkCharacter(body);
        if (check !== expected) {
            return { ok: false, message: `'${text}' fails its ISBT 128 check character: '${check}' was written, '${expected}' is correct for ${body}; the identifier is probably mistyped` };
        }
        return { ok: true, value: compact };
    },
};

function sampleDin(): string {
    return `W1234 26 000123 ${checkCharacter('W123426000123')}`;
}

function sampleCoi(): string {
    return `CH W1234 26 A00042 ${checkCharacter('CHW123426A00042')}`;
}

export const IDENTITY_FORMATS: ReadonlyMap<string, IdentityFormat> = new Map(
    [isbt128Din, isbt128Coi].map(f => [f.name, f]),
);

export function identityFormat(name: string): IdentityFormat | undefined {
    return IDENTITY_FORMATS.get(name);
}
