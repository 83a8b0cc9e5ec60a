import { describe, expect, it } from 'vitest';
import { answerWhereItWaits, type PlacesOfPendingAnswer } from './answer-where-it-waits.js';
import type { SubmissionResponse } from './claim-pending-submission.js';

const ok: SubmissionResponse = { status: 200, body: { status: 'ok' } };
const notLive: SubmissionResponse = { status: 404, body: { detail: 'Unknown tool call' } };
const stored: SubmissionResponse = { status: 202, body: { status: 'stored' } };

/** The places with what each answers, and the order in which they were asked. */
function placesOf(
  live: SubmissionResponse | undefined,
  suspended: SubmissionResponse | undefined | 'none',
): { places: PlacesOfPendingAnswer; asked: string[] } {
  const asked: string[] = [];
  const places: PlacesOfPendingAnswer = {
    ...(live === undefined
      ? {}
      : {
          live: () => {
            asked.push('live');
            return Promise.resolve(live);
          },
        }),
    ...(suspended === 'none'
      ? {}
      : {
          suspended: ({ alreadyKept }) => {
            asked.push(alreadyKept ? 'suspended (kept)' : 'suspended');
            return Promise.resolve(suspended);
          },
        }),
  };
  return { places, asked };
}

describe('answerWhereItWaits', () => {
  it('answers a call waiting live, and never asks the database', async () => {
    const { places, asked } = placesOf(ok, stored);
    expect(await answerWhereItWaits(places)).toBe(ok);
    expect(asked).toEqual(['live']);
  });

  it.each([
    ['already answered', { status: 409, body: { detail: 'Approval already submitted' } }],
    ['expired', { status: 410, body: { detail: 'Approval request expired' } }],
    ['refused to its own requester', { status: 403, body: { code: 'distinct_approver_required' } }],
    ['unavailable', { status: 503, body: { detail: 'could not keep the answer' } }],
  ])('keeps the live outcome of a call %s, and never asks the database', async (_name, live) => {
    const { places, asked } = placesOf(live, stored);
    expect(await answerWhereItWaits(places)).toBe(live);
    expect(asked).toEqual(['live']);
  });

  it('answers the suspended run when no call waits live', async () => {
    const { places, asked } = placesOf(notLive, stored);
    expect(await answerWhereItWaits(places)).toBe(stored);
    expect(asked).toEqual(['live', 'suspended']);
  });

  it('tells the suspended run the answer is already kept when its run was suspended as it arrived', async () => {
    const { places, asked } = placesOf({ ...notLive, kept: true }, stored);
    expect(await answerWhereItWaits(places)).toBe(stored);
    expect(asked).toEqual(['live', 'suspended (kept)']);
  });

  it('answers 404 from the live call when no suspended run waits for it either', async () => {
    const { places, asked } = placesOf(notLive, undefined);
    expect(await answerWhereItWaits(places)).toBe(notLive);
    expect(asked).toEqual(['live', 'suspended']);
  });

  it('answers 404 from the live call when the app keeps no suspended runs', async () => {
    const { places, asked } = placesOf(notLive, 'none');
    expect(await answerWhereItWaits(places)).toBe(notLive);
    expect(asked).toEqual(['live']);
  });

  it('goes straight to the suspended run when the route knows no call waits live', async () => {
    const { places, asked } = placesOf(undefined, stored);
    expect(await answerWhereItWaits(places)).toBe(stored);
    expect(asked).toEqual(['suspended']);
  });

  it('finds nothing when neither place waits for the answer', async () => {
    const { places, asked } = placesOf(undefined, undefined);
    expect(await answerWhereItWaits(places)).toBeUndefined();
    expect(asked).toEqual(['suspended']);
    expect(await answerWhereItWaits(placesOf(undefined, 'none').places)).toBeUndefined();
  });
});
