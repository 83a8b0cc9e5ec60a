/**
 * The models a request may pick with `model`: `allowedModels` when the operator lists them
 * (`[]` allows any), else only the configured model, since a client spends the operator's key.
 * With neither, the set is empty and a request may not name a model (the runtime's is used).
 */
export function allowedModelsOf(
  allowedModels: Iterable<string> | undefined,
  configuredModel: string | undefined,
): Set<string> {
  return new Set(allowedModels ?? (configuredModel === undefined ? [] : [configuredModel]));
}
