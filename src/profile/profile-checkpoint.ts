// Which Needle a `profile --checkpoint` path holds: a `.cact` engine file is Needle 2; a pickle,
// .safetensors or converted directory is read once and told apart as the needle2 provider and v1's
// loader do (isNeedle2: format_version 2, or a tree/config only Needle 2 has), then validated as that
// generation's checkpoint.
import { readRawCheckpoint } from '../checkpoint/raw.ts';
import { finishCheckpoint } from '../needle/v1/checkpoint.ts';
import type { NeedleCheckpoint } from '../needle/v1/types.ts';
import { loadCactCheckpoint } from '../needle/v2/cact-checkpoint.ts';
import { finishNeedle2Checkpoint, isNeedle2, NEEDLE2_PICKLE_NAMES, type Needle2Checkpoint } from '../needle/v2/checkpoint.ts';

export type ProfileCheckpoint = { generation: 1; checkpoint: NeedleCheckpoint } | { generation: 2; checkpoint: Needle2Checkpoint };

/** Load a checkpoint of either generation; `expect` refuses the other one with a clear message. */
export async function loadProfileCheckpoint(path: string, expect?: 1 | 2): Promise<ProfileCheckpoint> {
  let found: ProfileCheckpoint;
  if (path.toLowerCase().endsWith('.cact')) found = { generation: 2, checkpoint: await loadCactCheckpoint(path) };
  else {
    const raw = await readRawCheckpoint(path, { pickleNames: [...NEEDLE2_PICKLE_NAMES, 'needle.pkl'] });
    found = isNeedle2(raw) ? { generation: 2, checkpoint: finishNeedle2Checkpoint(raw) } : { generation: 1, checkpoint: finishCheckpoint(raw) };
  }
  if (expect && found.generation !== expect) {
    throw new Error(`${path}: a Needle ${found.generation === 2 ? '2' : 'v1'} checkpoint, but --model ${expect === 2 ? 'needle-2' : 'needle'} was given (leave --model out to profile the model the file holds)`);
  }
  return found;
}
