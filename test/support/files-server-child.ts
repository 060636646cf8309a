// A program, not a module: the files server of files-server.ts in a process
// of its own, so that a test can read the peak memory of the process that
// serves downloads and of nothing else. It connects to the MongoDB-wire
// server named by INETSWARM_TEST_MONGO_URI (the environment, not the command
// line, since the URI holds a password), prints `{"url": ...}` on one line of
// stdout once it listens, and exits when its stdin closes.
import { MongoClient } from 'mongodb';
import { startFilesServer } from './files-server.ts';

const client = new MongoClient(process.env.INETSWARM_TEST_MONGO_URI ?? '');
await client.connect();
const server = await startFilesServer(client);
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
process.stdin.resume();
process.stdin.on('end', () => {
  void server.close().then(() => client.close()).then(() => process.exit(0));
});
