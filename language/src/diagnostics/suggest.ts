/** "Did you mean ...?": the closest known name to a misspelt one, by edit distance. */

/** Levenshtein distance, with an early exit once it exceeds `limit`. */
export function editDistance(a: string, b: string, limit: number): number {
    if (Math.abs(a.length - b.length) > limit) return limit + 1;
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        let best = i;
        for (let j = 1; j <= b.length; j++) {
            const cost = a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1;
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
            best = Math.min(best, current[j]);
        }
        if (best > limit) return limit + 1;
        previous = current;
    }
    return previous[b.length];
}

/** The candidate nearest to `name`, if it is close enough to be a likely typo (a third of its length, at most 3 edits). */
export function closestName(name: string, candidates: Iterable<string>): string | undefined {
    const limit = Math.min(3, Math.max(1, Math.floor(name.length / 3)));
    let best: string | undefined;
    let bestDistance = limit + 1;
    for (const candidate of candidates) {
        if (candidate === name) continue;
        const d = editDistance(name, candidate, limit);
        if (d < bestDistance) {
            best = candidate;
            bestDistance = d;
        }
    }
    return best;
}
