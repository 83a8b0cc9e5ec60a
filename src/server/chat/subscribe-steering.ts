import { BusChannel, type GatewayStores, type SteerRunMessage, type Unsubscribe } from '../../core/stores.js';
import type { ChatRunLifecycle } from './chat-run.js';

/**
 * Subscribes `run` to the steering messages of its session sent through the bus (by another
 * instance: a local one pushes to the run's queue itself). Resolves the unsubscribe, or
 * undefined when the bus refused (reported; the run then hears local steering only).
 */
export async function subscribeSteering(
  stores: GatewayStores,
  run: ChatRunLifecycle,
  report: (error: unknown, where: string) => void,
): Promise<Unsubscribe | undefined> {
  try {
    return await stores.bus.subscribe(BusChannel.steerRun(run.sessionId), (payload) => {
      const message = payload as Partial<SteerRunMessage> | null;
      if (message?.runId !== run.runId || typeof message.text !== 'string') return;
      run.steering.push(message.text, typeof message.id === 'string' ? message.id : undefined);
    });
  } catch (error) {
    report(error, 'steering subscription');
    return undefined;
  }
}
