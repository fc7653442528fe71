#!/usr/bin/env bash
# Regenerate the javascript-obfuscator fixtures of the JS front end's deobfuscation tests.
# Run by hand (tests never run it); needs node and npm with registry access.
#   bash scripts/gen-obfuscator-fixtures.sh
# Installs the pinned obfuscator into a temporary directory and obfuscates every snippet of
# crates/telltale-js/tests/fixtures/obfuscator/src/*.js at each level below into
# crates/telltale-js/tests/fixtures/obfuscator/out/<snippet>.<level>.js. A fixed seed keeps
# the output reproducible. The outputs are only parsed by the tests, never executed.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.2.2
fixtures=crates/telltale-js/tests/fixtures/obfuscator
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund --ignore-scripts "javascript-obfuscator@$VERSION" >/dev/null)
mkdir -p "$fixtures/out"
cat > "$tmp/gen.js" <<'JS'
const fs = require('fs');
const path = require('path');
const JavaScriptObfuscator = require('javascript-obfuscator');
const [srcDir, outDir] = process.argv.slice(2);
const common = { seed: 7, target: 'node', stringArray: true, stringArrayThreshold: 1, rotateStringArray: true, shuffleStringArray: true };
const levels = {
  low: { ...common, stringArrayEncoding: [] },
  base64: {
    ...common,
    stringArrayEncoding: ['base64'],
    stringArrayIndexShift: true,
    stringArrayWrappersCount: 2,
    stringArrayWrappersChainedCalls: true,
    stringArrayWrappersParametersMaxCount: 4,
    stringArrayWrappersType: 'function',
  },
  'base64-var': {
    ...common,
    stringArrayEncoding: ['base64'],
    stringArrayIndexShift: true,
    stringArrayWrappersCount: 1,
    stringArrayWrappersType: 'variable',
  },
  rc4: {
    ...common,
    stringArrayEncoding: ['rc4'],
    stringArrayIndexShift: true,
    stringArrayWrappersCount: 1,
    stringArrayWrappersType: 'function',
    splitStrings: true,
    splitStringsChunkLength: 5,
    unicodeEscapeSequence: true,
  },
  high: {
    ...common,
    stringArrayEncoding: ['rc4'],
    stringArrayIndexShift: true,
    stringArrayWrappersCount: 2,
    stringArrayWrappersType: 'function',
    controlFlowFlattening: true,
    controlFlowFlatteningThreshold: 1,
    deadCodeInjection: true,
    deadCodeInjectionThreshold: 1,
    transformObjectKeys: true,
    numbersToExpressions: true,
    simplify: true,
  },
};
for (const file of fs.readdirSync(srcDir).filter((f) => f.endsWith('.js')).sort()) {
  const code = fs.readFileSync(path.join(srcDir, file), 'utf8');
  for (const [level, options] of Object.entries(levels)) {
    const out = JavaScriptObfuscator.obfuscate(code, options).getObfuscatedCode();
    fs.writeFileSync(path.join(outDir, `${path.basename(file, '.js')}.${level}.js`), out + '\n');
  }
}
JS
NODE_PATH="$tmp/node_modules" node "$tmp/gen.js" "$fixtures/src" "$fixtures/out"
ls "$fixtures/out"
