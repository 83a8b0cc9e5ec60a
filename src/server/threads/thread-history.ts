/**
 * The thread history helpers live with the agent loop (`src/agent/thread-history.ts`), where
 * headless runs reach them too; the server's modules keep importing them from here.
 */
export { displayViewOf, messagesToAppend, modelViewOf } from '../../agent/thread-history.js';
