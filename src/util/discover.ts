// Plug-in discovery: every module in a folder that exports a given name is registered. Adding a
// model family is adding a file, never editing a central switch.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';

export async function discover<T>(dirUrl: URL, exportName: string): Promise<T[]> {
  const dir = fileURLToPath(dirUrl);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.test.ts'))
    .sort();
  const found: T[] = [];
  for (const file of files) {
    const mod = (await import(pathToFileURL(join(dir, file)).href)) as Record<string, unknown>;
    const value = mod[exportName];
    if (value === undefined) continue;
    if (Array.isArray(value)) found.push(...(value as T[]));
    else found.push(value as T);
  }
  return found;
}
