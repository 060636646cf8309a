// Node programs that show what a container's init process does, for the tests
// of the images (images-runner) and of real pods (node-real-failures): run as
// `node -e` inside the container, they print what they see on stdout.

/** Leaves an orphan (a grandchild whose parent exits at once), then prints `zombies=N` 2 s later. A block of its own, to join other probes. */
export const ORPHAN_PROBE = `{
const fs = require('node:fs');
require('node:child_process').spawn('sh', ['-c', 'sleep 0.2 & exit 0'], { stdio: 'ignore' });
setTimeout(() => {
  const zombies = fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))
    .filter((p) => { try { return fs.readFileSync('/proc/' + p + '/stat', 'utf8').split(') ')[1].startsWith('Z'); } catch { return false; } });
  console.log('zombies=' + zombies.length);
}, 2000);
}
`;
