import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

export const INFRA_HEADING = '## Infrastructure and orchestration';

/**
 * The README's infrastructure section: from README.md once it holds the section, else from docs/infra.md,
 * where the section is written before it is merged into the README.
 */
export function infraSection(): { file: string; text: string } {
  for (const file of ['README.md', 'docs/infra.md']) {
    const text = readFileSync(resolve(root, file), 'utf8');
    const start = text.indexOf(`${INFRA_HEADING}\n`);
    if (start < 0) continue;
    const end = text.slice(start + INFRA_HEADING.length).search(/\n## /);
    return {
      file,
      text: end < 0 ? text.slice(start) : text.slice(start, start + INFRA_HEADING.length + end),
    };
  }
  throw new Error(`neither README.md nor docs/infra.md has the section "${INFRA_HEADING}"`);
}

/** The rows of the Markdown table whose header row starts with `header`, as cells without backticks. */
export function tableRows(text: string, header: string): string[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((line) => line.startsWith(header));
  if (start < 0) throw new Error(`no table "${header}…"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim().replaceAll('`', '')),
    );
  }
  return rows;
}

export interface DocumentedInfra {
  /** Ports of the table, with the service that listens. */
  ports: Array<{ port: number; service: string }>;
  /** The ports that Compose services publish (the rows naming a service of the Compose file). */
  composePorts: Array<{ service: string; port: number }>;
  envVariables: string[];
}

const COMPOSE_SERVICES = new Set([
  'postgres',
  'mlflow',
  'airflow-init',
  'airflow-webserver',
  'airflow-scheduler',
]);

export function documentedInfra(): DocumentedInfra {
  const { text } = infraSection();
  const ports = tableRows(text, '| port | service |').map(([port, service]) => ({
    port: Number(port),
    service,
  }));
  return {
    ports,
    composePorts: ports
      .filter((row) => COMPOSE_SERVICES.has(row.service))
      .map(({ service, port }) => ({ service, port }))
      .sort((a, b) => a.port - b.port),
    envVariables: tableRows(text, '| `.env` variable |').map(([name]) => name),
  };
}
