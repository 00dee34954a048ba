import { logRedisErrors, redisConnectionOptions } from '@sc/infrastructure';
import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { Observable, Subject } from 'rxjs';
import { replicaId } from '../cluster/replica-id';
import { ORCHESTRATOR_CONFIG, type OrchestratorConfig } from '../config/orchestrator.config';

/**
 * Tells the other orchestrator replicas that a Round's history grew (`<prefix>:round-events`, Redis pub/sub),
 * so that their followers read the new entries at once. Only the Round id travels: the entries themselves
 * are read from `round_events`, so every replica streams them in the stored order, each once. Pub/sub drops
 * what is sent while a replica is disconnected; followers also look again now and then for that.
 */
@Injectable()
export class RoundGrowthChannel implements OnApplicationShutdown {
  private readonly logger = new Logger(RoundGrowthChannel.name);
  private readonly publisher: Redis;
  // A subscribed connection can run no other command.
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly received = new Subject<string>();

  constructor(@Inject(ORCHESTRATOR_CONFIG) config: OrchestratorConfig) {
    const options = redisConnectionOptions(config.redis);
    this.channel = `${config.queuePrefix}:round-events`;
    // No offline queue: a notice sent while Redis is down is dropped, not delivered late in a burst.
    this.publisher = new Redis({ ...options, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    this.subscriber = new Redis(options);
    for (const [redis, component] of [
      [this.publisher, 'round notices'],
      [this.subscriber, 'round notices listener'],
    ] as const) {
      logRedisErrors(redis, component, (fields, message) => this.logger.warn(fields, message));
    }
    this.subscriber.on('message', (_channel: string, message: string) => {
      const [sender, roundId] = message.split(' ');
      if (sender !== replicaId && roundId) this.received.next(roundId);
    });
    // ioredis subscribes again after a reconnect.
    void this.subscriber.subscribe(this.channel).catch(() => undefined);
  }

  /** Tells the other replicas that the Round's history grew; best effort. */
  announce(roundId: string): void {
    void this.publisher.publish(this.channel, `${replicaId} ${roundId}`).catch(() => undefined);
  }

  /** Ids of Rounds whose history another replica grew. */
  grown(): Observable<string> {
    return this.received.asObservable();
  }

  async onApplicationShutdown(): Promise<void> {
    this.received.complete();
    await Promise.all([this.publisher, this.subscriber].map((redis) => redis.quit().catch(() => redis.disconnect())));
  }
}
