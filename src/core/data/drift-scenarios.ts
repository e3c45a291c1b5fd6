import { UserError } from '../errors/index.js';
import type { Random } from '../util/random.js';
import { AGE_BANDS, COLUMNS, TARGET_COLUMN, targetOf, type TargetName } from './contract.js';
import { columnIndex, type Table } from './table.js';

/** Numeric columns moved by a fixed amount, and a share of patients made one age band older. */
export interface CovariateShift {
  /** Added to every value of each column, then clipped to the column's contract range. */
  add: Record<string, number>;
  /** The share of rows, drawn with the seed, whose `age` moves one band up (`[90-100)` stays). */
  olderShare: number;
  /** Categorical columns of which a share of rows, drawn with the seed, is given one value. */
  recode?: Record<string, { value: string; share: number }>;
}

/** Labels changed in both `target` and `readmitted`, so the change is the same whichever is read. */
export interface LabelShift {
  /** The share of negative rows, drawn with the seed, that become positive. */
  negativeToPositive: number;
  /** The share of positive rows, drawn with the seed, that become negative. */
  positiveToNegative: number;
}

export interface DriftScenario {
  description: string;
  covariate?: CovariateShift;
  label?: LabelShift;
}

const COVARIATE: CovariateShift = {
  add: { num_medications: 5, num_lab_procedures: 10, time_in_hospital: 2 },
  olderShare: 0.3,
};

/**
 * A population unlike the training one in most of the model's inputs, so that the share of drifted inputs
 * passes the default dataset-drift share of 0.5 (the covariate shift alone moves four of 44 inputs).
 */
const POPULATION: CovariateShift = {
  add: {
    ...COVARIATE.add,
    num_procedures: 1,
    number_outpatient: 1,
    number_emergency: 1,
    number_inpatient: 1,
    number_diagnoses: 2,
  },
  olderShare: 0.3,
  recode: Object.fromEntries(
    Object.entries({
      race: 'AfricanAmerican',
      gender: 'Male',
      admission_type_id: '1',
      admission_source_id: '7',
      A1Cresult: '>8',
      max_glu_serum: '>300',
      insulin: 'Up',
      metformin: 'Steady',
      glipizide: 'Steady',
      glyburide: 'Steady',
      glimepiride: 'Steady',
      pioglitazone: 'Steady',
      rosiglitazone: 'Steady',
      change: 'Ch',
      diabetesMed: 'Yes',
    }).map(([name, value]) => [name, { value, share: 0.3 }]),
  ),
};

const LABEL: LabelShift = { negativeToPositive: 0.2, positiveToNegative: 0 };

/** The scenarios `--drift-scenario` accepts. Each applies to every batch from the first drifted one on. */
export const DRIFT_SCENARIOS = {
  none: { description: 'No change: the batches are the file as it is.' },
  covariate: {
    description:
      'Covariate shift: num_medications +5, num_lab_procedures +10, time_in_hospital +2 (clipped to their ' +
      'ranges) and 30% of patients one age band older; labels unchanged.',
    covariate: COVARIATE,
  },
  label: {
    description:
      'Label shift: 20% of negative rows become positive (readmitted NO becomes >30, or <30 for the ' +
      'within30 target); features unchanged.',
    label: LABEL,
  },
  mixed: {
    description: 'The covariate and the label shift together.',
    covariate: COVARIATE,
    label: LABEL,
  },
  population: {
    description:
      'Another patient population: the covariate shift, the other counts +1 (number_diagnoses +2), and 30% of ' +
      'rows recoded in 15 categorical inputs (race, gender, admission type and source, A1Cresult, ' +
      'max_glu_serum, insulin and six other medications, change, diabetesMed); labels unchanged. Enough inputs ' +
      'move to declare dataset drift at the default share.',
    covariate: POPULATION,
  },
} as const satisfies Record<string, DriftScenario>;

export type DriftScenarioName = keyof typeof DRIFT_SCENARIOS;

/** Batches before this one (1-based) are left as they are, so monitoring sees a clean start. */
export const DEFAULT_DRIFT_FROM_BATCH = 3;

export function driftScenario(name: string): DriftScenario {
  if (Object.hasOwn(DRIFT_SCENARIOS, name)) return DRIFT_SCENARIOS[name as DriftScenarioName];
  throw new UserError(
    `unknown drift scenario "${name}"`,
    `use one of ${Object.keys(DRIFT_SCENARIOS).join(', ')}`,
  );
}

/**
 * Changes a batch's rows in place as the scenario says. The table must carry the `target` column; every value
 * written stays inside the column contract, so the batch still reads back as a processed file.
 */
export function applyDrift(batch: Table, scenario: DriftScenario, target: TargetName, random: Random): void {
  if (scenario.covariate) shiftCovariates(batch, scenario.covariate, random);
  if (scenario.label) shiftLabels(batch, scenario.label, target, random);
}

function shiftCovariates(batch: Table, shift: CovariateShift, random: Random): void {
  for (const [name, amount] of Object.entries(shift.add)) {
    const index = columnIndex(batch, name);
    const [low, high] = COLUMNS.find((spec) => spec.name === name)?.range ?? [-Infinity, Infinity];
    for (const row of batch.rows) {
      row[index] = String(Math.min(high, Math.max(low, Number(row[index]) + amount)));
    }
  }

  const age = columnIndex(batch, 'age');
  const bands: readonly string[] = AGE_BANDS;
  for (const row of batch.rows) {
    if (random.next() >= shift.olderShare) continue;
    const band = bands.indexOf(row[age]);
    row[age] = bands[Math.min(band + 1, bands.length - 1)];
  }

  for (const [name, { value, share }] of Object.entries(shift.recode ?? {})) {
    const index = columnIndex(batch, name);
    for (const row of batch.rows) if (random.next() < share) row[index] = value;
  }
}

function shiftLabels(batch: Table, shift: LabelShift, target: TargetName, random: Random): void {
  const readmitted = columnIndex(batch, 'readmitted');
  const label = columnIndex(batch, TARGET_COLUMN);
  const positive = target === 'within30' ? '<30' : '>30';

  for (const row of batch.rows) {
    const draw = random.next();
    if (row[label] === '0' && draw < shift.negativeToPositive) row[readmitted] = positive;
    else if (row[label] === '1' && draw < shift.positiveToNegative) row[readmitted] = 'NO';
    else continue;
    row[label] = String(targetOf(row[readmitted], target));
  }
}
