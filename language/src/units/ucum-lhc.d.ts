// Minimal typings for @lhncbc/ucum-lhc, which ships none.
declare module '@lhncbc/ucum-lhc' {
    interface UcumUnit {
        dim_: { dimVec_: number[] } | null;
        magnitude_: number;
        isSpecial_: boolean;
        isArbitrary_: boolean;
        property_: string;
        csCode_: string;
        name_: string;
    }
    interface UcumLhcUtils {
        getSpecifiedUnit(unit: string, valConv: 'validate' | 'convert', suggest?: boolean): { unit: UcumUnit | null; retMsg?: string[]; suggestions?: unknown };
        validateUnitString(unit: string, suggest?: boolean): { status: 'valid' | 'invalid' | 'error'; ucumCode: string | null; msg: string[] };
        convertUnitTo(from: string, value: number, to: string): { status: string; toVal: number; msg: string[] };
    }
    const ucum: { UcumLhcUtils: { getInstance(): UcumLhcUtils } };
    export default ucum;
}
