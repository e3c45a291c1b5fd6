import { readFile, realpath, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

import { CsvError } from 'csv-parse';
import { parse } from 'csv-parse/sync';

import { toCsv } from '../data/csv.js';
import { EXIT_CODES, UserError } from '../errors/index.js';
import { writeFileAtomic } from '../util/files.js';
import { FIELDS, type FieldSpec } from './fields.js';
import { rowReader } from './file-records.js';
import { loadServingModel, type LoadModelOptions, type ServingModel } from './model-loader.js';
import { createPredictor } from './predictor.js';
import { MAX_BATCH_RECORDS } from './schema.js';
import { checkRecord, excludedDispositions, type FieldProblem, type PatientRecord } from './validation.js';

export const PROBABILITY_COLUMN = 'probability';
export const PREDICTION_COLUMN = 'prediction';

export interface PredictFileOptions extends LoadModelOptions {
  /** A CSV file (or `.csv.gz`) of raw records: the data set's columns under either spelling, and any others. */
  input: string;
  /** Where the input columns and the probability and prediction columns are written. */
  output: string;
}

export interface PredictFileResult {
  input: string;
  output: string;
  rows: number;
  scored: number;
  /** Rows with an expired or hospice disposition, for which readmission is undefined; left blank. */
  undefinedOutcome: number;
  positives: number;
  model: { uri: string; name: string | null; version: string | null; runId: string | null };
  durationMs: number;
}

/**
 * Scores a CSV file offline through the service's own code path: each row becomes the JSON record a client
 * would send, is checked against the same compiled schema and encoded and scored by the same predictor; the
 * first bad row stops the run with its line and field. Rows with an expired or hospice disposition get empty
 * probability and prediction cells, since readmission is undefined for them.
 */
export async function predictFile(options: PredictFileOptions): Promise<PredictFileResult> {
  const started = Date.now();
  const output = await outputPath(options.input, options.output);
  const model = await loadServingModel(options);
  const predictor = createPredictor(model);
  const file = await readRows(options.input);
  const { header, rows } = file;
  const reader = rowReader(header);
  checkHeader(header, reader.fields, options.input);

  // Chunks of a request's size: the records of a chunk die young, and the predictor's buffer is reused.
  const probability = new Array<string>(rows.length).fill('');
  const prediction = new Array<string>(rows.length).fill('');
  let scored = 0;
  let positives = 0;
  for (let start = 0; start < rows.length; start += MAX_BATCH_RECORDS) {
    const records: PatientRecord[] = [];
    const at: number[] = [];
    for (let i = start; i < Math.min(start + MAX_BATCH_RECORDS, rows.length); i++) {
      const record = reader.read(rows[i]);
      const problems = checkRecord(record);
      if (problems.length > 0) throw rowError(options.input, file.lineOf(i), problems[0]);
      if (excludedDispositions([record], false).length > 0) continue;
      records.push(record);
      at.push(i);
    }
    const probabilities = predictor.probabilities(records);
    at.forEach((row, k) => {
      const predicted = predictor.classOf(probabilities[k]);
      positives += predicted;
      probability[row] = JSON.stringify(probabilities[k]);
      prediction[row] = String(predicted);
    });
    scored += records.length;
  }

  await writeFileAtomic(
    output,
    file.withColumns([PROBABILITY_COLUMN, PREDICTION_COLUMN], [probability, prediction]),
  );
  return {
    input: options.input,
    output: options.output,
    rows: rows.length,
    scored,
    undefinedOutcome: rows.length - scored,
    positives,
    model: modelSummary(model),
    durationMs: Date.now() - started,
  };
}

function modelSummary(model: ServingModel): PredictFileResult['model'] {
  return { uri: model.uri, name: model.name, version: model.version, runId: model.runId };
}

interface CsvRows {
  header: string[];
  rows: string[][];
  /** The line of the file a row is on, for error messages. */
  lineOf(row: number): number;
  /** The file's text with columns added at the end of each row. */
  withColumns(names: string[], values: string[][]): string;
}

/**
 * A file without a single quote character is split on line ends and commas: that is every file `split`
 * writes (it quotes only values that need it, and none of the data set's do) and it is several times faster
 * than a full CSV parser, whose allocations dominate the time to score a large file. Any other file goes
 * through csv-parse.
 */
async function readRows(path: string): Promise<CsvRows> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UserError(
      `${path} cannot be read (${code})`,
      'give the path of a CSV file',
      EXIT_CODES.badInput,
    );
  }
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const plain = !text.includes('"');
  const rows = plain ? splitPlain(text) : parseQuoted(text, path);
  if (rows.records.length === 0) {
    throw new UserError(`${path} is empty`, 'give a CSV file with a header and rows', EXIT_CODES.badInput);
  }
  const width = rows.records[0].length;
  const ragged = rows.records.findIndex((record) => record.length !== width);
  if (ragged >= 0) {
    throw new UserError(
      `${path}: line ${rows.lines[ragged]} has ${rows.records[ragged].length} fields; the header has ${width}`,
      'every row must have as many fields as the header',
      EXIT_CODES.badInput,
    );
  }
  return {
    header: rows.records[0],
    rows: rows.records.slice(1),
    lineOf: (row) => rows.lines[row + 1],
    withColumns(names, values) {
      // A plain file's lines stay as they were; the values added (numbers, empty cells) need no quotes.
      if (plain) {
        const lines = rows.records.map((record, i) =>
          [record.join(','), ...(i === 0 ? names : values.map((column) => column[i - 1]))].join(','),
        );
        return `${lines.join('\n')}\n`;
      }
      const columns = [...rows.records[0], ...names];
      const out = rows.records.slice(1).map((record, i) => [...record, ...values.map((column) => column[i])]);
      return toCsv({ columns, rows: out, source: path });
    },
  };
}

function splitPlain(text: string): { records: string[][]; lines: number[] } {
  const records: string[][] = [];
  const lines: number[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line === '') return;
    records.push(line.split(','));
    lines.push(i + 1);
  });
  return { records, lines };
}

function parseQuoted(text: string, path: string): { records: string[][]; lines: number[] } {
  try {
    // With `info`, each record comes with the line it ends on, for error messages.
    const parsed = parse(text, { info: true, skip_empty_lines: true }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
    return { records: parsed.map((entry) => entry.record), lines: parsed.map((entry) => entry.info.lines) };
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    const line = (error as CsvError & { lines?: number }).lines;
    throw new UserError(
      `${path}: line ${line ?? '?'} is not valid CSV (${error.message.split(':')[0].toLowerCase()})`,
      'quote values that hold commas, quotes or line breaks',
      EXIT_CODES.badInput,
    );
  }
}

/** Every input the model needs is a column, under one spelling; the output columns are not there yet. */
function checkHeader(header: string[], fields: (FieldSpec | undefined)[], path: string): void {
  const taken = header.find((name) => name === PROBABILITY_COLUMN || name === PREDICTION_COLUMN);
  if (taken) {
    throw new UserError(
      `${path} already has a column "${taken}", which predict writes`,
      'rename or remove that column, or score the original file',
      EXIT_CODES.badInput,
    );
  }
  const seen = new Map<FieldSpec, string>();
  fields.forEach((field, i) => {
    if (!field) return;
    const other = seen.get(field);
    if (other !== undefined) {
      throw new UserError(
        `${path}: the columns "${other}" and "${header[i]}" are the same field`,
        'keep one of the two spellings',
        EXIT_CODES.badInput,
      );
    }
    seen.set(field, header[i]);
  });
  const missing = FIELDS.filter((field) => field.required && !seen.has(field));
  if (missing.length > 0) {
    const names = missing.slice(0, 5).map((field) => field.name);
    throw new UserError(
      `${path} has no column ${names.map((name) => `"${name}"`).join(', ')}${missing.length > 5 ? ` (and ${missing.length - 5} more)` : ''}`,
      'the file needs every input of the model: the columns of diabetic_data.csv, under their own names or in snake_case',
      EXIT_CODES.badInput,
    );
  }
}

function rowError(path: string, line: number, problem: FieldProblem): UserError {
  const column = problem.path.split('/').pop() ?? '';
  const expected = problem.expected;
  return new UserError(
    `${path}: line ${line}, column "${column}": expected ${expected}`,
    'fix the value, or leave the row out',
    EXIT_CODES.badInput,
  );
}

/**
 * Where the scored file goes: through a symbolic link to the file it names, never over the input itself, and
 * only to a regular file, since the file is written beside its final name and renamed into place.
 */
async function outputPath(input: string, output: string): Promise<string> {
  const target = await realpath(output).catch(() => resolve(output));
  const source = await realpath(input).catch(() => resolve(input));
  if (target === source) {
    throw new UserError(
      `--output ${output} is the input file itself`,
      'write the scores to another file; the input is left as it is',
      EXIT_CODES.usage,
    );
  }
  const existing = await stat(target).catch(() => undefined);
  if (existing && !existing.isFile()) {
    throw new UserError(
      `--output ${output} is not a regular file`,
      'give the path of a file to create or replace',
      EXIT_CODES.usage,
    );
  }
  return target;
}
