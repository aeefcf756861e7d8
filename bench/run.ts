/**
 * `npm run bench -- [--scenario 1,2] [--quick] [--servers switchboard,ws] [--out dir] [--profile dir]`
 *
 * Runs the scenarios one after another, each server in turn on core 0 and the
 * load on core 1, and writes `<out>/<scenario>.json` (quick runs write
 * `<scenario>.tmp.json`, so a smoke run never replaces the published results)
 * plus a table per scenario on stdout. Every run is bounded and stops by itself.
 * With `--profile dir`, each server process on the server core writes a V8 CPU
 * profile into `dir` and the runner prints its hottest frames (report/profile.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summariseProfiles } from './report/profile.ts';
import { renderTable } from './report/table.ts';
import { SCENARIOS } from './scenarios/index.ts';
import { isServerName, SERVER_NAMES, type ServerName } from './servers/catalog.ts';
import { LOAD_CORE, pinProcess } from './support/pinned-process.ts';

const DEFAULT_OUT = fileURLToPath(new URL('./results/', import.meta.url));

const { values } = parseArgs({
  options: {
    scenario: { type: 'string' },
    quick: { type: 'boolean', default: false },
    servers: { type: 'string' },
    out: { type: 'string', default: DEFAULT_OUT },
    profile: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help) {
  console.log(
    `Usage: npm run bench -- [--scenario N[,N]] [--quick] [--servers ${SERVER_NAMES.join(',')}] [--out dir] [--profile dir]\n\n` +
      SCENARIOS.map((scenario) => `  ${scenario.number}  ${scenario.name}: ${scenario.title}`).join('\n'),
  );
  process.exit(0);
}

const servers = parseServers(values.servers);
const wanted = values.scenario?.split(',').map((part) => Number(part.trim()));
const scenarios = wanted ? SCENARIOS.filter((scenario) => wanted.includes(scenario.number)) : SCENARIOS;
if (scenarios.length === 0) fail(`--scenario takes numbers from 1 to ${SCENARIOS.length}`);

if (values.profile) {
  mkdirSync(values.profile, { recursive: true });
  // Read by startPinned for every server process it starts.
  process.env.BENCH_CPU_PROFILE_DIR = resolve(values.profile);
}

// The runner relays credit and collects results; it stays off the server's core.
pinProcess(process.pid, LOAD_CORE);
mkdirSync(values.out, { recursive: true });
const started = Date.now();
for (const scenario of scenarios) {
  const result = await scenario.run({
    quick: values.quick,
    servers,
    log: (line) => console.error(`[bench] ${line}`),
  });
  const file = join(values.out, `${scenario.name}${values.quick ? '.tmp' : ''}.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  console.log(`${renderTable(result)}\n`);
}
if (values.profile) console.log(summariseProfiles(values.profile));
console.error(`[bench] done in ${((Date.now() - started) / 1000).toFixed(0)} s; results in ${values.out}`);

function parseServers(list: string | undefined): ServerName[] {
  if (!list) return [...SERVER_NAMES];
  const names = list.split(',').map((name) => name.trim());
  for (const name of names) if (!isServerName(name)) fail(`unknown server ${name}; known: ${SERVER_NAMES.join(', ')}`);
  // Switchboard first: its rows lead every table.
  return (names as ServerName[]).sort((a, b) => SERVER_NAMES.indexOf(a) - SERVER_NAMES.indexOf(b));
}

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}
