import pino from 'pino';
import { parseWorkerConfig } from '../config/worker.config';
import { AgentSlots } from './agent-slots';

describe(AgentSlots.name, () => {
  const slots = (limits: string) =>
    new AgentSlots(parseWorkerConfig({ SC_AGENT_LIMITS: limits }), pino({ level: 'silent' }));

  describe('overLimit', () => {
    // Built without a connection: Redis is reached only when slots are taken.
    const limited = slots('anthropic=3,openai=5');
    afterAll(() => limited.onModuleDestroy());

    it('passes a Round whose agents fit each limit, at it included, and APIs without a limit', () => {
      expect(limited.overLimit({})).toBeUndefined();
      expect(limited.overLimit({ anthropic: 3, openai: 5 })).toBeUndefined();
      expect(limited.overLimit({ anthropic: 1, gemini: 12 })).toBeUndefined();
    });

    it('names the API, the agents the Round needs at once and the limit', () => {
      expect(limited.overLimit({ anthropic: 4, openai: 5 })).toBe(
        'the work-order needs 4 anthropic agents at once; SC_AGENT_LIMITS allows 3',
      );
    });

    it('names every API over its limit, each limit with its API', () => {
      expect(limited.overLimit({ openai: 6, anthropic: 4, gemini: 1 })).toBe(
        'the work-order needs 6 openai and 4 anthropic agents at once; SC_AGENT_LIMITS allows openai=5,anthropic=3',
      );
    });

    it('refuses nothing without SC_AGENT_LIMITS', async () => {
      const unlimited = slots('');
      expect(unlimited.overLimit({ anthropic: 16 })).toBeUndefined();
      await unlimited.onModuleDestroy();
    });
  });
});
