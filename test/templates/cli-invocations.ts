import type { Manifest, ManifestCommand } from './manifest.js';

/** A value that the shell or GitHub fills in when the command runs: `"$IMAGE"`, `${{ env.X }}`. */
const RUNTIME_VALUE = /\$\{\{[^}]*\}\}|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?/;

export type ShellToken = { word: string } | { operator: string };

/**
 * Splits a shell command line into words and the operators between commands (`|`, `||`, `&&`, `;`, and line
 * ends), with quotes removed; what is quoted stays one word. Enough for the commands of DAGs and workflows,
 * not a shell: no globbing, no nested command substitution.
 */
export function shellTokens(script: string): ShellToken[] {
  const tokens: ShellToken[] = [];
  let word: string | undefined;
  const flush = (): void => {
    if (word !== undefined) tokens.push({ word });
    word = undefined;
  };
  for (let i = 0; i < script.length; i++) {
    const char = script[i];
    if (char === '\\' && script[i + 1] === '\n') {
      i++;
    } else if (char === "'" || char === '"') {
      const end = script.indexOf(char, i + 1);
      if (end < 0) throw new Error(`unclosed ${char} in: ${script}`);
      word = (word ?? '') + script.slice(i + 1, end);
      i = end;
    } else if (char === '#' && word === undefined) {
      while (i + 1 < script.length && script[i + 1] !== '\n') i++;
    } else if (char === ' ' || char === '\t') {
      flush();
    } else if (char === '\n' || char === ';') {
      flush();
      tokens.push({ operator: ';' });
    } else if ((char === '|' || char === '&') && script[i + 1] === char) {
      flush();
      tokens.push({ operator: char + char });
      i++;
    } else if (char === '|') {
      flush();
      tokens.push({ operator: '|' });
    } else {
      word = (word ?? '') + char;
    }
  }
  flush();
  return tokens;
}

/** A redirection word: its target is the next word (`> file`), or part of it (`>file`, `2>&1`). */
const REDIRECT = /^\d?(>>?|<)(&\d)?/;

/** The simple commands of a script, each as its words, redirections left out. */
export function simpleCommands(script: string): string[][] {
  const commands: string[][] = [[]];
  let target = false;
  for (const token of shellTokens(script)) {
    if ('operator' in token) {
      commands.push([]);
    } else if (target) {
      target = false;
    } else if (REDIRECT.test(token.word)) {
      target = token.word.replace(REDIRECT, '') === '' && !/&\d$/.test(token.word);
    } else {
      commands[commands.length - 1].push(token.word);
    }
  }
  return commands.filter((words) => words.length > 0);
}

export interface Invocation {
  /** The command's oclif id (`infra:up`), or the words that named no command. */
  command: string;
  words: string[];
  flags: string[];
  problems: string[];
}

const CLI_NAMES = new Set(['healthpredict']);

/** Every `healthpredict …` in a script, checked against the manifest: command, flags, values, --json. */
export function checkInvocations(script: string, manifest: Manifest): Invocation[] {
  return simpleCommands(script)
    .filter((words) => CLI_NAMES.has(words[0]))
    .map((words) => checkInvocation(words.slice(1), manifest));
}

function checkInvocation(words: string[], manifest: Manifest): Invocation {
  const firstFlag = words.findIndex((word) => word.startsWith('-'));
  const leading = firstFlag < 0 ? words : words.slice(0, firstFlag);
  // The longest run of leading words that names a command (`infra up` is `infra:up`); the rest are arguments.
  let length = leading.length;
  while (length > 0 && !manifest.commands[leading.slice(0, length).join(':')]) length--;
  const id = leading.slice(0, length).join(':');
  const command = manifest.commands[id];
  if (!command) {
    return { command: leading.join(' '), words, flags: [], problems: [`no command "${leading.join(' ')}"`] };
  }

  const problems: string[] = [];
  const flags: string[] = [];
  const positional = [...leading.slice(length)];
  const rest = firstFlag < 0 ? [] : words.slice(firstFlag);
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i];
    if (!word.startsWith('--')) {
      positional.push(word);
      continue;
    }
    const [name, inline] = splitFlag(word.slice(2));
    const flag = command.flags[name];
    flags.push(name);
    if (!flag) {
      problems.push(`${id}: no flag --${name}`);
      continue;
    }
    if (flag.type === 'boolean') {
      if (inline !== undefined) problems.push(`${id}: --${name} takes no value`);
      continue;
    }
    const value = inline ?? rest[++i];
    if (value === undefined || value.startsWith('--')) {
      problems.push(`${id}: --${name} needs a value`);
      if (value !== undefined) i--;
      continue;
    }
    if (flag.options && !RUNTIME_VALUE.test(value) && !flag.options.includes(value)) {
      problems.push(`${id}: --${name} ${value} is not one of ${flag.options.join('|')}`);
    }
  }
  problems.push(...argumentProblems(id, command, positional));
  for (const flag of Object.values(command.flags)) {
    if (flag.required && !flags.includes(flag.name)) problems.push(`${id}: --${flag.name} is required`);
  }
  if (!flags.includes('json')) problems.push(`${id}: no --json`);
  return { command: id, words, flags, problems };
}

function splitFlag(text: string): [string, string | undefined] {
  const equals = text.indexOf('=');
  return equals < 0 ? [text, undefined] : [text.slice(0, equals), text.slice(equals + 1)];
}

function argumentProblems(id: string, command: ManifestCommand, positional: string[]): string[] {
  const args = Object.values(command.args ?? {});
  const problems: string[] = [];
  if (positional.length > args.length) problems.push(`${id}: unexpected arguments ${positional.join(' ')}`);
  const required = args.filter((arg) => arg.required).length;
  if (positional.length < required) problems.push(`${id}: ${required} arguments required`);
  return problems;
}
