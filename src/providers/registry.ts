// Providers are discovered: any module in src/providers exporting `factory` is registered under its
// prefix. A model spec is "<prefix>" or "<prefix>:<argument>" (e.g. "replay:runs/x.jsonl").
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
  const factory = all.get(specPrefix(spec));
  if (!factory) {
    const names = [...all.values()].map((f) => `${f.prefix} (${f.description})`).sort();
    throw new Error(`unknown model "${spec}"; available: ${names.join('; ')}`);
  }
  return factory.create(spec, options);
}
