import type { Scenario } from '../lib/scenario.js';
import { abortStormScenario } from './abort-storm.js';
import { addedTtftScenario } from './added-ttft.js';
import { fanOutScenario } from './fan-out.js';
import { shortChatThroughputScenario } from './short-chat-throughput.js';
import { soakScenario } from './soak.js';
import { toolRoundTripScenario } from './tool-round-trip.js';

/** Every scenario, in the order a full run goes through them. */
export const allScenarios: readonly Scenario[] = [
  addedTtftScenario,
  shortChatThroughputScenario,
  fanOutScenario,
  toolRoundTripScenario,
  abortStormScenario,
  soakScenario,
];
