/**
 * ICD-9 diagnosis codes to the chapter groups used by Strack et al. (2014), the paper that published this
 * data set: circulatory 390-459 and 785, respiratory 460-519 and 786, digestive 520-579 and 787, diabetes 250.xx,
 * injury 800-999, musculoskeletal 710-739, genitourinary 580-629 and 788, neoplasms 140-239, everything else
 * (including V and E codes) other.
 */

export const DIAGNOSIS_GROUPS = [
  'circulatory',
  'respiratory',
  'digestive',
  'diabetes',
  'injury',
  'musculoskeletal',
  'genitourinary',
  'neoplasms',
  'other',
] as const;

export type DiagnosisGroup = (typeof DIAGNOSIS_GROUPS)[number];

export function diagnosisGroup(code: string): DiagnosisGroup {
  if (code.startsWith('V') || code.startsWith('E')) return 'other';
  const value = Number(code);
  if (!Number.isFinite(value)) return 'other';
  if (Math.floor(value) === 250) return 'diabetes';
  if ((value >= 390 && value < 460) || Math.floor(value) === 785) return 'circulatory';
  if ((value >= 460 && value < 520) || Math.floor(value) === 786) return 'respiratory';
  if ((value >= 520 && value < 580) || Math.floor(value) === 787) return 'digestive';
  if (value >= 800 && value < 1000) return 'injury';
  if (value >= 710 && value < 740) return 'musculoskeletal';
  if ((value >= 580 && value < 630) || Math.floor(value) === 788) return 'genitourinary';
  if (value >= 140 && value < 240) return 'neoplasms';
  return 'other';
}
