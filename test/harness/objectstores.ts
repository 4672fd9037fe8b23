// Object-storage emulators for tests: MinIO (S3), fake-gcs-server (GCS) and Azurite (Azure Blob), each on
// 127.0.0.1 with free ports, a fresh data directory and generated credentials. A test file starts the ones it
// needs (`const s3 = await startMinio(t)`), and each returns what both Cairn's storage backends and restic
// need to reach it. No dev cluster is involved, so these work with and without the suite's global setup.
//
// This is the entry point: each emulator lives in its own module (minio.ts, fake-gcs.ts, azurite.ts) on the
// shared launcher in emulator-launcher.ts (process ownership, readiness, retry on a lost port).
export type { CleanupOwner, Emulator, EmulatorOptions } from './emulator-launcher.ts';
export { startMinio, type MinioServer } from './minio.ts';
export { startFakeGcs, type FakeGcsServer } from './fake-gcs.ts';
export { startAzurite, type AzuriteServer } from './azurite.ts';
