import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkPaths, isProcess, listCoilFiles } from '@coil/language';

const examples = path.resolve(__dirname, '../../examples');

describe('the examples', () => {
    it('parse, link and validate without a single diagnostic', async () => {
        const result = await checkPaths([examples]);
        expect(result.diagnostics.map(d => `${d.file}:${d.start.line} ${d.code} ${d.message}`)).toEqual([]);
        expect(result.files.length).toBe(listCoilFiles([examples]).length);
    });

    it('resolve shared declarations across files of the workspace', async () => {
        const result = await checkPaths([path.join(examples, 'autologous-fresh.coil')]);
        expect(result.diagnostics).toEqual([]);
        const process = result.files[0].model.elements.find(isProcess)!;
        const collect = process.elements.find(e => e.$type === 'Step' && e.name === 'Collect');
        expect(collect && 'location' in collect && collect.location?.site.ref?.name).toBe('CollectionCentre');
        expect(collect && 'location' in collect && collect.location?.room?.ref?.name).toBe('ApheresisBay');
    });
});
