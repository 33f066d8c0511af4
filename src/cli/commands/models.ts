// `needle-bench models` lists the registry with presence; `needle-bench pull <id>` downloads one.
import type { Command } from 'commander';
import { hubLabel, modelCacheDir, modelRegistry, presence, type ModelEntry } from '../../models/registry.ts';

/** Where an entry's model comes from, for the listing. */
function source(m: ModelEntry): string {
  if (m.local) return `shipped (${m.local})`;
  if (m.hub) return hubLabel(m.hub);
  return `endpoint ${m.endpoint!.baseUrl ?? `$${m.endpoint!.baseUrlEnv}`} (${m.endpoint!.model})`;
}

/** What makes an absent entry present: a pull, or (endpoint entries) setting its URL variable. */
function remedy(m: ModelEntry): string {
  if (m.endpoint && !m.hub && !m.local) return `set ${m.endpoint.baseUrlEnv} to the server's base URL (docs/openai.md)`;
  return `needle-bench pull ${m.id}${m.hub && m.hub.revision === null ? ' --revision <sha>' : ''}`;
}

export function register(program: Command): void {
  program
    .command('models')
    .description('List registered models and whether each is present locally')
    .option('--json', 'print JSON')
    .action((opts: { json?: boolean }) => {
      const rows = [...modelRegistry().values()].map((m) => {
        const p = presence(m);
        return {
          id: m.id,
          name: m.displayName,
          provider: m.provider,
          dialect: m.dialect,
          parameters: m.parameterCount ?? null,
          licence: m.licence,
          source: source(m),
          present: p.present,
          pull: remedy(m),
          dir: p.dir,
        };
      });
      if (opts.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      console.log(`model cache: ${modelCacheDir()}`);
      for (const r of rows) {
        const state = r.present ? 'present' : `not present — ${r.pull}`;
        const params = r.parameters ? `${(r.parameters / 1e6).toFixed(1)}M` : '?';
        console.log(`${r.id.padEnd(24)} ${params.padStart(7)}  ${r.dialect.padEnd(14)} ${r.source.padEnd(48)} ${state}`);
      }
    });

  program
    .command('pull <id>')
    .description('Download a registered model at its pinned revision into the model cache')
    .option('--cache-dir <dir>', 'model cache (default $NEEDLE_BENCH_CACHE or ~/.cache/needle-bench/models)')
    .option('--hub-url <url>', 'hub endpoint (default the public hub, or $HF_ENDPOINT)')
    .option('--revision <sha>', 'pull this 40-hex commit instead of the pinned one (required for entries not pinned yet)')
    .action(async (id: string, opts: { cacheDir?: string; hubUrl?: string; revision?: string }) => {
      const registry = modelRegistry();
      const entry = registry.get(id);
      if (!entry) throw new Error(`unknown model "${id}"; registered: ${[...registry.keys()].join(', ')}`);
      if (!entry.hub) throw new Error(`${id} has nothing to pull: ${entry.local ? `its weights ship in ${entry.local}` : `it is served by an endpoint (${remedy(entry)})`}`);
      const { pullModel } = await import('../../models/pull.ts');
      const dir = await pullModel(entry, {
        cacheDir: opts.cacheDir,
        hubUrl: opts.hubUrl,
        revision: opts.revision,
        onFile: (file, bytes) => console.log(`  ${file} (${(bytes / 1e6).toFixed(1)} MB)`),
      });
      console.log(`${id}: ${entry.hub!.repo}@${opts.revision ?? entry.hub!.revision} → ${dir}`);
    });
}
