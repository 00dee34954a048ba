import type { Provider } from '@nestjs/common';
import { createLocalArtifactStore, createS3ArtifactStore, type ArtifactStore } from '@sc/runner';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { WorkerConfig } from '../config/worker.config';
import { WORKER_LOGGER } from '../logging/logger.module';

/** Injection token of the {@link ArtifactStore} the Rounds write to. */
export const ARTIFACT_STORE = Symbol('ArtifactStore');

/**
 * The S3/MinIO bucket when `S3_ENDPOINT` is set (credentials from the AWS SDK's standard chain), else
 * `$SC_DATA_DIR/artifacts`. Logged once, so that a worker writing to the wrong place shows at start.
 */
export const artifactStoreProvider: Provider = {
  provide: ARTIFACT_STORE,
  inject: [WorkerConfig, WORKER_LOGGER],
  useFactory: (config: WorkerConfig, logger: Logger): ArtifactStore => {
    if (config.s3) {
      logger.info(
        { store: 's3', endpoint: config.s3.endpoint, bucket: config.s3.bucket, region: config.s3.region },
        'artifact store',
      );
      return createS3ArtifactStore(config.s3);
    }
    logger.info({ store: 'local', dir: join(config.dataDir, 'artifacts') }, 'artifact store');
    return createLocalArtifactStore({ dataDir: config.dataDir });
  },
};
