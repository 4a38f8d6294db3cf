/** ISO/IEC 7064 MOD 37-2, the check character of ISBT 128 identifiers. */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ*';

/** The checksum (0..36) of a string of digits and capital letters. */
export function mod37_2(text: string): number {
    let sum = 0;
    for (const ch of text) {
        const value = ALPHABET.indexOf(ch);
        if (value < 0 || value > 35) throw new RangeError(`'${ch}' cannot appear in an ISBT 128 identifier`);
        // Horner's rule for sum(value * 2^position), reduced as we go to stay exact.
        sum = ((sum + value) * 2) % 37;
    }
    return (38 - sum) % 37;
}

/** The eye-readable check character for `text`. */
export function checkCharacter(text: string): string {
    return ALPHABET[mod37_2(text)];
}
