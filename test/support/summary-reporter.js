// Prints the plain closing line CI reads, `N passed, N failed`; skipped tests are counted on the line before.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed`;
    process.stdout.write(`\n${skipped ? `${skipped} skipped\n` : ''}${line}\n`);
    // .ci/run repeats the line as its very last output, after anything npm prints on exit.
    if (process.env.SC_TEST_SUMMARY_FILE) require('node:fs').writeFileSync(process.env.SC_TEST_SUMMARY_FILE, `${line}\n`);
  }
}
module.exports = SummaryReporter;
