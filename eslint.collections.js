// @ts-check
/**
 * `gateway/churn-collections`: an app-lifetime `Map` or `Set` that holds objects is a `ChurnMap`
 * or `ChurnSet` (src/core/churn-map.ts). A plain one keeps a chat's objects alive through the
 * tables V8 leaves behind when it rebuilds (docs/architecture.md, "Collections that outlive a
 * chat"). test/churn-collections-rule.test.ts proves the rule bites.
 *
 * The rule reports a `new Map(…)` or `new Set(…)` that is all of:
 * 1. kept as long as what holds it: the initializer of a module-level variable, of a variable
 *    declared at the top of a factory's body (a function named `create…`: what it makes lives as
 *    long as the app), or of a class field;
 * 2. written after it is made: its declared type is not `ReadonlyMap`/`ReadonlySet`;
 * 3. holding objects: the values' type (a `Map`'s second type argument, a `Set`'s only one, on
 *    the `new` or on the declared type) is not made of primitive keywords and literals alone. A
 *    collection with no type arguments counts as holding objects unless it is made from an array
 *    of literals.
 * A collection the rule reports that is made per chat (in a factory called once per chat), or
 * whose entries never come and go per chat, says so in an `eslint-disable-next-line` comment.
 */

/** @typedef {import('@typescript-eslint/utils').TSESTree.Node} Node */
/** @typedef {import('@typescript-eslint/utils').TSESTree.NewExpression} NewExpression */
/** @typedef {import('@typescript-eslint/utils').TSESTree.TypeNode} TypeNode */
/** @typedef {import('@typescript-eslint/utils').TSESTree.TSTypeReference} TypeReference */
/** @typedef {import('@typescript-eslint/utils').TSESTree.VariableDeclarator | import('@typescript-eslint/utils').TSESTree.PropertyDefinition} Holder */

/** The type annotations that hold primitives only. */
const PRIMITIVE_TYPES = new Set([
  'TSStringKeyword',
  'TSNumberKeyword',
  'TSBigIntKeyword',
  'TSBooleanKeyword',
  'TSSymbolKeyword',
  'TSUndefinedKeyword',
  'TSNullKeyword',
  'TSLiteralType',
  'TSTemplateLiteralType',
]);

/**
 * Whether a type annotation names primitives only.
 * @param {TypeNode} type
 * @returns {boolean}
 */
function isPrimitiveType(type) {
  if (type.type === 'TSUnionType') return type.types.every(isPrimitiveType);
  return PRIMITIVE_TYPES.has(type.type);
}

/**
 * The declared type of the variable or field `holder` initializes, when it is a type reference.
 * @param {Holder} holder
 * @returns {TypeReference | undefined}
 */
function declaredTypeOf(holder) {
  const annotation =
    holder.type === 'VariableDeclarator'
      ? holder.id.typeAnnotation?.typeAnnotation
      : holder.typeAnnotation?.typeAnnotation;
  return annotation?.type === 'TSTypeReference' ? annotation : undefined;
}

/**
 * Whether an array element is a literal, or an array of literals (a `Map`'s `[key, value]` pair).
 * @param {Node | null} element
 * @returns {boolean}
 */
function isLiteralEntry(element) {
  if (element?.type === 'Literal') return true;
  return element?.type === 'ArrayExpression' && element.elements.every((part) => part?.type === 'Literal');
}

/**
 * Whether the collection made by `node` holds objects (rule 3 above).
 * @param {NewExpression} node
 * @param {TypeReference | undefined} declared
 * @returns {boolean}
 */
function holdsObjects(node, declared) {
  const valueIndex = node.callee.type === 'Identifier' && node.callee.name === 'Map' ? 1 : 0;
  const types = node.typeArguments?.params ?? declared?.typeArguments?.params;
  const valueType = types?.[valueIndex];
  if (valueType !== undefined) return !isPrimitiveType(valueType);
  const [source] = node.arguments;
  return source?.type !== 'ArrayExpression' || !source.elements.every(isLiteralEntry);
}

/**
 * The name of the function whose body has `statement` at its top level, if any.
 * @param {Node} statement
 * @returns {string | undefined}
 */
function functionNameOf(statement) {
  const body = statement.parent;
  if (body?.type !== 'BlockStatement') return undefined;
  const owner = body.parent;
  if (owner?.type === 'FunctionDeclaration') return owner.id?.name;
  if (owner?.type !== 'FunctionExpression' && owner?.type !== 'ArrowFunctionExpression') return undefined;
  const named = owner.parent;
  if (named?.type === 'VariableDeclarator' && named.id.type === 'Identifier') return named.id.name;
  if (named?.type === 'Property' && named.key.type === 'Identifier') return named.key.name;
  return undefined;
}

/**
 * What keeps the collection made by `node` alive when that is app-lifetime (rule 1 above).
 * @param {NewExpression} node
 * @returns {Holder | undefined}
 */
function appLifetimeHolderOf(node) {
  const holder = node.parent;
  if (holder.type === 'PropertyDefinition' && holder.value === node) return holder;
  if (holder.type !== 'VariableDeclarator' || holder.init !== node) return undefined;
  const declaration = holder.parent;
  const statement = declaration.parent.type === 'ExportNamedDeclaration' ? declaration.parent : declaration;
  if (statement.parent?.type === 'Program') return holder;
  return /^create[A-Z]/.test(functionNameOf(statement) ?? '') ? holder : undefined;
}

/** @type {import('@typescript-eslint/utils').TSESLint.RuleModule<'plain'>} */
const churnCollections = {
  meta: {
    type: 'problem',
    docs: { description: 'An app-lifetime Map or Set of objects is a ChurnMap or ChurnSet.' },
    schema: [],
    messages: {
      plain:
        "An app-lifetime {{kind}} of objects keeps each chat's objects alive through the tables V8 leaves behind: use a {{churn}} (src/core/churn-map.ts), type it Readonly{{kind}} if it is never written, or disable this rule on the line saying why it does not churn per chat.",
    },
  },
  defaultOptions: [],
  create(context) {
    return {
      NewExpression(node) {
        if (node.callee.type !== 'Identifier' || (node.callee.name !== 'Map' && node.callee.name !== 'Set'))
          return;
        const holder = appLifetimeHolderOf(node);
        if (holder === undefined) return;
        const declared = declaredTypeOf(holder);
        if (declared?.typeName.type === 'Identifier' && declared.typeName.name.startsWith('Readonly')) return;
        if (!holdsObjects(node, declared)) return;
        const kind = node.callee.name;
        context.report({
          node,
          messageId: 'plain',
          data: { kind, churn: kind === 'Map' ? 'ChurnMap' : 'ChurnSet' },
        });
      },
    };
  },
};

/**
 * `gateway/evict-oldest`: `collection.keys().next()`, the oldest key of a bounded collection, walks
 * past every entry deleted since V8 last rebuilt the table: evicting that way one entry per insert
 * costs microseconds an eviction once the collection churns. `evictOldest` (src/core/evict-oldest.ts)
 * evicts in batches instead.
 * @type {import('@typescript-eslint/utils').TSESLint.RuleModule<'oneByOne'>}
 */
const evictOldestRule = {
  meta: {
    type: 'problem',
    docs: { description: 'The oldest entries of a bounded collection go with evictOldest.' },
    schema: [],
    messages: {
      oneByOne:
        '`keys().next()` walks past every entry deleted since the table was last rebuilt: evict with `evictOldest` (src/core/evict-oldest.ts), or disable this rule on the line saying why the collection does not churn.',
    },
  },
  defaultOptions: [],
  create(context) {
    return {
      CallExpression(node) {
        const next = node.callee;
        if (next.type !== 'MemberExpression' || next.property.type !== 'Identifier') return;
        if (next.property.name !== 'next' || next.object.type !== 'CallExpression') return;
        const keys = next.object.callee;
        if (keys.type !== 'MemberExpression' || keys.property.type !== 'Identifier') return;
        if (keys.property.name === 'keys') context.report({ node, messageId: 'oneByOne' });
      },
    };
  },
};

/** The folders whose app-lifetime collections may gain and lose an entry per chat. */
export const CHURN_FOLDERS = [
  'src/server/**/*.ts',
  'src/stores/memory/**/*.ts',
  'src/database/memory/**/*.ts',
  'src/providers/**/*.ts',
  'src/agent/**/*.ts',
  'src/tools/**/*.ts',
];

/**
 * The flat-config blocks that turn `gateway/churn-collections` on in `CHURN_FOLDERS` and
 * `gateway/evict-oldest` on in all of src/ (tests and fixtures exempt).
 * @returns {import('eslint').Linter.Config[]}
 */
export function collectionConfigs() {
  const plugin = /** @type {import('eslint').ESLint.Plugin} */ (
    /** @type {unknown} */ ({
      rules: { 'churn-collections': churnCollections, 'evict-oldest': evictOldestRule },
    })
  );
  return [
    {
      files: CHURN_FOLDERS,
      ignores: ['**/*.test.ts', '**/__fixtures__/**', 'src/providers/transport/**'],
      plugins: { gateway: plugin },
      rules: { 'gateway/churn-collections': 'error' },
    },
    {
      files: ['src/**/*.ts'],
      ignores: ['**/*.test.ts', '**/__fixtures__/**'],
      plugins: { gateway: plugin },
      rules: { 'gateway/evict-oldest': 'error' },
    },
  ];
}
