import {
  GraphQLError, Location, getNamedType, isListType, isNonNullType, isObjectType, isInterfaceType, Kind,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLOutputType, type GraphQLSchema, type SelectionSetNode,
} from 'graphql'

// What one GraphQL request may cost, checked before anything runs. The login token is public, so
// these hold for every caller: without them one request could parse 45,000 aliases, answer 200 MiB
// of schema, resolve members of members 500 times over, or run a thousand password checks.
// Pure: a document and the schema in, the first broken limit out (test/unit/request-limits.test.ts).

export interface RequestLimits {
  /** Size of the `query` text in bytes (checked before it is parsed). */
  maxDocumentBytes: number
  /** Lexical tokens the parser reads before it gives up (graphql-js `maxTokens`). */
  maxTokens: number
  /** Aliased fields in the document. */
  maxAliases: number
  /** Fields of the executed operations, with every fragment spread expanded. */
  maxFields: number
  /** Estimated work: each field costs 1, times `LIST_FACTOR` for each list above it. */
  maxCost: number
  /** `__schema` fields (each answers the whole schema). */
  maxSchemaIntrospections: number
  /** Fields that check a password (see PASSWORD_FIELDS). */
  maxPasswordChecks: number
}

export const defaultRequestLimits: RequestLimits = {
  maxDocumentBytes: 32 * 1024,
  maxTokens: 5_000,
  maxAliases: 100,
  maxFields: 1_000,
  maxCost: 50_000,
  maxSchemaIntrospections: 1,
  maxPasswordChecks: 1,
}

/** How many items a list field is assumed to hold when estimating cost. */
export const LIST_FACTOR = 10

/**
 * Mutations that hash or verify a password (or may, to confirm who is asking). Each costs tens of
 * milliseconds of a hashing thread, so a request may hold one: aliases must not multiply them.
 */
export const PASSWORD_FIELDS: ReadonlySet<string> = new Set([
  'signIn', 'signUp', 'changePassword', 'changeMyPassword', 'prepareOtp', 'disableOtp',
  'resetPassword', 'invite', 'unmanagedInvite', 'disableEmailOtp', 'regenerateBackupCodes',
  // Not a hash, but a mail and a deliberate wait per call (model/mail/anonymousFlows.ts), or a
  // code guess (3 per request).
  'createResetPasswordRequest', 'initSignInPasswordless', 'signInPasswordless', 'requestEmailVerification',
  'initEmailOtp', 'confirmEmailOtp',
  // A round trip to the provider (discovery, token endpoint, keys) each.
  'initSignInIDP', 'signInIDP',
  // A mail each (a confirmation to a new address, a sign-out notice), with a password check for
  // changeMyProfile; aliases must not turn one request into a hundred mails.
  'changeMyProfile', 'changeProfile', 'forceSignOutPerson',
])

/**
 * Whether the document came from parsing GraphQL text. Mercurius, when the text does not parse,
 * tries it as a JSON syntax tree; such a tree is not checked by anything and made validation
 * throw (a 500), so it is refused. (Contember's clients send GraphQL text.)
 */
export function isParsedDocument(document: DocumentNode): boolean {
  return document?.kind === Kind.DOCUMENT && document.loc instanceof Location && Array.isArray(document.definitions)
}

/** Breaks of a limit, worded for the client (the limit's value, never anything internal). */
export class LimitExceeded extends Error {}

interface Tally {
  fields: number
  cost: number
  schemas: number
  passwordKeys: Set<string>
}

/**
 * Checks a parsed document against the limits; throws LimitExceeded naming the first one broken.
 * Work is bounded by the limits themselves: expansion stops as soon as a count goes over.
 */
export function checkDocument(schema: GraphQLSchema, document: DocumentNode, limits: RequestLimits): void {
  const fragments = new Map<string, FragmentDefinitionNode>()
  let aliases = 0
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition)
  }
  countAliases(document, () => {
    if (++aliases > limits.maxAliases) throw new LimitExceeded(`The query has more than ${limits.maxAliases} aliases`)
  })
  const tally: Tally = { fields: 0, cost: 0, schemas: 0, passwordKeys: new Set() }
  for (const definition of document.definitions) {
    if (definition.kind !== Kind.OPERATION_DEFINITION) continue
    const root = definition.operation === 'mutation' ? schema.getMutationType()
      : definition.operation === 'subscription' ? schema.getSubscriptionType() : schema.getQueryType()
    if (!root) continue
    walk(definition.selectionSet, root, 1, definition.operation === 'mutation', [], { schema, fragments, limits, tally })
  }
}

function countAliases(document: DocumentNode, onAlias: () => void): void {
  const visit = (set: SelectionSetNode | undefined) => {
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD && selection.alias) onAlias()
      if (selection.kind !== Kind.FRAGMENT_SPREAD) visit(selection.selectionSet)
    }
  }
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION || definition.kind === Kind.FRAGMENT_DEFINITION) visit(definition.selectionSet)
  }
}

interface Walk {
  schema: GraphQLSchema
  fragments: Map<string, FragmentDefinitionNode>
  limits: RequestLimits
  tally: Tally
}

function walk(set: SelectionSetNode, parent: GraphQLOutputType, multiplier: number, atMutationRoot: boolean, spreads: string[], w: Walk): void {
  const { limits, tally } = w
  const named = getNamedType(parent)
  for (const selection of set.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const name = selection.name.value
      const fragment = w.fragments.get(name)
      // An unknown or cyclic spread is graphql-js's to report; here it must only not loop.
      if (!fragment || spreads.includes(name)) continue
      const on = w.schema.getType(fragment.typeCondition.name.value) as GraphQLOutputType | undefined
      walk(fragment.selectionSet, on ?? parent, multiplier, atMutationRoot, [...spreads, name], w)
      continue
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const on = selection.typeCondition ? w.schema.getType(selection.typeCondition.name.value) as GraphQLOutputType | undefined : undefined
      walk(selection.selectionSet, on ?? parent, multiplier, atMutationRoot, spreads, w)
      continue
    }
    const name = selection.name.value
    if (++tally.fields > limits.maxFields) throw new LimitExceeded(`The query selects more than ${limits.maxFields} fields`)
    if (name === '__schema' && ++tally.schemas > limits.maxSchemaIntrospections) {
      throw new LimitExceeded(`The query may ask for __schema at most ${limits.maxSchemaIntrospections} time(s)`)
    }
    if (atMutationRoot && PASSWORD_FIELDS.has(name)) {
      // Fields with one response key are merged into one call by GraphQL; aliases are not.
      tally.passwordKeys.add(selection.alias?.value ?? name)
      if (tally.passwordKeys.size > limits.maxPasswordChecks) {
        throw new LimitExceeded(`A request may check at most ${limits.maxPasswordChecks} password(s): send one ${[...PASSWORD_FIELDS].join('/')} per request`)
      }
    }
    // The introspection answer is bounded by the schema and counted once above.
    if (name.startsWith('__')) continue
    tally.cost += multiplier
    if (tally.cost > limits.maxCost) throw new LimitExceeded(`The query is too costly (estimated cost over ${limits.maxCost})`)
    if (!selection.selectionSet) continue
    const field = isObjectType(named) || isInterfaceType(named) ? named.getFields()[name] : undefined
    const type = field?.type
    walk(selection.selectionSet, type ?? parent, multiplier * (type && returnsList(type) ? LIST_FACTOR : 1), false, spreads, w)
  }
}

const returnsList = (type: GraphQLOutputType): boolean => isListType(isNonNullType(type) ? type.ofType : type)

/** The error a client sees: a request error, answered with HTTP 400 like a syntax error. */
export function limitError(message: string): Error & { errors: GraphQLError[]; statusCode: number } {
  return Object.assign(new Error(message), { errors: [new GraphQLError(message)], statusCode: 400 })
}
