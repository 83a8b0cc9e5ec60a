import { createMemoryThreadStore } from '../src/database/memory/memory-thread-store.js';
import { threadStoreContract } from './helpers/thread-store-contract.js';

threadStoreContract('in memory', () => {
  const store = createMemoryThreadStore();
  return Promise.resolve({ store, close: () => store.close() });
});
