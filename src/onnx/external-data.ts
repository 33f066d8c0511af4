// An external data file written while the graph is built: each large initializer goes to disk as soon
// as it is added (4096-aligned, as HF ONNX exports place them) and is not kept in memory, so a model
// of several hundred MB is built with about one tensor resident at a time.
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename } from 'node:path';

export interface InitializerSink {
  /** Initializers of at least this many bytes go to the file (default 1024, as encodeWithExternalData). */
  readonly minBytes: number;
  /** The file name recorded in each tensor's external_data (relative to the .onnx file). */
  readonly location: string;
  place(raw: Uint8Array): { location: string; offset: number; length: number };
}

const ALIGN = 4096;

export class ExternalDataFile implements InitializerSink {
  readonly location: string;
  private readonly fd: number;
  private size = 0;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly onProgress?: (bytesWritten: number) => void,
    readonly minBytes = 1024,
  ) {
    this.location = basename(path);
    this.fd = openSync(path, 'w');
  }

  place(raw: Uint8Array): { location: string; offset: number; length: number } {
    if (this.closed) throw new Error(`${this.path}: written after close()`);
    const offset = Math.ceil(this.size / ALIGN) * ALIGN;
    let done = 0;
    while (done < raw.byteLength) done += writeSync(this.fd, raw, done, raw.byteLength - done, offset + done);
    this.size = offset + raw.byteLength;
    this.onProgress?.(this.size);
    return { location: this.location, offset, length: raw.byteLength };
  }

  get bytes(): number {
    return this.size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}
