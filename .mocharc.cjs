// One mocha run for every package: each package's tests live in <package>/test/ and run through tsx.
//
// Mocha appends files named on the command line to the `spec` of this file instead of replacing
// it, so `mocha gateway/test/x.test.ts` or `mocha --spec '*/test/**/*.unit.test.ts'` would still run
// everything. The default spec therefore applies only when the command line names none.

// Options that take a value as the next word (`--grep foo`), so that word is not a spec.
const TAKES_VALUE = new Set([
  'R',
  'reporter',
  'O',
  'reporter-option',
  'reporter-options',
  'g',
  'grep',
  'f',
  'fgrep',
  't',
  'timeout',
  'timeouts',
  's',
  'slow',
  'r',
  'require',
  'u',
  'ui',
  'config',
  'package',
  'ignore',
  'exclude',
  'extension',
  'file',
  'n',
  'node-option',
  'j',
  'jobs',
  'retries',
  'watch-files',
  'watch-ignore',
  'import',
  'forbid-only-message',
]);

function commandLineNamesSpec(argv) {
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === '--') return i + 1 < argv.length;
    if (word === '--spec' || word.startsWith('--spec=')) return true;
    if (word.startsWith('-')) {
      const name = word.replace(/^--?/, '');
      if (!name.includes('=') && TAKES_VALUE.has(name)) i++;
      continue;
    }
    return true;
  }
  return false;
}

module.exports = {
  ...(commandLineNamesSpec(process.argv.slice(2)) ? {} : { spec: ['*/test/**/*.test.ts'] }),
  ignore: ['node_modules/**'],
  'node-option': ['import=tsx'],
  timeout: 20000,
  slow: 2000,
  exit: true,
  reporter: 'spec',
};
