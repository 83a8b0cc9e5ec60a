import { randomUUID } from 'node:crypto';
import { StreamResponse, type TaskPushNotificationConfig } from '@a2a-js/sdk';
import { RequestMalformedError, TaskNotFoundError } from '@a2a-js/sdk/errors';
import { iterateFollowing } from '../../../agent/log-follower.js';
import type { Logger } from '../../../core/logger.js';
import type { SessionRecord } from '../../../core/stores.js';
import { ownerKeyOfSession } from '../../contracts/session-owner.js';
import { NonPublicAddressError, type ResolveHost } from '../../../agent/outbound-address.js';
import { postJson } from '../../../agent/post-json.js';
import type { LocatedRun } from '../../chat/session-runs.js';
import { A2aTaskProjection } from './a2a-task-projection.js';
import { checkPushUrl } from './push-url-check.js';
import { ChurnMap } from '../../../core/churn-map.js';
import { evictOldest } from '../../../core/evict-oldest.js';

/** Configs one task may have. */
const MAX_CONFIGS_PER_TASK = 8;
/**
 * Most tasks with configs one instance keeps (the oldest forgotten first, an eighth of them at a
 * time: see `evictOldest`). A forgotten task's delivery under way goes on to its end.
 */
export const MAX_TASKS = 10_000;

/** Options of `createA2aPushNotifications`. */
export interface A2aPushOptions {
  allowedHosts: readonly string[];
  timeoutMs: number;
  logger: Logger;
  /** Resolves receivers' host names (default: the system's resolver); tests answer with their own. */
  resolve?: ResolveHost | undefined;
}

/** Push-notification configs of tasks, and their delivery. */
export interface A2aPushNotifications {
  /**
   * Registers a config for the caller's task and, while the task runs, posts its updates to it:
   * each status change, and the whole task once it ends.
   */
  create(
    session: SessionRecord,
    config: TaskPushNotificationConfig,
    located: LocatedRun | undefined,
    projection: A2aTaskProjection,
  ): Promise<TaskPushNotificationConfig>;
  get(session: SessionRecord, taskId: string, id: string): TaskPushNotificationConfig;
  list(session: SessionRecord, taskId: string): TaskPushNotificationConfig[];
  delete(session: SessionRecord, taskId: string, id: string): void;
  /** Stops every delivery. Idempotent. */
  close(): void;
}

interface TaskConfigs {
  owner: string;
  configs: Map<string, TaskPushNotificationConfig>;
  watching: boolean;
}

const ownerKey = (session: SessionRecord): string => ownerKeyOfSession(session);

/**
 * Creates the push notifications of an instance. Configs live on the instance that received
 * them, which follows the task's run (from the shared log when another instance runs it) and
 * posts each update through `postJson`: no redirect is followed, secrets are redacted from
 * errors, at most a few KB of an answer are read, and a URL whose host resolves to a
 * non-public address is refused unless allowed (the connection goes to the address checked).
 */
export function createA2aPushNotifications(options: A2aPushOptions): A2aPushNotifications {
  const tasks = new ChurnMap<string, TaskConfigs>();
  const stop = new AbortController();

  const configsOf = (session: SessionRecord, taskId: string): TaskConfigs => {
    const found = tasks.get(taskId);
    if (found === undefined || found.owner !== ownerKey(session)) {
      throw new TaskNotFoundError(`No push notification config for task ${taskId}`);
    }
    return found;
  };

  const deliver = async (entry: TaskConfigs, update: StreamResponse): Promise<void> => {
    for (const config of entry.configs.values()) {
      const url = new URL(config.url);
      try {
        await postJson({
          url: config.url,
          body: StreamResponse.toJSON(update),
          headers: {
            ...(config.token === '' ? {} : { 'x-a2a-notification-token': config.token }),
            ...(config.authentication === undefined
              ? {}
              : { authorization: `${config.authentication.scheme} ${config.authentication.credentials}` }),
          },
          timeoutMs: options.timeoutMs,
          signal: stop.signal,
          description: `A2A push notification of task ${config.taskId}`,
          addressPolicy: { allowedHosts: options.allowedHosts, resolve: options.resolve },
        });
      } catch (error) {
        if (stop.signal.aborted) return;
        if (error instanceof NonPublicAddressError) {
          options.logger.warn('A2A push notification refused: its host resolves to a non-public address', {
            taskId: config.taskId,
            host: url.host,
          });
          continue;
        }
        options.logger.warn('A2A push notification failed', {
          taskId: config.taskId,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
  };

  /**
   * Follows the task's run and delivers what changes after `fromSeq`; the watcher folds the
   * whole log into its own projection, so that the task it posts at the end is complete.
   */
  const watch = (
    entry: TaskConfigs,
    located: LocatedRun,
    taskId: string,
    contextId: string,
    fromSeq: number,
  ): void => {
    if (entry.watching) return;
    entry.watching = true;
    const projection = new A2aTaskProjection(taskId, contextId);
    const follower = located.follow(0);
    void (async () => {
      try {
        const source = follower.entries;
        const entries =
          typeof source === 'function'
            ? source(stop.signal)
            : iterateFollowing((each) => source.follow(each), stop.signal);
        for await (const logEntry of entries) {
          const updates = projection
            .fold(logEntry)
            .filter((update) => update.payload?.$case === 'statusUpdate');
          if (updates.length === 0 || logEntry.seq <= fromSeq) continue;
          if (projection.terminal) {
            await deliver(entry, { payload: { $case: 'task', value: projection.task() } });
            return;
          }
          for (const update of updates) await deliver(entry, update);
        }
      } catch (error) {
        options.logger.warn('A2A push notifications stopped', {
          taskId: projection.taskId,
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        follower.leave();
        entry.watching = false;
      }
    })();
  };

  return {
    create(session, config, located, projection) {
      const url = checkPushUrl(config.url, options.allowedHosts);
      if (config.taskId !== projection.taskId)
        throw new RequestMalformedError('taskId does not match the task');
      let entry = tasks.get(config.taskId);
      if (entry !== undefined && entry.owner !== ownerKey(session)) {
        throw new TaskNotFoundError(`Task ${config.taskId} not found`);
      }
      if (entry === undefined) {
        entry = { owner: ownerKey(session), configs: new Map(), watching: false };
        tasks.set(config.taskId, entry);
        evictOldest(tasks, MAX_TASKS);
      }
      const id = config.id === '' ? randomUUID() : config.id;
      if (!entry.configs.has(id) && entry.configs.size >= MAX_CONFIGS_PER_TASK) {
        throw new RequestMalformedError(
          `A task has at most ${MAX_CONFIGS_PER_TASK} push notification configs`,
        );
      }
      const stored: TaskPushNotificationConfig = { ...config, id, url: url.toString() };
      entry.configs.set(id, stored);
      if (located !== undefined && !located.finished && !projection.terminal) {
        watch(entry, located, projection.taskId, projection.contextId, projection.seq);
      }
      return Promise.resolve(stored);
    },
    get(session, taskId, id) {
      const config = configsOf(session, taskId).configs.get(id);
      if (config === undefined)
        throw new TaskNotFoundError(`No push notification config ${id} for task ${taskId}`);
      return config;
    },
    list: (session, taskId) => [...configsOf(session, taskId).configs.values()],
    delete(session, taskId, id) {
      const entry = configsOf(session, taskId);
      if (!entry.configs.delete(id))
        throw new TaskNotFoundError(`No push notification config ${id} for task ${taskId}`);
    },
    close() {
      stop.abort();
      tasks.clear();
    },
  };
}
