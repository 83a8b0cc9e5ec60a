import { setTimeout as delay } from 'node:timers/promises';
import { jsonOf, type GatewayClient } from '../../helpers/gateway-client.js';
import { createSseReader } from '../../helpers/sse-reader.js';
import { waitFor } from '../../helpers/wait-for.js';
import { payerSession } from './charge-card-instances.js';

/** The instances a round runs on and the charges their tool made (see `startChargeCardInstances`). */
export interface RaceInstances {
  a: GatewayClient;
  b: GatewayClient;
  charged: readonly { cents: number }[];
}

/** What a round saw: whether the approval was acknowledged and how often the card was charged. */
export interface RoundOutcome {
  round: number;
  approvalStatus: number;
  /** Undefined for a round whose approval came alone. */
  denialStatus: number | undefined;
  charges: number;
  /** Acknowledged answers whose response said the run was not resumed (`resumed: false`). */
  notResumed: number;
}

/** What `raceApprovalsAtSuspension` counted over every round. */
export interface RaceTally {
  rounds: number;
  /** Rounds where the tool ran more than once. */
  doubleExecutions: number;
  /** Rounds where the tool ran although the approval was refused, or not at all after it was acknowledged. */
  wrongOutcomes: number;
  /** Rounds where both answers, or neither, were acknowledged (or a lone approval was refused). */
  wrongAcknowledgements: number;
  /** Acknowledged answers that said `resumed: false`, over every round. */
  notResumed: number;
  outcomes: RoundOutcome[];
}

/** Options of `raceApprovalsAtSuspension`. */
export interface RaceOptions {
  rounds: number;
  /** Rounds run at once. */
  batch: number;
  /** The instances' `server.suspendAfterMs`: the answers are aimed around it. */
  suspendAfterMs: number;
  /** The first round's number (rounds name their call `toolu_<prefix><round>` and charge `round` cents). */
  firstRound?: number;
}

/**
 * Sends an approval (from the payer's other device, through one instance) and a denial (from
 * the device that asked, through the other; every third round an approval alone, from the
 * device that asked) aimed around
 * the moment the run is suspended, round
 * after round, `batch` rounds at once, and counts what the tool did once each run completed.
 */
export async function raceApprovalsAtSuspension(
  instances: RaceInstances,
  options: RaceOptions,
): Promise<RaceTally> {
  const outcomes: RoundOutcome[] = [];
  const first = options.firstRound ?? 0;
  for (let start = first; start < first + options.rounds; start += options.batch) {
    const end = Math.min(start + options.batch, first + options.rounds);
    const rounds = Array.from({ length: end - start }, (_, index) => start + index);
    outcomes.push(...(await Promise.all(rounds.map((round) => raceOneRound(instances, options, round)))));
  }
  const acknowledged = (status: number) => status === 200 || status === 202;
  return {
    rounds: outcomes.length,
    doubleExecutions: outcomes.filter((outcome) => outcome.charges > 1).length,
    wrongOutcomes: outcomes.filter(
      (outcome) => outcome.charges <= 1 && outcome.charges !== (acknowledged(outcome.approvalStatus) ? 1 : 0),
    ).length,
    wrongAcknowledgements: outcomes.filter((outcome) =>
      outcome.denialStatus === undefined
        ? !acknowledged(outcome.approvalStatus)
        : acknowledged(outcome.approvalStatus) === acknowledged(outcome.denialStatus),
    ).length,
    notResumed: outcomes.reduce((sum, outcome) => sum + outcome.notResumed, 0),
    outcomes,
  };
}

/** 1 when an answer was acknowledged with `resumed: false` (the run was left for later), else 0. */
async function notResumedBy(answer: Response | undefined): Promise<number> {
  if (answer?.status !== 200) return 0;
  return (await jsonOf(answer))['resumed'] === false ? 1 : 0;
}

async function raceOneRound(
  { a, b, charged }: RaceInstances,
  options: RaceOptions,
  round: number,
): Promise<RoundOutcome> {
  const token = await payerSession(a);
  const otherToken = await payerSession(b);
  const response = await a.chat(token, {
    messages: [{ role: 'user', content: `charge ${round}` }],
    thread_id: `thr_suspension_race_${round}`,
  });
  const reader = createSseReader(response);
  const request = await reader.nextOfType('tool_approval_request');
  const runId = String(reader.frames.at(-1)?.runId);
  const ended = reader.rest();
  // Around the suspension moment: from 20 ms before it to 100 ms after, as the round goes.
  await delay(Math.max(0, options.suspendAfterMs - 20 + ((round * 7) % 120)));
  const answer = (approved: boolean, gateway: GatewayClient, from: string) =>
    gateway.post(
      '/chat/tool-approval',
      { tool_call_id: request['tool_call_id'], nonce: request['nonce'], approved },
      { token: from },
    );
  // Every third round the approval comes alone, from the device that asked (the other device
  // would hear 404 while the call waits in memory).
  const withDenial = round % 3 !== 2;
  const [approval, denial] = await Promise.all([
    answer(true, round % 2 === 0 ? b : a, withDenial ? otherToken : token),
    withDenial ? delay(round % 5).then(() => answer(false, round % 2 === 0 ? a : b, token)) : undefined,
  ]);
  const notResumed = (await notResumedBy(approval)) + (await notResumedBy(denial));
  await ended;
  await waitFor(
    async () => {
      const run = await jsonOf(await a.get(`/runs/${runId}`, { token }));
      return run['status'] === 'completed' ? true : undefined;
    },
    { timeoutMs: 30_000, description: `round ${round}: the run to complete` },
  );
  // A second execution would come right after the first resumption: give it the time to show.
  await delay(50);
  return {
    round,
    approvalStatus: approval.status,
    denialStatus: denial?.status,
    charges: charged.filter((charge) => charge.cents === round).length,
    notResumed,
  };
}
