// Entry of a sweep worker thread: registers tsx's TypeScript loader in this thread (loader hooks of
// the main thread do not reach workers), then loads the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
