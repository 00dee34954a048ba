import { durationToMs, phaseTimeoutMs } from './phase-timeout';

describe('phase-timeout', () => {
  it.each([
    [90, 90_000],
    [0.25, 250],
    ['PT30M', 1_800_000],
    ['PT1H30M', 5_400_000],
    ['P1D', 86_400_000],
    ['PT0.5S', 500],
  ] as const)('turns %p into %d ms', (duration, ms) => {
    expect(durationToMs(duration)).toBe(ms);
  });

  it('refuses text that is not a duration', () => {
    expect(() => durationToMs('30 minutes')).toThrow(RangeError);
  });

  it('defaults coding to 30 min, testing to 45 min and other phases to 30 min', () => {
    expect(phaseTimeoutMs({}, 'coding')).toBe(30 * 60_000);
    expect(phaseTimeoutMs({}, 'testing')).toBe(45 * 60_000);
    expect(phaseTimeoutMs({}, 'review')).toBe(30 * 60_000);
  });

  it('takes the work-order value over the default', () => {
    expect(phaseTimeoutMs({ phase_timeout: { testing: 3 } }, 'testing')).toBe(3000);
  });
});
