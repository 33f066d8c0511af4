// Providers are discovered: any module in src/providers exporting `factory` is registered under its
// prefix. A model spec is a registered model id (models/*.json, run by the provider its entry names),
// or "<prefix>" / "<prefix>:<argument>" (e.g. "replay:runs/x.jsonl", "needle:path/to/ckpt").
import { modelRegistry } from '../models/registry.ts';
import { discover } from '../util/discover.ts';
import type { Provider, ProviderFactory, ProviderOptions } from './types.ts';

let cache: Map<string, ProviderFactory> | undefined;

export async function providerFactories(): Promise<Map<string, ProviderFactory>> {
  if (!cache) {
    const list = await discover<ProviderFactory>(new URL('.', import.meta.url), 'factory');
    cache = new Map(list.map((f) => [f.prefix, f]));
  }
  return cache;
}

export function specPrefix(spec: string): string {
  const i = spec.indexOf(':');
  return i < 0 ? spec : spec.slice(0, i);
}

export async function createProvider(spec: string, options: ProviderOptions): Promise<Provider> {
  const all = await providerFactories();
  const entry = modelRegistry().get(spec);
  if (entry) {
    const factory = all.get(entry.provider);
    if (!factory) throw new Error(`model "${spec}" (${entry.file}) names provider "${entry.provider}", which is not available`);
    return factory.create(spec, { ...options, model: entry });
  }
  const factory = all.get(specPrefix(spec));
  if (!factory) {
    const names = [...all.values()].map((f) => `${f.prefix} (${f.description})`).sort();
    const models = [...modelRegistry().keys()].sort();
    throw new Error(`unknown model "${spec}"; registered models: ${models.join(', ') || 'none'}; providers: ${names.join('; ')}`);
  }
  return factory.create(spec, options);
}
