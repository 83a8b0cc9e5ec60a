import { HttpError } from '../../core/http-error.js';
import type { GatewayServerConfig } from '../contracts/gateway-config.js';
import type { SessionRecord } from '../../core/stores.js';
import type { ChatRunRequest } from '../contracts/request-schemas.js';
import { channelOf } from './channel-of.js';

/**
 * Whether a run may use its model, checked the same way wherever a run starts or is accepted
 * for later: the runtime's model, else the request's, else `defaultModel`, must be in
 * `allowedModels` (empty: any). With neither `allowedModels` nor `defaultModel` configured the
 * runtime picks, and a request may not name a model at all. Returns the refused model (which
 * may be undefined: no model where one is needed), or undefined when the run may go ahead.
 */
export function refusedModel(
  config: Pick<GatewayServerConfig, 'allowedModels' | 'defaultModel'>,
  allowedModels: ReadonlySet<string>,
  runtimeModel: string | undefined,
  requestModel: string | undefined,
): { model: string | undefined } | undefined {
  if (config.allowedModels === undefined && config.defaultModel === undefined) {
    return requestModel === undefined ? undefined : { model: requestModel };
  }
  const model = runtimeModel ?? requestModel ?? config.defaultModel;
  if (allowedModels.size > 0 && (model === undefined || !allowedModels.has(model))) return { model };
  return undefined;
}

/** The 400 a request gets for a model outside the allow-list (`POST /chat`, `POST /runs`). */
export function modelNotAllowedError(
  model: string | undefined,
  allowedModels: ReadonlySet<string>,
): HttpError {
  return HttpError.detail(
    400,
    `Invalid model: ${model ?? '(none)'} (allowed: ${[...allowedModels].join(', ')}; ` +
      'server.allowedModels sets the list)',
  );
}

/**
 * Builds the request's runtime and throws the 400 of `modelNotAllowedError` when the model it
 * would run is not allowed: the model check of a run's start, ahead of it.
 */
export async function checkRunModel(
  config: GatewayServerConfig,
  allowedModels: ReadonlySet<string>,
  session: SessionRecord,
  request: ChatRunRequest,
): Promise<void> {
  const runtime = await config.buildChatRuntime({
    session,
    request,
    channel: channelOf(request.context),
  });
  const refused = refusedModel(config, allowedModels, runtime.model, request.model ?? undefined);
  if (refused !== undefined) throw modelNotAllowedError(refused.model, allowedModels);
}
