import { describe, expect, it } from 'vitest';
import { createScriptedProvider } from '../testing/scripted-provider.js';
import { textTurn } from '../testing/scripted-turn.js';
import { sendPrompt, type SendPromptOptions } from './send-prompt.js';

describe('sendPrompt options', () => {
  it('answers with one turn of the given provider', async () => {
    const provider = createScriptedProvider({ turns: [textTurn(' Four. ')] });
    await expect(sendPrompt({ provider, model: 'scripted-model', prompt: 'What is 2 + 2?' })).resolves.toBe(
      'Four.',
    );
  });

  it('refuses a blank prompt or model, naming the option, before calling the model', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('never')] });
    await expect(sendPrompt({ provider, model: 'scripted-model', prompt: ' ' })).rejects.toThrow(
      'sendPrompt: prompt: must be a non-empty string',
    );
    await expect(sendPrompt({ provider, model: '', prompt: 'hi' })).rejects.toMatchObject({
      code: 'invalid_option',
      message: expect.stringContaining('model:') as unknown,
    });
    expect(provider.requests).toHaveLength(0);
  });

  it('suggests the closest name for an unknown option', async () => {
    const provider = createScriptedProvider({ turns: [textTurn('never')] });
    await expect(
      sendPrompt({ provider, model: 'scripted-model', prompt: 'hi', maxToken: 10 } as SendPromptOptions),
    ).rejects.toThrow("sendPrompt: unknown option 'maxToken' — did you mean 'maxTokens'?");
  });
});
