// What the webhook tests share: the KubeStash API groups, an S3 storage spec and a BackupConfiguration
// session they build objects from.
export const storage = { group: 'storage.kubestash.com', version: 'v1alpha1' };
export const core = { group: 'core.kubestash.com', version: 'v1alpha1' };

export const s3 = (bucket: string, prefix: string) => ({
  provider: 's3',
  s3: { bucket, prefix, region: 'us-east-1', endpoint: 'https://s3.amazonaws.com' },
});

export const session = {
  name: 'frequent',
  scheduler: { schedule: '*/5 * * * *', jobTemplate: {} },
  addon: { name: 'kubedump-addon', tasks: [{ name: 'manifest-backup' }] },
  repositories: [{ name: 'cluster-repo', directory: 'cluster' }],
};
