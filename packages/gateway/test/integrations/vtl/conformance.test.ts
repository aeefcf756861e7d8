/**
 * VTL conformance: template, input, expected output. Expectations follow Velocity 1.7
 * (the engine API Gateway runs) and what recorded API Gateway responses show (a null
 * reference is ""; an empty payload is `{}`; `$input.json` of nothing is `""`; `$input.path`
 * of an object renders as a Java
 * map and of an array as JSON). Each row says which rule it pins.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TemplateInput } from '../../../src/integrations/vtl/index.ts';
import { compileTemplate } from '../../../src/integrations/vtl/index.ts';
import { connectInput, messageInput } from './fixtures.ts';

interface Row {
  /** What the row pins. */
  rule: string;
  template: string;
  expected: string;
  /** The payload; `{}` when not given. */
  body?: string;
  input?: TemplateInput;
}

const DOCUMENT = JSON.stringify({
  s: 'text',
  n: 10,
  ns: '10',
  big: 0,
  d: 0,
  obj: { a: 1, b: [1, 2] },
  list: [{ id: 'x', v: 1 }, { id: 'y' }, { id: 'z', v: 3 }],
  nul: null,
  t: true,
  empty: '',
  json: '{"a":{"b":"c"}}',
})
  .replace('"big":0', '"big":12345678901234567890')
  .replace('"d":0', '"d":1.0');

const ROWS: Row[] = [
  // References
  {
    rule: '$context variables',
    template: '$context.connectionId|$context.routeKey|$context.eventType|$context.stage',
    expected: 'Abc123=|chat|MESSAGE|prod',
  },
  {
    rule: '$context: ids, times and the domain',
    template:
      '$context.requestId|$context.extendedRequestId|$context.messageId|$context.requestTimeEpoch|$context.connectedAt|$context.requestTime|$context.apiId|$context.domainName|$context.messageDirection',
    expected: 'req-1|req-1|msg-1|1700000000123|1700000000000|14/Nov/2023:22:13:20 +0000|local00000|example.test|IN',
  },
  {
    rule: '$context nested maps',
    template: '$context.identity.sourceIp|$context.authorizer.principalId|$context.authorizer.tier',
    expected: '10.0.0.1|user-1|gold',
  },
  {
    rule: 'formal and quiet forms',
    template: '${context.stage}|$!context.stage|$!{context.stage}',
    expected: 'prod|prod|prod',
  },
  {
    rule: 'a null reference renders as nothing, quiet or not',
    template: '[$foo][$!foo][${foo}][$foo.bar][$context.httpMethod]',
    expected: '[][][][][]',
  },
  {
    rule: '$ and # that start nothing are text',
    template: 'costs $5, 100% #1 #general $ # $.',
    expected: 'costs $5, 100% #1 #general $ # $.',
  },
  {
    rule: 'a reference ends before a dot not followed by a letter',
    template: '#set($total = 3)$total. $total.5',
    expected: '3. 3.5',
  },
  {
    rule: 'identifiers may contain - (so $a-1 is one name)',
    template: '#set($a = 1)[$a-1][$a - 1]',
    expected: '[][$a - 1]'.replace('$a - 1', '1 - 1'),
  },
  { rule: '$stageVariables', template: '$stageVariables.env|$stageVariables.none|', expected: 'test||' },
  // $input
  { rule: '$input.body is the payload', template: '$input.body', body: '{"a": 1}', expected: '{"a": 1}' },
  {
    rule: 'an empty payload reads as {} but has no JSON values',
    template: "$input.body|$input.json('$')|[$input.path('$')]",
    body: '',
    expected: '{}|""|[]',
  },
  {
    rule: '$input.json of objects and strings',
    template: "$input.json('$.obj')|$input.json('$.s')|$input.json('$.ns')",
    body: DOCUMENT,
    expected: '{"a":1,"b":[1,2]}|"text"|"10"',
  },
  {
    rule: '$input.json of a JSON string payload',
    template: "$input.json('$')",
    body: '"hi \\"there\\""',
    expected: '"hi \\"there\\""',
  },
  {
    rule: '$input.json of a missing value is an empty JSON string; of a JSON null, null',
    template: "$input.json('$.missing')|$input.json('$.nul')",
    body: DOCUMENT,
    expected: '""|null',
  },
  {
    rule: '$input.json of a payload that is not JSON is an empty JSON string',
    template: "$input.json('$.x')|$input.json('$')",
    body: 'plain text',
    expected: '""|""',
  },
  {
    rule: '$input.path of an object renders as a Java map, of an array as JSON',
    template: "$input.path('$.obj')|$input.path('$.list')",
    body: DOCUMENT,
    expected: '{a=1, b=[1,2]}|[{"id":"x","v":1},{"id":"y"},{"id":"z","v":3}]',
  },
  {
    rule: '$input.path of an object in a list is a Java map',
    template: "$input.path('$.list')[0]|$input.path('$.list[1]')",
    body: DOCUMENT,
    expected: '{id=x, v=1}|{id=y}',
  },
  {
    rule: '$input.path missing or null is nothing, and equals "" and $null',
    template:
      "#set($r = $input.path('$.missing'))[$r][$r.x]#if($r == '')E#end#if($r == $null)N#end[$input.path('$.nul')]",
    body: DOCUMENT,
    expected: '[][]EN[]',
  },
  {
    rule: 'numbers keep their JSON type',
    template: "$input.path('$.n')|$input.path('$.d')|$input.path('$.ns')|$input.path('$.big')|$input.json('$.d')",
    body: DOCUMENT,
    expected: '10|1.0|10|12345678901234567890|1.0',
  },
  {
    rule: 'numbers vs strings in comparisons',
    template: "#if($input.path('$.n') > 5)n#end#if($input.path('$.ns') > 5)ns#end#if($input.path('$.ns') == 10)eq#end",
    body: DOCUMENT,
    expected: 'neq',
  },
  {
    rule: 'lists from the payload have size() and get()',
    template: "$input.path('$.list').size() $input.path('$.list').get(2).id $input.path('$.obj.b')[-1]",
    body: DOCUMENT,
    expected: '3 z 2',
  },
  {
    rule: 'JSONPath wildcards and descendants give JSON lists',
    template: "$input.json('$.list[*].id')|$input.json('$..v')|$input.path('$.obj.*')",
    body: DOCUMENT,
    expected: '["x","y","z"]|[1,3]|[1,[1,2]]',
  },
  {
    rule: 'JSONPath bracket names and negative indexes',
    template: `$input.path("$['obj']['a']")|$input.path('$.list[-1].id')`,
    body: DOCUMENT,
    expected: '1|z',
  },
  {
    rule: 'a path built at render time',
    template: '#foreach($i in [0..2])$input.path("$.list[$i].id")#end',
    body: DOCUMENT,
    expected: 'xyz',
  },
  {
    rule: '$input.params() on $connect',
    template: '$input.params()',
    input: connectInput(),
    expected: '{path={}, querystring={room=lobby}, header={Host=example.test, X-Trace=a"b}}',
  },
  {
    rule: '$input.params(name) looks in path, query string, then headers (ignoring case)',
    template:
      "$input.params('room')|$input.params('host')|[$input.params('none')]|$input.params().get('header').get('Host')|$input.params().querystring.room",
    input: connectInput(),
    expected: 'lobby|example.test|[]|example.test|lobby',
  },
  {
    rule: '$input.params() outside $connect is empty',
    template: '$input.params()',
    expected: '{path={}, querystring={}, header={}}',
  },
  // Outputs API Gateway has been recorded giving for $input.path
  ...[
    ['{"k":"v"}', "$input.path('$')", '{k=v}'],
    ['[{"k":"v"}]', "$input.path('$')", '[{"k":"v"}]'],
    ['{"n":{"k":"v"}}', "$input.path('$').n", '{k=v}'],
    ['{"n":[{"k":"v"}]}', "$input.path('$').n", '[{"k":"v"}]'],
    ['[{"k":"v"}]', "$input.path('$')[0]", '{k=v}'],
    ['[[{"k":"v"}]]', "$input.path('$')[0]", '[{"k":"v"}]'],
    ['{"k":[{"n":"v"}]}', "$input.path('$')", '{k=[{"n":"v"}]}'],
    ['{"a":"1","b":"2","c":"3"}', "$input.path('$')", '{a=1, b=2, c=3}'],
    ['{"k":"v"}', "$input.path('$').toString()", '{k=v}'],
    ['{"l":[]}', '#set($r = $input.path(\'$.l\'))[$r][$r.x]#if($r == "")E#end', '[[]][]'],
    ['{"l":null}', '#set($r = $input.path(\'$.l\'))[$r][$r.x]#if($r == "")E#end#if($r == $null)N#end', '[][]EN'],
    ['', '#set($r = $input.path(\'$.x\'))[$r]#if($r == "")E#end', '[]E'],
  ].map(
    ([body, template, expected]) =>
      ({ rule: `recorded: ${template} of ${body || 'an empty payload'}`, template, body, expected }) as Row,
  ),
  // $util
  {
    rule: '$util.escapeJavaScript: quotes, backslash, slash, control and non-ASCII characters',
    template: "$util.escapeJavaScript($input.path('$.q'))",
    body: JSON.stringify({ q: `it's "q" \\ / é 😀\n\t\u0001` }),
    expected: 'it\\\'s \\"q\\" \\\\ \\/ \\u00E9 \\uD83D\\uDE00\\n\\t\\u0001',
  },
  {
    rule: "AWS's advice to undo \\' for JSON",
    template: `"$util.escapeJavaScript($input.path('$.q')).replaceAll("\\\\'","'")"`,
    body: JSON.stringify({ q: "it's" }),
    expected: `"it's"`,
  },
  {
    rule: '$util.urlEncode / urlDecode (URLEncoder rules)',
    template: "$util.urlEncode($input.path('$.q'))|$util.urlDecode('a+b%21%C3%A9')",
    body: JSON.stringify({ q: "a b&c/d'~*é" }),
    expected: 'a+b%26c%2Fd%27%7E*%C3%A9|a b!é',
  },
  {
    rule: '$util.base64Encode / base64Decode over UTF-8',
    template: "$util.base64Encode('hé')|$util.base64Decode('aMOp')",
    expected: 'aMOp|hé',
  },
  {
    rule: '$util.parseJson gives an object to navigate',
    template: "#set($o = $util.parseJson($input.path('$.json')))$o.a.b|$o",
    body: DOCUMENT,
    expected: 'c|{a={b=c}}',
  },
  // Arithmetic
  {
    rule: 'the DynamoDB TTL idiom: integer seconds',
    template: '#set($ttl = $context.requestTimeEpoch / 1000 + 86400)$ttl',
    expected: '1700086400',
  },
  {
    rule: 'integer division and modulo truncate like Java',
    template: '#set($a = 7 / 2)#set($b = -7 / 2)#set($c = -7 % 3)#set($d = 7 % -3)$a $b $c $d',
    expected: '3 -3 -1 1',
  },
  {
    rule: 'a Double on either side gives a Double',
    template:
      '#set($a = 7.0 / 2)#set($b = 1.0 * 3)#set($c = 0.1 + 0.2)#set($e = 10000000.0 * 1)#set($f = 1 / 1000.0)$a $b $c $e $f',
    expected: '3.5 3.0 0.30000000000000004 1.0E7 0.001',
  },
  {
    rule: 'integers widen instead of overflowing',
    template: '#set($a = 2147483647 + 1)#set($b = 9223372036854775807 + 1)#set($c = 3037000500 * 3037000500)$a $b $c',
    expected: '2147483648 9223372036854775808 9223372037000250000',
  },
  {
    rule: 'division by zero and math on non-numbers leave #set unchanged',
    template: '#set($x = 1)#set($x = 1 / 0)#set($y = "a")#set($y = "3" * 2)$x $y',
    expected: '1 a',
  },
  {
    rule: '+ concatenates when either side is a string',
    template: '#set($a = "1" + 2)#set($b = 1 + "2")#set($c = $missing + 1)#set($n = "5")#set($d = $n + 1)$a $b [$c] $d',
    expected: '12 12 [1] 51',
  },
  {
    rule: 'string concatenation in #set',
    template: '#set($key = "user#" + $context.connectionId + "#" + $context.requestTimeEpoch)$key',
    expected: 'user#Abc123=#1700000000123',
  },
  // Comparisons
  {
    rule: '== compares numbers by value and other classes by text',
    template:
      '#if(1 == 1.0)a#end#if(1 == "1")b#end#if(true == "true")c#end#if("a" == "a")d#end#if([1, 2] == [1, 2])e#end#if(1 != 2)f#end',
    expected: 'abcdef',
  },
  {
    rule: '< and > compare numbers only',
    template: '#if(2 > 1)a#end#if("b" > "a")b#end#if(1.5 <= 2)c#end#if(2 ge 2 and 1 lt 2)d#end',
    expected: 'acd',
  },
  // #if
  {
    rule: '#if: null and false are false; everything else a reference holds is true',
    template:
      '#set($e = "")#set($f = false)#set($z = 0)#if($e)e#end#if($f)f#end#if($z)z#end#if($missing)m#end#if(!$missing)n#end',
    expected: 'ezm',
  },
  {
    rule: '#if: literals other than true are false',
    template: '#if("")a#end#if("x")b#end#if(0)c#end#if(true)d#end#if(false)e#end',
    expected: 'd',
  },
  {
    rule: '#if on an empty string needs a comparison',
    template: '#set($v = $input.path(\'$.empty\'))#if($v != \'\')set#{else}empty#end|#if("$!v" == "")quiet#end',
    body: DOCUMENT,
    expected: 'empty|quiet',
  },
  {
    rule: '#elseif and #else',
    template: '#foreach($n in [1, 2, 3])#if($n == 1)one#elseif($n == 2)two#{else}many#end #end',
    expected: 'one two many ',
  },
  {
    rule: '&&, || and ! short-circuit and combine',
    template: '#if($context.stage == "prod" && !($missing == "x") || false)yes#end',
    expected: 'yes',
  },
  // #foreach
  {
    rule: 'nested #foreach with $foreach and $velocityCount',
    template:
      '#foreach($r in ["a", "b"])#foreach($c in [1, 2])$r$c:$foreach.index$foreach.count$velocityCount$foreach.parent.index#if($foreach.hasNext),#end#end;#end',
    expected: 'a1:0110,a2:1220;b1:0111,b2:1221;',
  },
  {
    rule: '$foreach.first and .last',
    template: '#foreach($i in [1..3])#if($foreach.first)[#end$i#if($foreach.last)]#end#end',
    expected: '[123]',
  },
  { rule: '#foreach over a map visits its values', template: '#foreach($v in {"a": 1, "b": 2})$v#end', expected: '12' },
  {
    rule: '#foreach over entries',
    template: "#foreach($e in $input.path('$.obj').entrySet())$e.key=$e.value;#end",
    body: DOCUMENT,
    expected: 'a=1;b=[1,2];',
  },
  {
    rule: 'ranges count up or down',
    template: '#foreach($i in [3..1])$i#end#foreach($i in [-1..1])$i#end',
    expected: '321-101',
  },
  {
    rule: '#break ends the innermost loop',
    template: '#foreach($i in [1..5])#if($i == 3)#break#end$i#end',
    expected: '12',
  },
  { rule: '#stop ends the template', template: 'a#stop b', expected: 'a' },
  {
    rule: 'the loop variable is restored afterwards',
    template: '#set($i = "before")#foreach($i in [1, 2])$i#end $i',
    expected: '12 before',
  },
  {
    rule: '#foreach over nothing',
    template: '[#foreach($i in $missing)x#end#foreach($i in "text")y#end#foreach($i in [])z#end]',
    expected: '[]',
  },
  {
    rule: 'a missing member inside #foreach sets "", not the previous value',
    template: "#foreach($i in $input.path('$.list'))#set($v = $i.v)[$v]#end",
    body: DOCUMENT,
    expected: '[1][][3]',
  },
  // #set
  {
    rule: '#set on map properties and list indexes',
    template: '#set($m = {})#set($m.a = 1)#set($m["b"] = 2)#set($l = [1, 2])#set($l[0] = 9)#set($l[-1] = 8)$m $l',
    expected: '{a=1, b=2} [9, 8]',
  },
  {
    rule: 'list and map methods',
    template:
      '#set($l = [])#set($ok = $l.add("x"))#set($ok = $l.add(0, "w"))$l $l.size() $l.contains("x") $l.indexOf("x")|#set($m = {"k": "v"})$m.keySet() $m.values() $m.containsKey("k") $m.get("k") $m.k $m.size()',
    expected: '[w, x] 2 true 1|[k] [v] true v v 1',
  },
  {
    rule: 'map literal and nested list rendering',
    template: '#set($m = {"a": 1, "b": [1, "x"], "c": {"d": true}})$m',
    expected: '{a=1, b=[1, x], c={d=true}}',
  },
  {
    rule: '#define: a block rendered where it is used, with the variables of that moment (the Serverless default template idiom)',
    template:
      '#define( $loop ){#foreach($key in $map.keySet())"$key":"$util.escapeJavaScript($map.get($key))"#if($foreach.hasNext),#end#end}#end#set($map = $input.params().querystring)"query": $loop, #set($map = $context.authorizer)"auth": $loop',
    input: connectInput(),
    expected: '"query": {"room":"lobby"}, "auth": {"principalId":"user-1","tier":"gold"}',
  },
  // Strings
  {
    rule: 'Java string methods',
    template:
      '#set($s = "  Hello, World  ")#set($t = $s.trim())$t.length()|$t.substring(7)|$t.substring(0, 5)|$t.indexOf("o")|$t.lastIndexOf("o")|$t.toUpperCase()|$t.toLowerCase()|$t.charAt(1)|$t.startsWith("He")|$t.endsWith("d")|$t.contains(",")|$t.equalsIgnoreCase("hello, world")|$t.isEmpty()|$t.replace("l", "L")',
    expected: '12|World|Hello|4|8|HELLO, WORLD|hello, world|e|true|true|true|true|false|HeLLo, WorLd',
  },
  {
    rule: 'replaceAll and replaceFirst use Java regex and $n groups',
    template:
      '#set($s = "2024-01-31")$s.replaceAll("(\\d+)-(\\d+)-(\\d+)", "$3/$2/$1")|$s.replaceFirst("\\d", "X")|$s.replaceAll("-", "\\$")|$s.matches("\\d{4}-\\d{2}-\\d{2}")|$s.matches("\\d+")',
    expected: '31/01/2024|X024-01-31|2024$01$31|true|false',
  },
  {
    rule: 'split drops trailing empty strings, as in Java',
    template:
      '#set($s = "a,b,,")#set($p = $s.split(","))$p.size() $p[1]|#set($s = ",a")#set($q = $s.split(","))$q.size()|#set($s = "a,b,c")#set($r = $s.split(",", 2))$r.size() $r[1]',
    expected: '2 b|2|2 b,c',
  },
  {
    rule: 'double quotes interpolate, single quotes do not',
    template: '#set($n = "x")#set($a = "id-$n")#set($b = \'id-$n\')$a $b',
    expected: 'id-x id-$n',
  },
  {
    rule: 'quotes double inside string literals; \\u escapes in double quotes',
    template: `#set($a = "say ""hi""")#set($b = 'it''s')#set($c = "caf\\u00e9")$a $b $c`,
    expected: 'say "hi" it\'s café',
  },
  { rule: 'a backslash is not an escape in a string literal', template: '#set($a = "a\\nb")$a', expected: 'a\\nb' },
  {
    rule: 'the $Integer.parseInt idiom',
    template: '#set($zero = 0)#set($n = $zero.parseInt("42") + 1)$n',
    expected: '43',
  },
  {
    rule: 'unknown methods render as nothing, as on AWS',
    template: '[$context.stage.noSuchMethod()][$context.stage.length]',
    expected: '[][]',
  },
  // Whitespace, comments, escapes
  {
    rule: 'directives take their line break; #set takes the indentation of a line it starts',
    template: '#if(true)\n  #set($a = 1)\n  "a": $a\n#end\n',
    expected: '  "a": 1\n',
  },
  {
    rule: 'indentation after other text on the line before stays (it is one text token in Velocity)',
    template: '{\n  #set($a = 1)\n#if($a == 1)\n  "a": $a\n#end\n}',
    expected: '{\n    "a": 1\n}',
  },
  {
    rule: 'indentation before #if and #end stays',
    template: '#set($a = 1)\n  #if($a == 1)\n  x\n  #end\ndone',
    expected: '    x\n  done',
  },
  {
    rule: 'comments and unparsed blocks',
    template: 'a## line comment\nb#* block\ncomment *#c#[[ $raw #if ]]#d',
    expected: 'abc $raw #if d',
  },
  {
    rule: 'escaped references and directives',
    template: '\\$context.stage|\\\\$context.stage|\\#if|\\#set($x)|\\#general',
    expected: '$context.stage|\\prod|#if|#set()|\\#general',
  },
];

describe('VTL conformance', () => {
  for (const row of ROWS) {
    it(row.rule, () => {
      const input = row.input ?? messageInput(row.body ?? '{}');
      const output = compileTemplate(row.template, 'template').render(input);
      assert.equal(output, row.expected, row.template);
    });
  }
});
