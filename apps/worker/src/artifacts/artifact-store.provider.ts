import type { Provider } from '@nestjs/common';
import { createLocalArtifactStore } from '@sc/runner';
import { WorkerConfig } from '../config/worker.config';

/** Injection token of the {@link ArtifactStore} the Rounds write to. */
export const ARTIFACT_STORE = Symbol('ArtifactStore');

/** Artifacts under `$SC_DATA_DIR/artifacts` (TODO(#6): an S3/MinIO store when `S3_ENDPOINT` is set). */
export const artifactStoreProvider: Provider = {
  provide: ARTIFACT_STORE,
  inject: [WorkerConfig],
  useFactory: (config: WorkerConfig) => createLocalArtifactStore({ dataDir: config.dataDir }),
};
