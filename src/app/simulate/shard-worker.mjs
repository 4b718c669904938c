// Entry of a simulation worker thread: TypeScript runs through tsx, which must be registered in
// this thread before the first .ts import (as bin/dunner.js does for the main thread).
import { register } from 'tsx/esm/api';

register();
await import('./shard-worker.ts');
