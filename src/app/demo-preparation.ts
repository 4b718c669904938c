// How far this process has got preparing the demo merchant. `serve --demo` on a fresh database
// listens first, then seeds and walks the demo in the background; the dashboard shows this
// progress (GET /v1/demo_preparation). One preparation per process, kept in memory only.

export type DemoPreparation = {
  merchantId: string;
  /** preparing → ready, or → failed (the walk stopped on an error; what was done stays). */
  status: 'preparing' | 'ready' | 'failed';
  stage: 'seeding' | 'walking' | null;
  customersSeeded: number;
  customersTotal: number;
  day: number;
  days: number;
  /** Why it failed, for the operator; null otherwise. */
  error: string | null;
  updatedAt: Date;
};

let current: DemoPreparation | null = null;

/** The preparation this process runs or ran, if any. */
export function demoPreparation(): DemoPreparation | null {
  return current;
}

export function reportDemoPreparation(next: Omit<DemoPreparation, 'updatedAt'>): void {
  current = { ...next, updatedAt: new Date() };
}
