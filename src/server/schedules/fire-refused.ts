/**
 * Thrown by a fire's start (`startScheduledRun`) when the fire must not run (`server.authorize`
 * refused its principal `run.start`): the firer settles it `refused` with the message, never
 * retried.
 */
export class FireRefused extends Error {}
