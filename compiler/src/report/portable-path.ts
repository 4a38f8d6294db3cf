/** File paths as CI tools expect them: forward slashes on every OS, whatever the checker reported. */

export function portablePath(file: string): string {
    return file.replace(/\\/g, '/');
}
