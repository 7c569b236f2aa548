// Entry of the `hmsim gen` worker thread: registers tsx's TypeScript loader in this thread (loader hooks
// of the main thread do not reach workers), then runs the generation (src/cli/gen-thread.ts).
import { register } from 'tsx/esm/api';

register();
await import('./gen-thread.ts');
