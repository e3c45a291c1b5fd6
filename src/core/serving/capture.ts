import { randomBytes } from 'node:crypto';

import type { ObjectStore } from '../storage/index.js';
import { fileValuesOf } from './file-records.js';
import type { PatientRecord } from './validation.js';

/**
 * Capture of scored records for monitoring: each record, its probability and prediction, and the model that
 * made it, as one JSON line in the store under `capture/YYYY/MM/DD/` (the UTC day it was scored).
 *
 * Requests only push onto a buffer; a timer (or a full buffer) writes the buffer out as a new object, so
 * that no request waits for the store, and a store without appends (S3) works the same. Each write is a
 * file of its own, named by time, an id of this process and a sequence number, so that several replicas can
 * share one store. When the store is slower than the traffic the buffer stops growing at `maxBuffered` and
 * further records are dropped and counted rather than held without bound.
 */
export const CAPTURE_PREFIX = 'capture/';

export interface CaptureLine {
  /** When the record was scored, ISO 8601 in UTC. */
  time: string;
  model: { name: string | null; version: string | null; run_id: string | null };
  prediction: 0 | 1;
  probability: number;
  threshold: number;
  /** The record as the file would hold it: the data set's names, strings, `?` for missing. */
  record: Record<string, string>;
}

export interface CaptureOptions {
  store: ObjectStore;
  model: CaptureLine['model'];
  threshold: number;
  /** Records that trigger a write before the timer does (default 1,000). */
  batchSize?: number;
  /** Longest a record waits in the buffer, in milliseconds (default 1,000). */
  flushIntervalMs?: number;
  /** Records held at most; beyond, new records are dropped (default 100,000). */
  maxBuffered?: number;
  now?: () => Date;
  onWritten?: (records: number, key: string) => void;
  onDropped?: (records: number) => void;
  onError?: (error: Error) => void;
}

interface Pending {
  time: number;
  record: PatientRecord;
  probability: number;
  prediction: 0 | 1;
}

export interface CaptureStats {
  written: number;
  dropped: number;
  files: number;
}

export class CaptureWriter {
  private pending: Pending[] = [];
  private writing: Promise<void> = Promise.resolve();
  private readonly timer: NodeJS.Timeout;
  private readonly instance = randomBytes(4).toString('hex');
  private sequence = 0;
  private closed = false;
  private readonly stats: CaptureStats = { written: 0, dropped: 0, files: 0 };
  private readonly batchSize: number;
  private readonly maxBuffered: number;
  private readonly now: () => Date;

  constructor(private readonly options: CaptureOptions) {
    this.batchSize = options.batchSize ?? 1000;
    this.maxBuffered = options.maxBuffered ?? 100_000;
    this.now = options.now ?? (() => new Date());
    this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 1000);
    this.timer.unref();
  }

  /** Queues scored records; returns at once. */
  add(records: readonly PatientRecord[], probabilities: Float64Array, classOf: (p: number) => 0 | 1): void {
    const room = this.closed ? 0 : Math.max(0, this.maxBuffered - this.pending.length);
    const kept = Math.min(room, records.length);
    const time = this.now().getTime();
    for (let i = 0; i < kept; i++) {
      const probability = probabilities[i];
      this.pending.push({ time, record: records[i], probability, prediction: classOf(probability) });
    }
    if (kept < records.length) this.drop(records.length - kept);
    if (this.pending.length >= this.batchSize) void this.flush();
  }

  /** Writes what is buffered now; resolves when it (and any write before it) is in the store. */
  flush(): Promise<void> {
    const batch = this.pending;
    if (batch.length > 0) {
      this.pending = [];
      this.writing = this.writing.then(() => this.write(batch));
    }
    return this.writing;
  }

  /** Stops the timer and writes everything still buffered. */
  async close(): Promise<CaptureStats> {
    this.closed = true;
    clearInterval(this.timer);
    await this.flush();
    return { ...this.stats };
  }

  get counts(): CaptureStats {
    return { ...this.stats };
  }

  private async write(batch: Pending[]): Promise<void> {
    for (const [day, entries] of byDay(batch)) {
      const key = `${CAPTURE_PREFIX}${day}/${compactTime(entries[0].time)}-${this.instance}-${this.sequence++}.jsonl`;
      const text = entries.map((entry) => this.line(entry)).join('');
      try {
        await this.options.store.write(key, text);
        this.stats.written += entries.length;
        this.stats.files++;
        this.options.onWritten?.(entries.length, key);
      } catch (error) {
        this.drop(entries.length);
        this.options.onError?.(error as Error);
      }
    }
  }

  private line(entry: Pending): string {
    const line: CaptureLine = {
      time: new Date(entry.time).toISOString(),
      model: this.options.model,
      prediction: entry.prediction,
      probability: entry.probability,
      threshold: this.options.threshold,
      record: fileValuesOf(entry.record),
    };
    return `${JSON.stringify(line)}\n`;
  }

  private drop(records: number): void {
    this.stats.dropped += records;
    this.options.onDropped?.(records);
  }
}

/** Entries grouped by their UTC day, `YYYY/MM/DD`, in time order. */
function byDay(entries: Pending[]): Map<string, Pending[]> {
  const days = new Map<string, Pending[]>();
  for (const entry of entries) {
    const day = new Date(entry.time).toISOString().slice(0, 10).replaceAll('-', '/');
    const list = days.get(day);
    if (list) list.push(entry);
    else days.set(day, [entry]);
  }
  return days;
}

/** `20240501T101112.123Z`: sorts as the time does and is safe in a key. */
function compactTime(time: number): string {
  return new Date(time).toISOString().replaceAll('-', '').replaceAll(':', '');
}
