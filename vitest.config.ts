import { defineConfig } from 'vitest/config';

export default defineConfig({
    test: {
        include: ['test/**/*.test.ts'],
        // Langium's parser needs Object.groupBy, which Node 20 lacks.
        setupFiles: ['./test/setup.ts'],
        reporters: ['default', './test/summary-reporter.ts'],
        testTimeout: 60_000,
        hookTimeout: 60_000,
    },
});
