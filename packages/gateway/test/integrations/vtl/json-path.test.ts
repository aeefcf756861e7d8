import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJsonValue } from '../../../src/integrations/vtl/json.ts';
import { compileJsonPath, evaluateJsonPath, JsonPathError } from '../../../src/integrations/vtl/json-path.ts';
import { toJsonText } from '../../../src/integrations/vtl/values.ts';

const document = parseJsonValue('{"a":{"b":[1,{"c":"x"}],"c":"y"},"a b":2,"it\'s":3}');

function at(path: string): string | undefined {
  const found = evaluateJsonPath(document, compileJsonPath(path));
  return found === undefined ? undefined : toJsonText(found);
}

describe('JSONPath', () => {
  it('resolves the supported forms', () => {
    assert.equal(at('$'), '{"a":{"b":[1,{"c":"x"}],"c":"y"},"a b":2,"it\'s":3}');
    assert.equal(at('$.a.b[0]'), '1');
    assert.equal(at('$.a.b[-1].c'), '"x"');
    assert.equal(at("$['a b']"), '2');
    assert.equal(at('$["a"]["c"]'), '"y"');
    assert.equal(at("$['it\\'s']"), '3');
    assert.equal(at('$.a.b[*]'), '[1,{"c":"x"}]');
    assert.equal(at('$.a.*'), '[[1,{"c":"x"}],"y"]');
    assert.equal(at('$..c'), '["y","x"]');
    assert.equal(at('$..missing'), '[]');
  });

  it('gives nothing for a missing member of a definite path', () => {
    for (const path of ['$.missing', '$.a.b[2]', '$.a.b[-3]', '$.a.c.d', '$.a.b.c'])
      assert.equal(at(path), undefined, path);
  });

  it('refuses other forms with the position', () => {
    const cases: Array<[string, number]> = [
      ['a.b', 0],
      ['$.', 2],
      ['$[?(@.a)]', 2],
      ['$[0:2]', 2],
      ["$['a','b']", 5],
      ['$..[0]', 3],
      ['$.a.length()', 10],
      ["$['open", 7],
    ];
    for (const [path, offset] of cases) {
      assert.throws(
        () => compileJsonPath(path),
        (error: unknown) => error instanceof JsonPathError && error.offset === offset,
        path,
      );
    }
  });
});
