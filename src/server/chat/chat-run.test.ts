import { describe, expect, it } from 'vitest';
import { ChatRunLifecycle, type ChatRunLaunch } from './chat-run.js';
import { nextChatRunState } from './chat-run-state.js';

const newRun = (reports: string[] = []): ChatRunLifecycle =>
  new ChatRunLifecycle({
    runId: '0123456789ab',
    sessionId: 'sess_a',
    report: (_error, where) => void reports.push(where),
  });

/** A launch whose runner runs until its signal aborts or the test ends it. */
const controlledLaunch = (options: { handOver?: () => Promise<unknown> } = {}) => {
  const steps: string[] = [];
  let endRunner: () => void = () => undefined;
  const launch: ChatRunLaunch = {
    execute: (signal) =>
      new Promise<void>((resolve) => {
        endRunner = resolve;
        signal.addEventListener('abort', () => resolve(), { once: true });
      }).then(() => void steps.push('runner returned')),
    release: () => {
      steps.push('released');
      return Promise.resolve();
    },
    ...options,
  };
  return { launch, steps, endRunner: () => endRunner() };
};

describe('nextChatRunState', () => {
  it('allows the paths a run can take', () => {
    expect(nextChatRunState('starting', 'launch', false)).toBe('running');
    expect(nextChatRunState('starting', 'giveUp', false)).toBe('ended');
    expect(nextChatRunState('starting', 'lose', false)).toBe('lost');
    expect(nextChatRunState('running', 'finish', true)).toBe('ended');
    expect(nextChatRunState('running', 'lose', true)).toBe('lost');
    expect(nextChatRunState('running', 'handOver', true)).toBe('handingOver');
    expect(nextChatRunState('handingOver', 'finish', true)).toBe('ended');
    expect(nextChatRunState('lost', 'finish', true)).toBe('ended');
    expect(nextChatRunState('lost', 'giveUp', false)).toBe('ended');
  });

  it('never lets a lost run run again, and says why', () => {
    const launchedAgain = nextChatRunState('lost', 'launch', false);
    expect(typeof launchedAgain === 'object' && launchedAgain.ignored).toMatch(/lost/);
    expect(nextChatRunState('lost', 'handOver', true)).toHaveProperty('ignored');
    expect(() => nextChatRunState('lost', 'finish', false)).toThrow(/never launched/);
  });

  it('ignores late news about a run that is leaving or gone', () => {
    expect(nextChatRunState('handingOver', 'lose', true)).toHaveProperty('ignored');
    expect(nextChatRunState('handingOver', 'handOver', true)).toHaveProperty('ignored');
    expect(nextChatRunState('ended', 'lose', true)).toHaveProperty('ignored');
    expect(nextChatRunState('ended', 'handOver', true)).toHaveProperty('ignored');
    expect(nextChatRunState('ended', 'giveUp', true)).toHaveProperty('ignored');
    // Giving up is for runs that never launched: a launched one ends when its runner returns.
    expect(nextChatRunState('running', 'giveUp', true)).toHaveProperty('ignored');
    expect(nextChatRunState('lost', 'giveUp', true)).toHaveProperty('ignored');
  });

  it('throws on transitions that would be a bug in the caller', () => {
    expect(() => nextChatRunState('running', 'launch', true)).toThrow(/cannot launch while running/);
    expect(() => nextChatRunState('ended', 'launch', true)).toThrow(/cannot launch while ended/);
    expect(() => nextChatRunState('ended', 'finish', true)).toThrow(/cannot finish while ended/);
    expect(() => nextChatRunState('starting', 'finish', false)).toThrow(/cannot finish while starting/);
  });
});

describe('ChatRunLifecycle', () => {
  it('runs, releases and ends: starting → running → ended', async () => {
    const run = newRun();
    run.openLog(0);
    const { launch, steps, endRunner } = controlledLaunch();
    expect(run.state).toBe('starting');
    run.launch(launch);
    expect(run.state).toBe('running');
    endRunner();
    await run.done;
    expect(run.state).toBe('ended');
    expect(steps).toEqual(['runner returned', 'released']);
  });

  it('cancels without changing state: the terminal error first, then the runner stops', async () => {
    const run = newRun();
    const log = run.openLog(0);
    const { launch } = controlledLaunch();
    run.launch(launch);
    run.abort('cancelled: test');
    run.abort('twice');
    expect(run.state).toBe('running');
    expect(run.signal.aborted).toBe(true);
    await run.done;
    expect(log.entries().map((entry) => entry.event)).toEqual([{ type: 'error', error: 'cancelled: test' }]);
    expect(run.state).toBe('ended');
  });

  it('stands down when lost: no terminal event, the log abandoned, the run never running again', async () => {
    const run = newRun();
    const log = run.openLog(0);
    const { launch, steps } = controlledLaunch();
    run.launch(launch);
    log.append({ type: 'text_delta', text: 'a' });
    run.lose();
    expect(run.state).toBe('lost');
    expect(run.goesOnElsewhere).toBe(true);
    expect(log.abandoned).toBe(true);
    run.abort('too late');
    await run.done;
    expect(steps).toEqual(['runner returned', 'released']);
    expect(log.entries().map((entry) => entry.event.type)).toEqual(['text_delta']);
    expect(run.state).toBe('ended');
  });

  it('still runs the runner of a run lost while starting, its signal aborted, and stays lost', async () => {
    const run = newRun();
    run.lose();
    const log = run.openLog(4);
    expect(log.abandoned).toBe(true);
    let signalAborted = false;
    run.launch({
      execute: (signal) => {
        signalAborted = signal.aborted;
        return Promise.resolve();
      },
      release: () => Promise.resolve(),
    });
    expect(run.state).toBe('lost');
    run.giveUp();
    expect(run.state).toBe('lost');
    await run.done;
    expect(signalAborted).toBe(true);
    expect(run.state).toBe('ended');
  });

  it('hands over, then ends once the hand-over finished and the run was released', async () => {
    const run = newRun();
    const log = run.openLog(0);
    const handedOver: string[] = [];
    let finishHandOver: () => void = () => undefined;
    const { launch, steps } = controlledLaunch({
      handOver: () =>
        new Promise<void>((resolve) => {
          finishHandOver = () => {
            handedOver.push('flushed and relinquished');
            resolve();
          };
        }),
    });
    run.launch(launch);
    const handingOver = run.handOver('shutting down');
    expect(run.state).toBe('handingOver');
    expect(log.abandoned).toBe(true);
    expect(run.signal.aborted).toBe(true);
    // News of a lost lease while leaving changes nothing.
    run.lose();
    expect(run.state).toBe('handingOver');
    await new Promise((resolve) => setImmediate(resolve));
    expect(steps).toEqual(['runner returned']);
    finishHandOver();
    await handingOver;
    expect(handedOver).toEqual(['flushed and relinquished']);
    expect(steps).toEqual(['runner returned', 'released']);
    expect(run.state).toBe('ended');
    expect(log.entries()).toEqual([]);
  });

  it('cancels instead of handing over when runs cannot be taken over here', async () => {
    const run = newRun();
    const log = run.openLog(0);
    run.launch(controlledLaunch().launch);
    await run.handOver('shutting down');
    expect(run.state).toBe('ended');
    expect(log.abandoned).toBe(false);
    expect(log.entries().map((entry) => entry.event)).toEqual([{ type: 'error', error: 'shutting down' }]);
  });

  it('does not hand over a run that is already ending', async () => {
    const run = newRun();
    run.openLog(0);
    const handOvers: string[] = [];
    const { launch } = controlledLaunch({
      handOver: () => Promise.resolve(handOvers.push('handed over')),
    });
    run.launch(launch);
    run.abort('cancelled');
    await run.handOver('shutting down');
    expect(handOvers).toEqual([]);
    expect(run.state).toBe('ended');
  });

  it('reports a failed hand-over and still ends the run', async () => {
    const reports: string[] = [];
    const run = newRun(reports);
    run.openLog(0);
    const { launch } = controlledLaunch({ handOver: () => Promise.reject(new Error('redis down')) });
    run.launch(launch);
    await run.handOver('shutting down');
    expect(reports).toEqual(['run hand-over']);
    expect(run.state).toBe('ended');
  });

  it('ends a run given up before it launched, and refuses to launch it afterwards', async () => {
    const run = newRun();
    run.openLog(0);
    run.giveUp();
    await run.done;
    expect(run.state).toBe('ended');
    expect(() => run.launch(controlledLaunch().launch)).toThrow(/cannot launch while ended/);
  });

  it('calls its onDone callbacks once, in order, when the run ends and before done settles', async () => {
    const reports: string[] = [];
    const run = newRun(reports);
    run.openLog(0);
    const { launch, steps, endRunner } = controlledLaunch();
    run.onDone(() => void steps.push('first'));
    run.launch(launch);
    run.onDone(() => {
      throw new Error('a broken callback');
    });
    run.onDone(() => void steps.push(`second, ${run.state}`));
    const done = run.done.then(() => void steps.push('done settled'));
    endRunner();
    await done;
    expect(steps).toEqual(['runner returned', 'released', 'first', 'second, ended', 'done settled']);
    expect(reports).toEqual(['run end']);
  });

  it('calls an onDone callback given after the end in a microtask, not at once', async () => {
    const run = newRun();
    run.giveUp();
    const calls: string[] = [];
    run.onDone(() => void calls.push('after the end'));
    expect(calls).toEqual([]);
    await Promise.resolve();
    expect(calls).toEqual(['after the end']);
  });

  it('settles done read only after the run ended, and runs onDone of a run given up', async () => {
    const run = newRun();
    const calls: string[] = [];
    run.onDone(() => void calls.push('given up'));
    run.giveUp();
    expect(calls).toEqual(['given up']);
    await expect(run.done).resolves.toBeUndefined();
  });

  it('refuses to open a second event log or to launch twice', () => {
    const run = newRun();
    expect(() => run.eventLog).toThrow(/no event log yet/);
    run.openLog(0);
    expect(() => run.openLog(0)).toThrow(/cannot open its event log/);
    const { launch } = controlledLaunch();
    run.launch(launch);
    expect(() => run.launch(launch)).toThrow(/already launched/);
    run.abort();
  });
});
