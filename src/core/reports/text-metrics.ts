import { textMetrics } from 'vega';

/**
 * Text widths for vega's layout without a browser or node-canvas. Vega's own fallback guesses 0.8 em for
 * every character, which is far wider than real text: titles then stretch the SVG with empty space, and
 * labels are cut off with an ellipsis long before they reach their limit. These are the advance widths of
 * DejaVu Sans, the family the PNGs are drawn in, so the layout matches the pixels. Browsers that show the
 * inline SVG with a narrower sans-serif only get a little more slack.
 */

declare module 'vega' {
  /** Vega's hook for measuring text; tools that render without a canvas replace `width`. */
  export const textMetrics: { width: (item: TextItem, text?: unknown) => number };
}

interface TextItem {
  fontSize?: number | string;
  fontWeight?: number | string;
  limit?: number;
}

const UNITS_PER_EM = 2048;

/** Advance widths of ASCII 32 to 126 in DejaVu Sans, in font units. */
const REGULAR = [
  651, 821, 942, 1716, 1303, 1946, 1597, 563, 799, 799, 1024, 1716, 651, 739, 651, 690, 1303, 1303, 1303,
  1303, 1303, 1303, 1303, 1303, 1303, 1303, 690, 690, 1716, 1716, 1716, 1087, 2048, 1401, 1405, 1430, 1577,
  1294, 1178, 1587, 1540, 604, 604, 1343, 1141, 1767, 1532, 1612, 1235, 1612, 1423, 1300, 1251, 1499, 1401,
  2025, 1403, 1251, 1403, 799, 690, 799, 1716, 1024, 1024, 1255, 1300, 1126, 1300, 1260, 721, 1300, 1298, 569,
  569, 1186, 569, 1995, 1298, 1253, 1300, 1300, 842, 1067, 803, 1298, 1212, 1675, 1212, 1212, 1075, 1303, 690,
  1303, 1716,
];

/** The same for DejaVu Sans Bold. */
const BOLD = [
  713, 934, 1067, 1716, 1425, 2052, 1786, 627, 936, 936, 1071, 1716, 778, 850, 778, 748, 1425, 1425, 1425,
  1425, 1425, 1425, 1425, 1425, 1425, 1425, 819, 819, 1716, 1716, 1716, 1188, 2048, 1585, 1561, 1503, 1700,
  1399, 1399, 1681, 1714, 762, 762, 1587, 1305, 2038, 1714, 1741, 1501, 1741, 1577, 1475, 1397, 1663, 1585,
  2259, 1579, 1483, 1485, 936, 748, 936, 1716, 1024, 1024, 1382, 1466, 1214, 1466, 1389, 891, 1466, 1458, 702,
  702, 1362, 702, 2134, 1458, 1407, 1466, 1466, 1010, 1219, 979, 1458, 1335, 1892, 1321, 1335, 1192, 1458,
  748, 1458, 1716,
];

/**
 * The few other characters the charts write, and what an unknown character is taken to be (the width of `n`).
 */
const OTHERS: Record<string, number> = {
  '×': 1716,
  '÷': 1716,
  '…': 2048,
  '≥': 1716,
  '≤': 1716,
  '–': 1024,
  '—': 2048,
};
const FALLBACK = 1300;

export function textWidth(text: string, fontSize: number, bold = false): number {
  const table = bold ? BOLD : REGULAR;
  let units = 0;
  for (const character of text) {
    const code = character.codePointAt(0) ?? 0;
    units += code >= 32 && code <= 126 ? table[code - 32] : (OTHERS[character] ?? FALLBACK);
  }
  return (units / UNITS_PER_EM) * fontSize;
}

function isBold(weight: number | string | undefined): boolean {
  if (typeof weight === 'number') return weight >= 600;
  return weight === 'bold' || weight === 'bolder' || Number(weight) >= 600;
}

let installed = false;

/**
 * Points vega's text measurement at `textWidth`; vega keeps one measurer for the whole process. Text wider
 * than its mark's `limit` is drawn cut to the limit with an ellipsis, so its bounds are the limit, as with
 * vega's own measurers; vega's truncation calls this same function, so it cuts at the right place.
 */
export function useDejaVuMetrics(): void {
  if (installed) return;
  textMetrics.width = (item, text) => {
    const value = text == null ? '' : String(text).trim();
    const size = item.fontSize == null ? 11 : Number(item.fontSize) || 0;
    const width = textWidth(value, size, isBold(item.fontWeight));
    return item.limit !== undefined && item.limit > 0 ? Math.min(width, item.limit) : width;
  };
  installed = true;
}
