import type { ModelProvider, UsageReport } from '@sc/plugin-sdk';
import { createParser, type EventSourceParser } from 'eventsource-parser';
import { StringDecoder } from 'node:string_decoder';
import { priceProviders, type ModelPrices, type TokenCounts } from '../pricing/model-prices';
import { usageMeters, type UsageMeter } from './usage-meters';

// A non-streamed answer is parsed for its usage only up to this size; a model's JSON answer is far smaller.
const maxJsonBytes = 8 * 1024 * 1024;

/**
 * Reads one call's answer as it passes through the gateway and reports its usage — the increase since the
 * last report, priced for the whole call so far (prices can step up with the call's input size) — each time
 * the answer states more. What was reported stays reported, however the call ends.
 */
export class MeteredCall {
  private readonly meter: UsageMeter;
  private readonly decoder = new StringDecoder('utf8');
  private readonly parser: EventSourceParser | undefined;
  private readonly jsonChunks: Buffer[] | undefined;
  private jsonBytes = 0;
  private readonly reported: TokenCounts = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 };
  private reportedCost = 0;

  constructor(
    private readonly provider: ModelProvider,
    private readonly agent: string,
    private readonly model: string,
    contentType: string | undefined,
    private readonly prices: ModelPrices,
    private readonly onUsage: (usage: UsageReport) => void,
  ) {
    this.meter = usageMeters[provider]();
    if (contentType?.includes('text/event-stream')) {
      this.parser = createParser({ onEvent: (event) => this.changed(() => this.meter.event(event.data)) });
    } else if (contentType?.includes('json')) {
      this.jsonChunks = [];
    }
  }

  /** One chunk of the answer's body, as it was sent on to the agent. */
  write(chunk: Buffer): void {
    if (this.parser) this.parser.feed(this.decoder.write(chunk));
    else if (this.jsonChunks && this.jsonBytes + chunk.length <= maxJsonBytes) {
      this.jsonChunks.push(chunk);
      this.jsonBytes += chunk.length;
    }
  }

  /** The answer ended (completely or not): a JSON answer is read now. */
  end(): void {
    if (!this.jsonChunks?.length) return;
    const chunks = this.jsonChunks.splice(0);
    this.changed(() => {
      try {
        this.meter.json(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch {
        // A cut-off or malformed JSON answer states no usage.
      }
    });
  }

  private changed(read: () => void): void {
    read();
    const counts = this.meter.counts;
    const delta = {
      input: counts.input - this.reported.input,
      output: counts.output - this.reported.output,
      cacheRead: counts.cacheRead - this.reported.cacheRead,
      cacheWrite: counts.cacheWrite - this.reported.cacheWrite,
    };
    if (delta.input === 0 && delta.output === 0 && delta.cacheRead === 0 && delta.cacheWrite === 0) return;
    Object.assign(this.reported, counts);
    const cost = this.prices.costOf(this.model, counts, priceProviders[this.provider]);
    const costDelta = cost === null ? null : Math.max(0, cost - this.reportedCost);
    if (cost !== null) this.reportedCost = Math.max(cost, this.reportedCost);
    this.onUsage({
      agent: this.agent,
      model: this.model,
      input: delta.input,
      output: delta.output,
      cache_read: delta.cacheRead,
      cache_write: delta.cacheWrite,
      cost_usd: costDelta,
    });
  }
}
