import type { GatewayStores, SessionRecord } from '../../core/stores.js';
import type { GatewayServerConfig } from '../gateway-config.js';
import type { ChatRunRequest } from '../http/request-schemas.js';
import { channelOf } from './channel-of.js';
import type { ChatRunLifecycle } from './chat-run.js';
import type { RunSlot } from './run-caps.js';
import { registerRun, type RegisterRunDependencies } from './register-run.js';
import type { SharedRunSettings } from './share-run.js';
import { startChatRun, type RunContinuation } from './start-chat-run.js';

/** Everything `launchChatRun` needs. */
export interface LaunchChatRunOptions {
  config: GatewayServerConfig;
  stores: GatewayStores;
  session: SessionRecord;
  body: ChatRunRequest;
  /**
   * Models a run may use (empty: any, when `config.allowedModels` or `config.defaultModel` is
   * set; with neither, a request may not name a model and the runtime's is used).
   */
  allowedModels: ReadonlySet<string>;
  /** The run to launch, still `starting` (or `lost`, for a takeover lost meanwhile). */
  run: ChatRunLifecycle;
  /** Set when the stores are shared (see `StartChatRunOptions.shared`). */
  shared?: SharedRunSettings;
  /** Set when this instance continues a run another instance started. */
  continuation?: RunContinuation;
  /** Where the started run is registered as its session's active run. */
  registration: RegisterRunDependencies;
  /** The run's slot under its API key's caps (admitted by the caller, who gives it back on failure). */
  slot: RunSlot;
}

/**
 * How a launch went: `started` (and registered), `modelNotAllowed` (the runtime's or request's
 * model is not in `allowedModels`) or `failed` (the runtime, the sharing or the runner could not
 * be set up). Unless it started, the run did not launch: the caller cleans up what it holds
 * (the session lock, or the claimed lease) and gives the run up.
 */
export type LaunchOutcome =
  | { status: 'started' }
  | { status: 'modelNotAllowed'; model: string | undefined }
  | { status: 'failed'; error: unknown };

/**
 * Launches a chat run, the same way for `POST /chat` and for a run taken over from another
 * instance: builds the chat's runtime, checks its model against the allow-list, starts the run
 * and registers it. Only the registration may throw (the run then goes on unregistered).
 */
export async function launchChatRun(options: LaunchChatRunOptions): Promise<LaunchOutcome> {
  const { config, stores, session, body, allowedModels, run, registration } = options;
  try {
    const runtime = await config.buildChatRuntime({
      session,
      request: body,
      channel: channelOf(body.context),
    });
    const model = runtime.model ?? body.model ?? config.defaultModel;
    if (config.allowedModels === undefined && config.defaultModel === undefined) {
      // Nothing says which models are the operator's: the runtime picks, the request may not.
      const requested = body.model ?? undefined;
      if (requested !== undefined) return { status: 'modelNotAllowed', model: requested };
    } else if (allowedModels.size > 0 && (model === undefined || !allowedModels.has(model))) {
      return { status: 'modelNotAllowed', model };
    }
    await startChatRun({
      config,
      stores,
      session,
      body,
      runtime,
      model,
      report: registration.report,
      run,
      slot: options.slot,
      ...(options.shared === undefined ? {} : { shared: options.shared }),
      ...(options.continuation === undefined ? {} : { continuation: options.continuation }),
    });
  } catch (error) {
    return { status: 'failed', error };
  }
  await registerRun(run, session.apiKeyHash, registration, options.continuation !== undefined);
  return { status: 'started' };
}
