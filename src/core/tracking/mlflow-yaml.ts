import { Document, parse, visit } from 'yaml';

/**
 * The `meta.yaml` files of the MLflow FileStore, written as MLflow writes them with PyYAML
 * (`yaml.safe_dump(data, default_flow_style=False, allow_unicode=True, sort_keys=True)`): sorted keys, `null`
 * for None, single quotes where a string would otherwise read as another type, and sequences not indented
 * under their key. YAML 1.1 is the schema on both sides because PyYAML reads `yes`, `on` or `1_000` unquoted
 * as a boolean or a number, so such strings must be quoted.
 *
 * Known limit: PyYAML folds plain strings with spaces at about 80 columns; these files keep each value on one
 * line. Both read back to the same value.
 */
const WRITE_OPTIONS = {
  version: '1.1',
  sortMapEntries: true,
  singleQuote: true,
  indentSeq: false,
  lineWidth: 0,
} as const;

/** Plain scalars that PyYAML's SafeLoader would not read back as strings (`=` is its `value` tag). */
const MUST_QUOTE = new Set(['=', '<<']);

export type YamlRecord = Record<string, unknown>;

export function dumpMlflowYaml(data: YamlRecord): string {
  const document = new Document(data, WRITE_OPTIONS);
  visit(document, {
    Scalar(_key, node) {
      if (typeof node.value === 'string' && MUST_QUOTE.has(node.value)) node.type = 'QUOTE_SINGLE';
    },
  });
  return document.toString(WRITE_OPTIONS);
}

/**
 * Reads a `meta.yaml` into a record. Integers come back as bigint so that an 18-digit experiment id written
 * unquoted by an old MLflow keeps every digit; `yamlString` and `yamlNumber` turn them into plain values.
 */
export function parseMlflowYaml(text: string, where: string): YamlRecord {
  const value: unknown = parse(text, { version: '1.1', intAsBigInt: true });
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`${where} does not hold a YAML mapping`);
  }
  return value as YamlRecord;
}

export function yamlString(record: YamlRecord, key: string): string | null {
  const value = record[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  throw new Error(`"${key}" is not a string`);
}

export function yamlNumber(record: YamlRecord, key: string): number | null {
  const value = record[key];
  if (value === undefined || value === null) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value)) return Number(value);
  throw new Error(`"${key}" is not a number`);
}

/** A mapping of strings (the registered model's `aliases`), whatever scalar types the file used. */
export function yamlStringMap(record: YamlRecord, key: string): Record<string, string> {
  const value = record[key];
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`"${key}" is not a mapping`);
  const map: Record<string, string> = {};
  for (const [name, item] of Object.entries(value as YamlRecord)) {
    if (item !== null && item !== undefined) map[name] = String(item);
  }
  return map;
}
