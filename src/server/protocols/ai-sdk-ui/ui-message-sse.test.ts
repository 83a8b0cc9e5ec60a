import { UI_MESSAGE_STREAM_HEADERS as aiSdkHeaders } from 'ai';
import { describe, expect, it } from 'vitest';
import {
  UI_MESSAGE_STREAM_DONE,
  UI_MESSAGE_STREAM_HEADERS,
  UI_MESSAGE_STREAM_PING,
  toUiMessageSseFrames,
} from './ui-message-sse.js';

describe('UI message stream framing', () => {
  it('sends the same headers as the AI SDK', () => {
    expect(UI_MESSAGE_STREAM_HEADERS).toEqual(aiSdkHeaders);
  });

  it('writes one data line per chunk, even when the text holds line breaks', () => {
    const frames = toUiMessageSseFrames([
      { type: 'start', messageId: 'm' },
      { type: 'text-delta', id: 't', delta: 'a\nb\r\n' },
    ]);
    expect(frames).toBe(
      'data: {"type":"start","messageId":"m"}\n\ndata: {"type":"text-delta","id":"t","delta":"a\\nb\\r\\n"}\n\n',
    );
  });

  it('ends with [DONE] and keeps the connection alive with a comment', () => {
    expect(UI_MESSAGE_STREAM_DONE).toBe('data: [DONE]\n\n');
    expect(UI_MESSAGE_STREAM_PING.startsWith(':')).toBe(true);
    expect(toUiMessageSseFrames([])).toBe('');
  });
});
