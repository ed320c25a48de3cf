// Lint Cypher files with Neo4j's own parser and semantic analysis (@neo4j-cypher/language-support).
//
// Usage: node lint.mjs [--labels A,B] [--types R,S] [--param NAME]... FILE.cypher...
//
// Each file is one statement whose leading `//` comment declares its parameters in a
// "Parameters:" section (every `$name` there is declared). Undeclared parameters, syntax errors,
// semantic errors (Cypher 5, the language of Neo4j 5.26), unknown functions and procedures and,
// when --labels and --types are given, labels or relationship types outside the graph model are
// reported. Prints {"FILE": [diagnostic, ...], ...} as JSON on stdout; exits 1 when anything was
// reported, 2 on a usage error.
import { readFileSync } from 'node:fs';
import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

function usage(message) {
  process.stderr.write(`${message}\nusage: node lint.mjs [--labels A,B] [--types R,S] [--param NAME]... FILE...\n`);
  process.exit(2);
}

const files = [];
const extraParams = [];
let labels;
let types;
const args = process.argv.slice(2);
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--labels') labels = (args[++i] ?? usage('--labels needs a value')).split(',').filter(Boolean);
  else if (arg === '--types') types = (args[++i] ?? usage('--types needs a value')).split(',').filter(Boolean);
  else if (arg === '--param') extraParams.push(args[++i] ?? usage('--param needs a value'));
  else if (arg.startsWith('--')) usage(`unknown option ${arg}`);
  else files.push(arg);
}
if (files.length === 0) usage('no files given');

/** Names declared in the header's "Parameters:" section (the `$name` tokens found there). */
export function declaredParameters(text) {
  const names = new Set();
  let inSection = false;
  for (const line of text.split('\n')) {
    const m = /^\s*\/\/(.*)$/.exec(line);
    if (!m) break; // the header ends at the first line that is not a comment
    const body = m[1];
    const section = /^\s*([A-Za-z][A-Za-z ]*):/.exec(body);
    if (section) inSection = section[1].trim().toLowerCase() === 'parameters';
    if (inSection) for (const p of body.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(p[1]);
  }
  return [...names];
}

// Functions and procedures of a real server, as shipped with the package (Cypher 5 and 25).
const { functions, procedures } = testData.mockSchema;
const report = {};
let failed = false;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const parameters = {};
  for (const name of [...declaredParameters(text), ...extraParams]) parameters[name] = null;
  const schema = { parameters, functions, procedures, defaultLanguage: 'CYPHER 5' };
  if (labels && types) Object.assign(schema, { labels, relationshipTypes: types });
  const { diagnostics } = lintCypherQuery(text, schema, { consoleCommandsEnabled: false });
  report[file] = diagnostics.map((d) => ({
    severity: d.severity === 1 ? 'error' : d.severity === 2 ? 'warning' : 'info',
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    message: d.message,
  }));
  if (report[file].length) failed = true;
}
process.stdout.write(JSON.stringify(report, null, 2) + '\n');
process.exit(failed ? 1 : 0);
