// Prints the plain closing line CI reads: `N passed, N failed` (plus skipped when there are any).
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const tail = skipped ? `, ${skipped} skipped` : '';
    const line = `${results.numPassedTests} passed, ${failed} failed${tail}`;
    process.stdout.write(`\n${line}\n`);
    // .ci/run repeats the line as its very last output, after anything npm prints on exit.
    if (process.env.SC_TEST_SUMMARY_FILE) require('node:fs').writeFileSync(process.env.SC_TEST_SUMMARY_FILE, `${line}\n`);
  }
}
module.exports = SummaryReporter;
