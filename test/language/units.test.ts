import { describe, expect, it } from 'vitest';
import { exceeds, formatDuration, formatDurations, isUnitError, resolveUnit, toUcum, type ResolvedUnit } from '@coil/language/units';

function unit(text: string): ResolvedUnit {
    const u = resolveUnit(text);
    if (isUnitError(u)) throw new Error(u.message);
    return u;
}

describe('units', () => {
    it('map friendly aliases to UCUM, term by term', () => {
        expect(toUcum('°C')).toBe('Cel');
        expect(toUcum('degC')).toBe('Cel');
        expect(toUcum('cells/kg')).toBe('{cells}/kg');
        expect(toUcum('copies/cell')).toBe('{copies}/{cells}');
        expect(toUcum('mL')).toBe('mL');
    });

    it('read EU as the endotoxin unit, not UCUM\'s Ehrlich unit [EU]', () => {
        expect(toUcum('EU/kg')).toBe('{EU}/kg');
        expect(unit('EU/kg').key).not.toBe(unit('[EU]/kg').key);
    });

    it('convert durations to seconds', () => {
        expect(unit('h').toCanonical(48)).toBe(172_800);
        expect(unit('min').toCanonical(2880)).toBe(172_800);
        expect(unit('d').toCanonical(2)).toBe(172_800);
        expect(unit('h').kind).toBe('duration');
    });

    it('convert temperatures to Celsius, offsets included', () => {
        expect(unit('°C').toCanonical(-150)).toBe(-150);
        expect(unit('K').toCanonical(273.15)).toBeCloseTo(0, 9);
        expect(unit('°F').toCanonical(46.4)).toBeCloseTo(8, 9);
        expect(unit('degF').kind).toBe('temperature');
    });

    it('tell kinds apart: a temperature is not a duration, a cell count is not a fraction', () => {
        expect(unit('°C').key).not.toBe(unit('h').key);
        expect(unit('cells').key).not.toBe(unit('%').key);
        expect(unit('cells').description).toBe('a count of {cells}');
        expect(unit('mL').key).toBe(unit('L').key);
        expect(unit('mL').toCanonical(1000)).toBeCloseTo(unit('L').toCanonical(1), 12);
    });

    it('read °C in a rate as a temperature difference: a freeze rate of -1 °C/min is -1 K/min', () => {
        expect(toUcum('°C/min')).toBe('K/min');
        expect(unit('°C/min').key).toBe(unit('K/min').key);
        expect(unit('°C/min').toCanonical(-1)).toBeCloseTo(unit('K/min').toCanonical(-1), 12);
    });

    it('accept the singular of count aliases: 1 bag .. 3 bags', () => {
        expect(unit('bag').key).toBe(unit('bags').key);
        expect(unit('dose').key).toBe(unit('doses').key);
    });

    it('reject what is not a unit, with a message that lists what works', () => {
        const u = resolveUnit('furlongs');
        expect(isUnitError(u)).toBe(true);
        expect(isUnitError(u) && u.message).toMatch(/'furlongs' is not a unit.*UCUM/);
    });

    it('format durations as an engineer reads them', () => {
        expect(formatDuration(172_800)).toBe('2 d');
        expect(formatDuration(93_600)).toBe('1 d 2 h');
        expect(formatDuration(5_400)).toBe('1 h 30 min');
        expect(formatDuration(0)).toBe('0 h');
    });

    it('format durations rounded to the second, never truncated', () => {
        expect(formatDuration(unit('h').toCanonical(4.1))).toBe('4 h 6 min');
        expect(formatDuration(3959.6)).toBe('1 h 6 min');
        expect(formatDuration(86_399)).toBe('1 d');
        expect(formatDuration(0.4)).toBe('0.4 s');
        expect(formatDuration(-0.25)).toBe('-0.25 s');
        expect(formatDuration(90.4)).toBe('1 min 30 s');
    });

    it('never format two different durations in one message as the same text', () => {
        expect(formatDurations(unit('d').toCanonical(2.51), unit('h').toCanonical(60))).toEqual(['2 d 12 h 14 min', '2 d 12 h']);
        expect(formatDurations(86_401, 86_400)).toEqual(['1 d 1 s', '1 d']);
        expect(formatDurations(100.25, 100)).toEqual(['100.25 s', '100 s']);
        expect(formatDurations(7200, 7200)).toEqual(['2 h', '2 h']);
    });

    it('compare converted values with a relative tolerance: 1.1 h does not exceed 66 min', () => {
        expect(unit('h').toCanonical(1.1)).toBeGreaterThan(unit('min').toCanonical(66));
        expect(exceeds(unit('h').toCanonical(1.1), unit('min').toCanonical(66))).toBe(false);
        expect(exceeds(unit('h').toCanonical(4.1), unit('min').toCanonical(246))).toBe(false);
        expect(exceeds(unit('L').toCanonical(1.1), unit('mL').toCanonical(1100))).toBe(false);
        expect(exceeds(unit('h').toCanonical(1.1), unit('min').toCanonical(65.99))).toBe(true);
        expect(exceeds(-1, -2)).toBe(true);
        expect(exceeds(-2, -1)).toBe(false);
    });

    it('read the UCUM annotation forms like the aliases: {cell} = {cells} = cell = cells', () => {
        expect(toUcum('{cell}')).toBe('{cells}');
        expect(toUcum('{copies}/{cell}')).toBe('{copies}/{cells}');
        expect(unit('{cell}').key).toBe(unit('cells').key);
        expect(unit('{copy}/{cell}').key).toBe(unit('copies/cell').key);
        expect(unit('{copies}/{cells}').key).toBe(unit('copy/cell').key);
    });

    it('reject a bare C or F (UCUM coulomb and farad) and suggest °C or °F', () => {
        const c = resolveUnit('C');
        expect(isUnitError(c) && c.message).toMatch(/did you mean °C\?/);
        const f = resolveUnit('F');
        expect(isUnitError(f) && f.message).toMatch(/did you mean °F\?/);
        expect(isUnitError(resolveUnit('C/min'))).toBe(true);
        expect(isUnitError(resolveUnit('°C'))).toBe(false);
    });
});
