// `needle-bench serve` as a child process: spawned with the given arguments, resolved once it prints
// where it listens. The load benchmark (serve-load) and the process-level tests start it this way.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI_PATH = fileURLToPath(new URL('../../bin/needle-bench.js', import.meta.url));

/** The line serve prints on stdout once it accepts connections. */
export const LISTENING = /listening on (http:\/\/\S+)\/v1/;

export interface ServeProcess {
  child: ChildProcess;
  /** The server's root URL (without /v1). */
  url: string;
  /** Its stderr so far ('' when inherited). */
  stderr: () => string;
  /** The exit code (null when killed by a signal). */
  exited: Promise<number | null>;
}

export interface SpawnServeOptions {
  cwd?: string;
  /** 'pipe' keeps stderr for stderr(); 'inherit' shows it. Default 'pipe'. */
  stderr?: 'pipe' | 'inherit';
  /** Called with the child as soon as it is spawned (to kill it on a failed test). */
  onSpawn?: (child: ChildProcess) => void;
}

/** Spawns `needle-bench serve <args>`; rejects with its stderr when it exits before listening. */
export function spawnServe(args: string[], options: SpawnServeOptions = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [CLI_PATH, 'serve', ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', options.stderr ?? 'pipe'] });
  options.onSpawn?.(child);
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const m = LISTENING.exec(out);
      if (m) resolve({ child, url: m[1], stderr: () => err, exited });
    });
    void exited.then((code) => reject(new Error(`serve exited ${code} before listening${err ? `: ${err}` : ''}`)));
  });
}
