/** Sites and materials: cleanroom grades are the EU GMP grades, and materials say where they come from. */
import type { ValidationChecks } from 'langium';
import type { CoilAstType } from '../generated/ast.js';
import { isMaterialOrigin } from '../generated/ast.js';
import { report } from './report.js';

const GRADES = ['A', 'B', 'C', 'D', 'CNC'];

export const siteChecks: ValidationChecks<CoilAstType> = {
    Room: (room, accept) => {
        if (room.grade !== undefined && !GRADES.includes(room.grade)) {
            report(accept, 'COIL-L001', `'${room.grade}' is not a cleanroom grade. Use an EU GMP grade: ${GRADES.join(', ')} (CNC: controlled, not classified).`, { node: room, property: 'grade' });
        }
    },
    Material: (material, accept) => {
        if (!material.members.some(isMaterialOrigin)) {
            report(accept, 'COIL-M001', `Material ${material.name} does not say its origin. Add 'origin patient', 'origin donor' or 'origin reagent': identity checks depend on it.`, { node: material, property: 'name' });
        }
    },
};
