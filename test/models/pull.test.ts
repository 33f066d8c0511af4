// `pull` runs through the real hub client against a real HTTP server on loopback that serves the
// hub's resolve endpoint, so the URL layout, revision pinning and the cache layout are all exercised.
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pullModel } from '../../src/models/pull.ts';
import { parseEntry, presence, REVISION_FILE } from '../../src/models/registry.ts';

const REV = '8a204f088b0ed9de400b4fd0692fef371399d802';
const files: Record<string, Buffer> = {
  'needle.pkl': Buffer.from('pickle-bytes'.repeat(1000)),
  'tokenizer/needle.model': Buffer.from('spm-model'),
};
const requests: string[] = [];
let server: Server;
let hubUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const m = /^\/Cactus-Compute\/needle\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? '');
    const body = m && m[1] === REV ? files[decodeURIComponent(m[2])] : undefined;
    if (!body) {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound' });
      res.end('not found');
      return;
    }
    // Like the hub, honour byte ranges (the client sizes a file with `Range: bytes=0-0`).
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
      res.writeHead(206, { 'content-range': `bytes ${start}-${end}/${body.length}`, 'content-length': end - start + 1, etag: '"x"' });
      res.end(body.subarray(start, end + 1));
      return;
    }
    res.writeHead(200, { 'content-length': body.length, etag: '"x"', 'x-repo-commit': REV });
    res.end(req.method === 'HEAD' ? undefined : body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  hubUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const entry = parseEntry(readFileSync(join(import.meta.dirname, '../../models/needle.json'), 'utf8'), 'models/needle.json');

describe('pull', () => {
  it('downloads every file at the pinned revision into <cache>/<repo>/ and records the revision', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'nb-cache-'));
    expect(presence(entry, cacheDir).present).toBe(false);
    const dir = await pullModel(entry, { cacheDir, hubUrl });
    expect(dir).toBe(join(cacheDir, 'Cactus-Compute/needle'));
    for (const [name, body] of Object.entries(files)) expect(readFileSync(join(dir, name)).equals(body)).toBe(true);
    expect(readFileSync(join(dir, REVISION_FILE), 'utf8').trim()).toBe(REV);
    const p = presence(entry, cacheDir);
    expect(p).toMatchObject({ present: true, missing: [], revision: REV });
    expect(requests.some((r) => r.includes(`/resolve/${REV}/needle.pkl`))).toBe(true);
    expect(requests.every((r) => !r.includes('/resolve/main/'))).toBe(true);
  });

  it('names the repo, revision and file when the hub lacks a file, and leaves nothing half-written', async () => {
    const cacheDir = mkdtempSync(join(tmpdir(), 'nb-cache-'));
    const broken = { ...entry, hub: { ...entry.hub!, files: ['needle.pkl', 'missing.bin'] } };
    await expect(pullModel(broken, { cacheDir, hubUrl })).rejects.toThrow(/Cactus-Compute\/needle@8a204f0.*missing\.bin/);
    expect(existsSync(join(cacheDir, 'Cactus-Compute/needle', REVISION_FILE))).toBe(false);
    expect(presence(broken, cacheDir).present).toBe(false);
  });

  it('refuses registry entries without a pinned 40-hex revision', () => {
    expect(() => parseEntry(JSON.stringify({ ...entry, hub: { ...entry.hub, revision: 'main' } }), 'x.json')).toThrow(/pinned revision/);
  });

  it('accepts an unpinned entry (null) only with a revisionNote, and pull refuses it without --revision', async () => {
    expect(() => parseEntry(JSON.stringify({ ...entry, hub: { ...entry.hub, revision: null } }), 'x.json')).toThrow(/revisionNote/);
    const unpinned = parseEntry(
      JSON.stringify({ ...entry, hub: { ...entry.hub, revision: null, revisionNote: 'no commit found yet' } }),
      'x.json',
    );
    const cacheDir = mkdtempSync(join(tmpdir(), 'nb-cache-'));
    await expect(pullModel(unpinned, { cacheDir, hubUrl })).rejects.toThrow(
      /revision not pinned yet: needle \(Cactus-Compute\/needle\): no commit found yet; pass --revision <sha>/,
    );
    expect(existsSync(join(cacheDir, 'Cactus-Compute/needle'))).toBe(false);
    await expect(pullModel(unpinned, { cacheDir, hubUrl, revision: 'main' })).rejects.toThrow(/40-hex/);
    // With an explicit revision it pulls that commit and records it.
    const dir = await pullModel(unpinned, { cacheDir, hubUrl, revision: REV });
    expect(readFileSync(join(dir, REVISION_FILE), 'utf8').trim()).toBe(REV);
  });

  it('every registered entry parses; unpinned ones say why', async () => {
    const { modelRegistry } = await import('../../src/models/registry.ts');
    for (const e of modelRegistry().values()) {
      if (e.hub && e.hub.revision === null) expect(e.hub.revisionNote?.length).toBeGreaterThan(10);
      if (e.hub?.revision) expect(e.hub.revision).toMatch(/^[0-9a-f]{40}$/);
    }
  });
});
