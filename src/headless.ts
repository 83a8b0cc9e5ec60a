/**
 * `ai-agent-gateway/headless`: the pieces of headless runs (cron) and heartbeats:
 * one-session runs, run output, state files, delivery to Telegram and webhooks, and the helpers
 * of the heartbeat loop. `runAutonomous` and `HeartbeatLoop` are also at the root.
 */
export { runAutonomous } from './headless/run-autonomous.js';
export type { RunAutonomousOptions } from './headless/run-autonomous-options.js';
export { runSession } from './headless/run-session.js';
export type { RunSessionOptions } from './headless/run-session.js';
export { collectRunOutput } from './headless/collect-run-output.js';
export { runOutputExitCode, runOutputOutcome, toRunOutputJson } from './headless/run-output.js';
export type { RunCompaction, RunOutcomeName, RunOutput, RunOutputJson } from './headless/run-output.js';
export { formatRunSummary } from './headless/format-run-summary.js';
export type { FormatRunSummaryOptions } from './headless/format-run-summary.js';
export { loadState, saveState } from './headless/state/state-file.js';
export type { JsonObject } from './headless/state/json-object-file.js';
export { extractStateUpdate } from './headless/state/extract-state-update.js';
export { buildStatePayload } from './headless/state/build-state-payload.js';
export type { BuildStatePayloadOptions } from './headless/state/build-state-payload.js';
export { deliver } from './headless/delivery/deliver.js';
export type { DeliveryConfig } from './headless/delivery/delivery-config.js';
export { sendTelegram, sendTelegramFile } from './headless/delivery/send-telegram.js';
export type {
  SendTelegramFileOptions,
  SendTelegramOptions,
  TelegramTarget,
} from './headless/delivery/send-telegram.js';
export { sendWebhook } from './headless/delivery/send-webhook.js';
export type { SendWebhookOptions } from './headless/delivery/send-webhook.js';
export { HeartbeatLoop } from './headless/heartbeat/heartbeat-loop.js';
export type { HeartbeatLoopOptions, HeartbeatThread } from './headless/heartbeat/heartbeat-loop.js';
export { HEADLESS_OWNER } from './headless/thread/headless-thread-options.js';
export type { HeartbeatConfig } from './headless/heartbeat/heartbeat-config.js';
export type {
  HeartbeatOutcome,
  HeartbeatSkipReason,
  HeartbeatState,
} from './headless/heartbeat/heartbeat-state.js';
export type { HeartbeatCallback, TickResult } from './headless/heartbeat/tick-result.js';
export { HEARTBEAT_OK, stripHeartbeatOk } from './headless/heartbeat/strip-heartbeat-ok.js';
export { isChecklistEmpty } from './headless/heartbeat/is-checklist-empty.js';
export { isWithinActiveHours } from './headless/heartbeat/is-within-active-hours.js';
export type { ActiveHours } from './headless/heartbeat/is-within-active-hours.js';
export { sendPrompt } from './headless/send-prompt.js';
export type { SendPromptOptions } from './headless/send-prompt.js';
