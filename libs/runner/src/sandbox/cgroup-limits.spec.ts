import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { CgroupLimits, ownCgroups, type AgentCgroup } from './cgroup-limits';

// A cgroup mount is a folder of files to the code that makes the agents' cgroups: a fake one shows where they go.
describe(CgroupLimits.name, () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'sc-cgroups-'));
  });

  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function file(path: string, content = ''): void {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }

  function limits(selfCgroup: string): CgroupLimits {
    const detected = CgroupLimits.detect({ root, selfCgroup });
    if (typeof detected === 'string') throw new Error(detected);
    return detected;
  }

  /** The folders of the agent's cgroups, relative to the mount, from the command `wrap` makes. */
  function groupsOf(cgroup: AgentCgroup): string[] {
    const [, , , , count, ...rest] = cgroup.wrap(['true']);
    return rest.slice(0, Number(count)).map((procs) => dirname(procs).slice(root.length + 1));
  }

  it('v1: puts each controller’s cgroup under the worker’s own cgroup there, or at the root where it is the root', async () => {
    file('memory/cgroup.procs');
    file('pids/cgroup.procs');
    mkdirSync(join(root, 'memory', 'container', 'abc'), { recursive: true });
    const cgroups = limits('12:pids:/\n4:memory:/container/abc\n1:name=systemd:/\n0::/\n');
    const [memory, pids] = groupsOf(await cgroups.create({ memoryMb: 64, pids: 32 }));
    expect(memory).toMatch(/^memory\/container\/abc\/solar-circuit-agent-\d+-\d+$/);
    expect(pids).toMatch(/^pids\/solar-circuit\/agent-\d+-\d+$/);
    expect(readFileSync(join(root, memory, 'memory.limit_in_bytes'), 'utf8')).toBe(String(64 * 1024 * 1024));
    expect(readFileSync(join(root, pids, 'pids.max'), 'utf8')).toBe('32');
  });

  it('v1: falls back to the root when the worker may not write its own cgroup', async () => {
    file('memory/cgroup.procs');
    // Not there (another mount namespace, a read-only hierarchy): not writable.
    const [memory] = groupsOf(await limits('4:memory:/elsewhere\n').create({ memoryMb: 64 }));
    expect(memory).toMatch(/^memory\/solar-circuit\/agent-\d+-\d+$/);
  });

  it('v2: moves the worker to a leaf of its own cgroup, hands the controllers to its children and puts the agent’s there', async () => {
    file('cgroup.controllers', 'cpu memory pids\n');
    file('system.slice/sc-worker.service/cgroup.controllers', 'memory pids\n');
    file('system.slice/sc-worker.service/cgroup.subtree_control', '\n');
    const [group] = groupsOf(await limits('0::/system.slice/sc-worker.service\n').create({ memoryMb: 64, pids: 32 }));
    const own = 'system.slice/sc-worker.service';
    expect(group).toMatch(new RegExp(`^${own}/solar-circuit-agent-\\d+-\\d+$`));
    expect(readFileSync(join(root, own, 'solar-circuit-worker', 'cgroup.procs'), 'utf8')).toBe(String(process.pid));
    expect(readFileSync(join(root, own, 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids');
    expect(readFileSync(join(root, group, 'memory.max'), 'utf8')).toBe(String(64 * 1024 * 1024));
    expect(readFileSync(join(root, group, 'pids.max'), 'utf8')).toBe('32');
  });

  it('v2: falls back to the root when its own cgroup is not given the controllers', async () => {
    file('cgroup.controllers', 'memory pids\n');
    file('user.slice/cgroup.controllers', 'cpu\n');
    file('user.slice/cgroup.subtree_control', '\n');
    const [group] = groupsOf(await limits('0::/user.slice\n').create({ pids: 32 }));
    expect(group).toMatch(/^solar-circuit\/agent-\d+-\d+$/);
    expect(readFileSync(join(root, 'solar-circuit', 'cgroup.subtree_control'), 'utf8')).toBe('+memory +pids');
  });
});

describe(ownCgroups.name, () => {
  it('reads each v1 controller’s cgroup and the v2 one from /proc/<pid>/cgroup', () => {
    expect(ownCgroups('3:cpu,cpuacct:/a\n4:memory:/b/c\n1:name=systemd:/d\n0::/e\n')).toEqual(
      new Map([
        ['cpu', '/a'],
        ['cpuacct', '/a'],
        ['memory', '/b/c'],
        ['name=systemd', '/d'],
        ['', '/e'],
      ]),
    );
  });
});
