/**
 * The option parsing of the spec layer: the generic parser and schema helpers live in
 * src/core (the layers below the spec check their own options with them); specs use them by
 * these names.
 */
export {
  callable,
  objectOf,
  parseOptions as parseSpec,
  positiveInteger,
  positiveNumber,
  type RenamedOptions,
} from '../core/parse-options.js';
