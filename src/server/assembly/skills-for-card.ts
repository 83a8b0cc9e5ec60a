import { createSkillLoader } from '../../tools/sub-agents/skill-loader.js';
import type { AgentSkillInfo } from '../contracts/agent-card.js';

/** Longest description a card gives one skill. */
const MAX_DESCRIPTION = 300;

const describe = (metadata: Record<string, unknown>, prompt: string): string => {
  const given = metadata['description'];
  if (typeof given === 'string' && given.trim() !== '') return given.trim().slice(0, MAX_DESCRIPTION);
  const firstLine = prompt.split('\n').find((line) => line.trim() !== '' && !line.startsWith('#'));
  return (firstLine ?? 'A skill of the agent').trim().slice(0, MAX_DESCRIPTION);
};

/**
 * Lists the skills of a skills directory as an agent card names them: the file's name as id,
 * its front matter's `name` and `description` (else the prompt's first line). A skill that
 * does not parse is left out; the card is read on request, so edits show.
 */
export function skillsForCard(directory: string): () => Promise<AgentSkillInfo[]> {
  const loader = createSkillLoader(directory);
  return async () => {
    const names = await loader.listSkills();
    const loaded = await Promise.all(
      names.map(async (id) => {
        try {
          const skill = await loader.load(id);
          return [{ id, name: skill.name, description: describe(skill.metadata, skill.prompt) }];
        } catch {
          return [];
        }
      }),
    );
    return loaded.flat();
  };
}
