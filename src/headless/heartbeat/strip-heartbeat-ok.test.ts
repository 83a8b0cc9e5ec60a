import { describe, expect, it } from 'vitest';
import { stripHeartbeatOk } from './strip-heartbeat-ok.js';

describe('stripHeartbeatOk', () => {
  it.each([
    ['HEARTBEAT_OK', '', true],
    ['  HEARTBEAT_OK \nAction needed', 'Action needed', true],
    ['Action needed\nHEARTBEAT_OK', 'Action needed', true],
    ['Action needed\n  HEARTBEAT_OK  \n', 'Action needed', true],
    ['HEARTBEAT_OK\nAll fine\nHEARTBEAT_OK', 'All fine', true],
    ['Action\nHEARTBEAT_OK\nMore', 'Action\nHEARTBEAT_OK\nMore', false],
    ['Status HEARTBEAT_OK today', 'Status HEARTBEAT_OK today', false],
    ['HEARTBEAT_OK: disk is full', 'HEARTBEAT_OK: disk is full', false],
    ['', '', false],
  ])('%j → %j (token: %s)', (input, text, hadToken) => {
    expect(stripHeartbeatOk(input)).toEqual({ text, hadToken });
  });
});
