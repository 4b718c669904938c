// Row types of the tables in migrations/ that belong to this area; composed into Database in schema.ts.

// biome-ignore lint/complexity/noBannedTypes: filled in as the area's tables are added
export type StripeTables = {};
