import { bubblewrapArgs } from './bubblewrap';

describe('bubblewrapArgs', () => {
  const sandbox = {
    writable: ['/srv/data/worktrees/r1/1/claude', '/srv/repo/.git/objects'],
    readable: ['/srv/repo'],
    home: '/srv/data/worktrees/r1/1/.claude/home',
  };

  it("makes the root read-only, hides the worker's home and data folder, and binds back what the agent needs", () => {
    const args = bubblewrapArgs(
      sandbox,
      { dataDir: '/srv/data', home: '/home/sc' },
      '/usr/bin:/home/sc/tools/node_modules/.bin',
      '/srv/data/worktrees/r1/1/claude',
    );
    const text = args.join(' ');
    expect(args.slice(0, 5)).toEqual([
      '--die-with-parent',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--unshare-cgroup-try',
    ]);
    expect(text).not.toContain('--unshare-net');
    expect(text).toContain('--ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --tmpfs /home/sc --tmpfs /srv/data');
    // Writable binds come after the folders they sit in are hidden; the hiding tmpfs stay read-only.
    expect(text).toContain(
      '--bind /srv/data/worktrees/r1/1/.claude/home /srv/data/worktrees/r1/1/.claude/home --bind /srv/data/worktrees/r1/1/claude /srv/data/worktrees/r1/1/claude',
    );
    expect(text).toContain('--remount-ro /home/sc --remount-ro /srv/data --chdir /srv/data/worktrees/r1/1/claude');
    // /srv/repo is not hidden: it is visible read-only already and needs no bind of its own.
    expect(text).not.toContain('--ro-bind /srv/repo');
  });

  it("hides a data folder inside the worker's home after the home, so that both stay hidden", () => {
    const text = bubblewrapArgs(sandbox, { dataDir: '/home/sc/data', home: '/home/sc' }, '/usr/bin', '/').join(' ');
    expect(text).toContain('--tmpfs /tmp --tmpfs /home/sc --tmpfs /home/sc/data');
    expect(text).toContain('--remount-ro /home/sc --remount-ro /home/sc/data');
  });

  it("hides the host's socket folders — /var/tmp writable as /tmp is — and binds back the resolver file that points into one", () => {
    const gateway = '/run/user/1000/sc-gateway-x/gateway.sock';
    const text = bubblewrapArgs(
      { ...sandbox, writable: [...sandbox.writable, gateway] },
      {
        dataDir: '/srv/data',
        home: '/home/sc',
        sockets: ['/run', '/var/tmp'],
        keep: ['/run/systemd/resolve/stub-resolv.conf'],
      },
      '/usr/bin',
      '/',
    ).join(' ');
    expect(text).toContain(
      '--tmpfs /tmp --tmpfs /run --tmpfs /var/tmp --tmpfs /home/sc --ro-bind /run/systemd/resolve/stub-resolv.conf /run/systemd/resolve/stub-resolv.conf',
    );
    // The model-only bridge's socket comes back after the folder it sits in is hidden.
    expect(text.indexOf(`--bind ${gateway} ${gateway}`)).toBeGreaterThan(text.indexOf('--tmpfs /run'));
    expect(text).toContain('--remount-ro /run');
    expect(text).not.toContain('--remount-ro /var/tmp');
    expect(text).not.toContain('--remount-ro /tmp');
  });

  it.each([
    ['open', false],
    ['model-only', true],
    ['none', true],
  ] as const)('gives network %s a namespace of its own: %s', (network, unshared) => {
    const args = bubblewrapArgs({ ...sandbox, network }, { dataDir: '/srv/data' }, '/usr/bin', '/');
    expect(args.includes('--unshare-net')).toBe(unshared);
  });
});
