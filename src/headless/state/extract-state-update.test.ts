import { describe, expect, it } from 'vitest';
import { extractStateUpdate } from './extract-state-update.js';

const fence = (json: string): string => `\`\`\`json\n${json}\n\`\`\``;

describe('extractStateUpdate', () => {
  it('returns {} for empty text or text without a JSON block', () => {
    expect(extractStateUpdate('')).toEqual({});
    expect(extractStateUpdate('   ')).toEqual({});
    expect(extractStateUpdate('No state here.')).toEqual({});
  });

  it('reads the fenced JSON object after the marker', () => {
    const text = `Report.\n\n## STATE_UPDATE_JSON\n${fence('{"seen": 3, "alerts": ["x"]}')}\n`;
    expect(extractStateUpdate(text)).toEqual({ seen: 3, alerts: ['x'] });
  });

  it('only searches after the last marker', () => {
    const text = [
      '## STATE_UPDATE_JSON',
      fence('{"old": true}'),
      'Changed my mind.',
      '## STATE_UPDATE_JSON',
      fence('{"new": true}'),
    ].join('\n');
    expect(extractStateUpdate(text)).toEqual({ new: true });
  });

  it('ignores example JSON before the marker even when nothing parses after it', () => {
    const text = `${fence('{"example": 1}')}\n## STATE_UPDATE_JSON\nnothing fenced`;
    expect(extractStateUpdate(text)).toEqual({});
  });

  it('takes the last block that parses to an object, skipping broken and non-object ones', () => {
    const text = [fence('{"first": 1}'), fence('{"second": 2}'), fence('{not json}'), fence('[1, 2]')].join(
      '\n',
    );
    expect(extractStateUpdate(text)).toEqual({ second: 2 });
  });

  it('searches the whole text when there is no marker', () => {
    expect(extractStateUpdate(`Intro\n${fence('{"a": {"b": [1]}}')}\nOutro`)).toEqual({ a: { b: [1] } });
  });

  it('accepts a block on one line', () => {
    expect(extractStateUpdate('```json {"inline": "yes"} ```')).toEqual({ inline: 'yes' });
  });
});
