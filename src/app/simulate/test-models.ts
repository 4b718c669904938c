// Models for the simulator's tests: the shipped default, or a copy with a few fields changed.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type PopulationModel, validateModel } from './model.ts';

export const DEFAULT_MODEL_FILE = fileURLToPath(
  new URL('../../../docs/population-model.json', import.meta.url),
);

/** The populations shipped next to the default, under docs/populations/. */
export const POPULATION_FILES = ['us-biweekly-friday.json', 'eu-monthly-end-of-month.json'].map(
  (name) => fileURLToPath(new URL(`../../../docs/populations/${name}`, import.meta.url)),
);

/** The default model as parsed JSON, a fresh copy each call, to break or bend in a test. */
export function defaultModelJson(): Record<string, unknown> {
  return JSON.parse(readFileSync(DEFAULT_MODEL_FILE, 'utf8')) as Record<string, unknown>;
}

/** Model JSON as a test pokes at it: any field, any depth. */
// biome-ignore lint/suspicious/noExplicitAny: tests break the model on purpose, field by field
export type ModelJson = Record<string, any>;

/** A validated model: the default with `patch` applied to its JSON first. */
export function modelWith(patch: (json: ModelJson) => void): PopulationModel {
  const json = defaultModelJson();
  patch(json);
  const checked = validateModel(json);
  if (!checked.ok)
    throw new Error(`test model invalid: ${checked.error.path} ${checked.error.problem}`);
  return checked.model;
}

/** Every first failure in one category, e.g. { insufficient_funds: 1 }. */
export function onlyCategory(json: ModelJson, category: string): void {
  for (const key of Object.keys(json.declineMix)) {
    if (key !== '_source') json.declineMix[key] = key === category ? 1 : 0;
  }
}
