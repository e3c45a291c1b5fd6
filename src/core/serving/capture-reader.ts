import { MISSING } from '../data/contract.js';
import type { Table } from '../data/table.js';
import { EXIT_CODES, UserError } from '../errors/index.js';
import { REQUIRED_RAW_COLUMNS } from '../features/engineer.js';
import type { ObjectStore } from '../storage/index.js';
import { CAPTURE_PREFIX, type CaptureLine } from './capture.js';

export interface CaptureWindow {
  /** Records scored at or after this time. */
  from: Date;
  /** Records scored before this time. */
  to: Date;
}

const DAY_KEY = /^capture\/(\d{4})\/(\d{2})\/(\d{2})\//;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The records captured by `serve --capture` in a time window, as a table of the model's raw input columns
 * (the file's names and strings), ready to be the current data of `monitorBatch`. Only the days the window
 * touches are read.
 */
export async function readCapturedTable(store: ObjectStore, window: CaptureWindow): Promise<Table> {
  const from = window.from.getTime();
  const to = window.to.getTime();
  if (!(from < to)) {
    throw new UserError(
      `the capture window from ${window.from.toISOString()} to ${window.to.toISOString()} is empty`,
      'give a start before the end',
    );
  }

  const firstDay = Math.floor(from / DAY_MS) * DAY_MS;
  const keys = (await store.list(CAPTURE_PREFIX)).filter((key) => {
    const day = DAY_KEY.exec(key);
    if (!day) return false;
    const start = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    return start >= firstDay && start < to;
  });

  const columns = [...REQUIRED_RAW_COLUMNS];
  const rows: string[][] = [];
  for (const key of keys) {
    const lines = (await store.read(key)).toString('utf8').split('\n');
    lines.forEach((text, i) => {
      if (text === '') return;
      const line = parseLine(text, key, i + 1);
      const time = Date.parse(line.time);
      if (time >= from && time < to) rows.push(columns.map((name) => line.record[name] ?? MISSING));
    });
  }

  const source = `records captured from ${window.from.toISOString()} to ${window.to.toISOString()} in ${store.uri}`;
  if (rows.length === 0) {
    throw new UserError(
      `no ${source}`,
      'run `healthpredict serve --capture` and send it requests, or widen the window',
      EXIT_CODES.notFound,
    );
  }
  return { columns, rows, source };
}

function parseLine(text: string, key: string, line: number): CaptureLine {
  const parsed = parseJson(text) as Partial<CaptureLine> | undefined;
  if (typeof parsed?.time !== 'string' || typeof parsed.record !== 'object' || parsed.record === null) {
    throw new UserError(
      `${key}: line ${line} is not a captured record`,
      'remove files under capture/ that `serve --capture` did not write',
      EXIT_CODES.badInput,
    );
  }
  return parsed as CaptureLine;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
