/**
 * What Gatehouse's backend and its page share: the permissions and the
 * credential resource type, the API's types, and the words both use.
 *
 * @packageDocumentation
 */

export * from './permissions';
export * from './types';
export * from './wording';
