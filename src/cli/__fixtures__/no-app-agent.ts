/** A module that exports no gateway app (a common mistake: exporting the options). */
export const systemPrompt = 'You answer in one sentence.';
export default { systemPrompt };
