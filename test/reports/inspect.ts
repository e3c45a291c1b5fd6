/** Small readers for what the report tests check: SVG tag balance and the PNG header. */

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function isPng(png: Buffer): boolean {
  return png.subarray(0, 8).equals(PNG_SIGNATURE);
}

/** Width and height from the IHDR chunk, which the PNG format puts first, right after the signature. */
export function pngSize(png: Buffer): { width: number; height: number } {
  if (png.toString('latin1', 12, 16) !== 'IHDR') throw new Error('no IHDR chunk after the PNG signature');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

export function svgSize(svg: string): { width: number; height: number } {
  const root = /^<svg\b[^>]*>/.exec(svg)?.[0] ?? '';
  const width = Number(/\swidth="([\d.]+)"/.exec(root)?.[1]);
  const height = Number(/\sheight="([\d.]+)"/.exec(root)?.[1]);
  return { width, height };
}

/**
 * Checks that every element is closed in order and that text holds no raw `<` or `&`, which is what a broken
 * or unescaped SVG would show. Returns the first problem, or null.
 */
export function markupProblem(markup: string): string | null {
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"]*")*)\s*(\/?)>/y;
  let position = 0;
  while (position < markup.length) {
    const next = markup.indexOf('<', position);
    const text = markup.slice(position, next === -1 ? markup.length : next);
    if (/&(?!(?:[a-z]+|#\d+|#x[\da-f]+);)/i.test(text)) return `unescaped & in "${text.slice(0, 40)}"`;
    if (next === -1) break;
    tag.lastIndex = next;
    const match = tag.exec(markup);
    if (!match) return `malformed tag at ${next}: ${markup.slice(next, next + 40)}`;
    const [, closing, name, , selfClosing] = match;
    if (closing) {
      const open = stack.pop();
      if (open !== name) return `</${name}> closes <${open ?? 'nothing'}>`;
    } else if (!selfClosing) {
      stack.push(name);
    }
    position = tag.lastIndex;
  }
  return stack.length === 0 ? null : `unclosed <${stack.join('>, <')}>`;
}

/** Pixels of an RGBA buffer that are not (nearly) white. */
export function inkedPixels(rgba: Buffer): number {
  let count = 0;
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i] < 240 || rgba[i + 1] < 240 || rgba[i + 2] < 240) count++;
  }
  return count;
}
