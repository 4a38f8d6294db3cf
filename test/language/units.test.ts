import { describe, expect, it } from 'vitest';
import { formatDuration, isUnitError, resolveUnit, toUcum, type ResolvedUnit } from '@coil/language/units';

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
});
