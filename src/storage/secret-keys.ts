// The keys of the Secrets a BackupStorage and a Repository name, as KubeStash spells them. Both the storage
// backends (this folder) and the restic target builder (src/restic/target.ts) read Secrets by these names,
// and everything that prints text redacts the values of CREDENTIAL_KEYS.

/** Secret keys, as KubeStash names them in the storage and encryption Secrets. */
export const SecretKey = {
  resticPassword: 'RESTIC_PASSWORD',
  awsAccessKeyId: 'AWS_ACCESS_KEY_ID',
  awsSecretAccessKey: 'AWS_SECRET_ACCESS_KEY',
  caCertData: 'CA_CERT_DATA',
  googleProjectId: 'GOOGLE_PROJECT_ID',
  googleServiceAccountJsonKey: 'GOOGLE_SERVICE_ACCOUNT_JSON_KEY',
  azureAccountName: 'AZURE_ACCOUNT_NAME',
  azureAccountKey: 'AZURE_ACCOUNT_KEY',
  // Cairn extensions: restic reads these variables, and a Secret may carry them for short-lived
  // credentials, SAS tokens, sovereign clouds or emulators. KubeStash ignores them.
  awsSessionToken: 'AWS_SESSION_TOKEN',
  googleAccessToken: 'GOOGLE_ACCESS_TOKEN',
  azureAccountSas: 'AZURE_ACCOUNT_SAS',
  azureEndpointSuffix: 'AZURE_ENDPOINT_SUFFIX',
  /**
   * A GCS emulator's endpoint (fake-gcs-server, `http://host:port`), the variable Google's SDKs and restic
   * read: the storage and every restic process of the storage talk to it instead of Google. Not a credential.
   */
  storageEmulatorHost: 'STORAGE_EMULATOR_HOST',
} as const;

/** Keys whose values are credentials: they are redacted wherever text leaves the process. */
export const CREDENTIAL_KEYS: readonly string[] = [
  SecretKey.resticPassword,
  SecretKey.awsAccessKeyId,
  SecretKey.awsSecretAccessKey,
  SecretKey.awsSessionToken,
  SecretKey.googleServiceAccountJsonKey,
  SecretKey.googleAccessToken,
  SecretKey.azureAccountKey,
  SecretKey.azureAccountSas,
];

/** The credential values a Secret's decoded data holds, each once; absent and empty keys are skipped. */
export function credentialValues(data: Readonly<Record<string, string>> | undefined): string[] {
  const found = new Set<string>();
  for (const key of CREDENTIAL_KEYS) {
    const value = data?.[key];
    if (value !== undefined && value !== '') found.add(value);
  }
  return [...found];
}
