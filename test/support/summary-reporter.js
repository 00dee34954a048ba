// Prints the plain closing line CI reads, `N passed, N failed`; skipped tests are counted on the line before.
const { existsSync, readFileSync, writeFileSync } = require('node:fs');

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    process.stdout.write(
      `\n${skipped ? `${skipped} skipped\n` : ''}${results.numPassedTests} passed, ${failed} failed\n`,
    );
    // .ci/run repeats the line as its very last output, after anything npm prints on exit. It runs jest twice
    // (`npm test`, `npm run test:compose`): the file holds the sum of the runs so far.
    const file = process.env.SC_TEST_SUMMARY_FILE;
    if (!file) return;
    const [, passedBefore = 0, failedBefore = 0] =
      (existsSync(file) && /(\d+) passed, (\d+) failed/.exec(readFileSync(file, 'utf8'))) || [];
    writeFileSync(
      file,
      `${results.numPassedTests + Number(passedBefore)} passed, ${failed + Number(failedBefore)} failed\n`,
    );
  }
}
module.exports = SummaryReporter;
