// Upload one file with the official tus-js-client (Node), as a browser or app would:
//   node tus_client.mjs CONFIG_JSON
// CONFIG_JSON: {"endpoint", "file", "token", "metadata": {...}, "chunkSize", "uploadUrl"?}
// Prints one JSON line: {"ok": true, "url": ...} or {"ok": false, "error": ...}.
import fs from 'node:fs'
import * as tus from 'tus-js-client'

const config = JSON.parse(process.argv[2])
const data = fs.readFileSync(config.file)
// "defaults": only what a caller must give (endpoint, token, metadata); every other option
// as tus-js-client ships it (one PATCH for the whole file, its own retries).
const tuned = config.defaults ? {} : {
  uploadUrl: config.uploadUrl ?? null,
  chunkSize: config.chunkSize ?? Infinity,
  retryDelays: null, // no retries: the first answer must be right
  storeFingerprintForResuming: false,
}
const upload = new tus.Upload(data, {
  endpoint: config.endpoint,
  headers: { Authorization: `Bearer ${config.token}` },
  metadata: config.metadata ?? {},
  ...tuned,
  onSuccess () {
    process.stdout.write(JSON.stringify({ ok: true, url: upload.url }) + '\n')
  },
  onError (error) {
    process.stdout.write(JSON.stringify({ ok: false, error: String(error) }) + '\n')
    process.exitCode = 1
  },
})
upload.start()
