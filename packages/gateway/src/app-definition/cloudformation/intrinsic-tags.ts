/**
 * CloudFormation's short-form intrinsic functions in YAML (`!Ref Table`,
 * `!GetAtt Fn.Arn`, `!Sub ...`), read into their long JSON forms
 * (`{ Ref: 'Table' }`, `{ 'Fn::GetAtt': ['Fn', 'Arn'] }`), so that templates in
 * YAML and JSON resolve the same way. Each tag may be written on a scalar, a
 * sequence or a mapping, as CloudFormation allows.
 */
import type { CollectionTag, ScalarTag, YAMLMap, YAMLSeq } from 'yaml';

const FUNCTIONS = [
  'Base64',
  'Cidr',
  'FindInMap',
  'GetAtt',
  'GetAZs',
  'ImportValue',
  'Join',
  'Select',
  'Split',
  'Sub',
  'Transform',
  'If',
  'Equals',
  'And',
  'Or',
  'Not',
  'Length',
  'ToJsonString',
] as const;

/** `!Ref` and `!Condition` have no `Fn::` prefix in their long form. */
const UNPREFIXED = ['Ref', 'Condition'] as const;

function longName(tag: string): string {
  return (UNPREFIXED as readonly string[]).includes(tag) ? tag : `Fn::${tag}`;
}

function scalarTag(name: string): ScalarTag {
  const key = longName(name);
  return {
    tag: `!${name}`,
    // `!GetAtt Resource.Attribute` stays a string; the resolver splits it at the first dot.
    resolve: (value: string) => ({ [key]: value }),
  };
}

function collectionTag(name: string, collection: 'seq' | 'map'): CollectionTag {
  const key = longName(name);
  return { tag: `!${name}`, collection, resolve: (value: YAMLSeq | YAMLMap) => ({ [key]: value.toJSON() }) };
}

export const INTRINSIC_TAGS: (ScalarTag | CollectionTag)[] = [...UNPREFIXED, ...FUNCTIONS].flatMap((name) => [
  scalarTag(name),
  collectionTag(name, 'seq'),
  collectionTag(name, 'map'),
]);
