/**
 * Joins the lines of each paragraph of a help text, so that oclif wraps it to the terminal's width instead of
 * breaking it where the source line ended. Paragraphs are separated by a blank line; lines that start a list
 * item (`- `) or are indented keep their line break.
 */
export function paragraphs(text: string): string {
  return text
    .split(/\n\s*\n/)
    .map((paragraph) => paragraph.replace(/\n(?!\s*- |\s{2,})/g, ' ').replace(/ {2,}/g, ' '))
    .join('\n\n');
}
