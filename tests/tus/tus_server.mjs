// The official tus server (@tus/server with @tus/file-store) on a loopback port, shaped like
// the central server for the kiosk sync client: tus at /v1/uploads, HEAD /v1/blobs/* -> 404.
//   node tus_server.mjs DIRECTORY LOGFILE
// Prints {"port": N} once listening; each request is logged (method, url, headers) as JSON.
import fs from 'node:fs'
import http from 'node:http'
import { Server } from '@tus/server'
import { FileStore } from '@tus/file-store'

const [directory, logFile] = process.argv.slice(2)
const tusServer = new Server({ path: '/v1/uploads', datastore: new FileStore({ directory }) })

const server = http.createServer((req, res) => {
  fs.appendFileSync(logFile, JSON.stringify({ method: req.method, url: req.url,
    headers: req.headers }) + '\n')
  if (req.url.startsWith('/v1/uploads')) {
    tusServer.handle(req, res)
    return
  }
  res.writeHead(404, { 'Content-Type': 'text/plain' })
  res.end('not found\n')
})
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n')
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
