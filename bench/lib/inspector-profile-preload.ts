/**
 * A module for `node --import` in a gateway under test (bench/profile-warm-serve.ts): on the
 * first SIGUSR2 it starts a profile through the in-process inspector, on the second it stops it
 * and writes it to `PROFILE_OUT`. `PROFILE_MODE=cpu` takes a CPU profile (sampled every
 * `PROFILE_INTERVAL_US`, 200 µs); otherwise an allocation profile that keeps the objects already
 * collected, so that it shows every allocation (garbage included), not only what is still alive.
 */
export const INSPECTOR_PROFILE_PRELOAD = `import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';

const session = new Session();
session.connect();
const post = (method, params = {}) =>
  new Promise((resolve, reject) =>
    session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))),
  );
const cpu = process.env.PROFILE_MODE === 'cpu';
let running = false;

async function toggle() {
  if (!running) {
    running = true;
    if (cpu) {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', {
        interval: Number(process.env.PROFILE_INTERVAL_US ?? 200),
      });
      await post('Profiler.start');
    } else {
      await post('HeapProfiler.enable');
      await post('HeapProfiler.startSampling', {
        samplingInterval: 512,
        // PROFILE_SURVIVORS=1: only what outlived a scavenge (promoted, or alive at the end).
        includeObjectsCollectedByMinorGC: process.env.PROFILE_SURVIVORS !== '1',
        includeObjectsCollectedByMajorGC: true,
      });
    }
    process.stderr.write('profile started\\n');
    return;
  }
  const { profile } = await post(cpu ? 'Profiler.stop' : 'HeapProfiler.stopSampling');
  writeFileSync(process.env.PROFILE_OUT, JSON.stringify(profile));
  process.stderr.write('profile written\\n');
}

process.on('SIGUSR2', () => {
  toggle().catch((error) => process.stderr.write(\`profile failed: \${error}\\n\`));
});
`;
