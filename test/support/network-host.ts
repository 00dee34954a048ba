import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });

/** Why this machine cannot give tests network namespaces (root and `ip netns` are needed), or '' when it can. */
export const netnsSkipReason = ((): string => {
  const probe = `sc-probe-${process.pid}`;
  if (spawnSync('ip', ['netns', 'add', probe], { stdio: 'ignore' }).status !== 0)
    return ' [SKIPPED: cannot create network namespaces (needs root and ip netns)]';
  spawnSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  return '';
})();

/**
 * A host of its own on this machine: a network namespace joined to the machine by a veth pair, its only link.
 * Processes started through {@link launcher} reach the machine at {@link gateway} and nothing else (not its
 * loopback); {@link cut} drops the link like a pulled cable (packets vanish, no connection is reset).
 */
export interface NetworkHost {
  /** The machine's address on the link: where the host reaches services the machine runs. */
  gateway: string;
  /** The host's own address. */
  address: string;
  /** The command prefix that runs a program on the host. */
  launcher: string[];
  cut: () => void;
  heal: () => void;
  /** Removes the namespace (its end of the link with it). */
  remove: () => void;
}

/** Creates a host on a random /30 of 10.213.0.0/16 (parallel test files do not collide). */
export function createNetworkHost(): NetworkHost {
  const id = randomBytes(3).toString('hex');
  const namespace = `sc-host-${id}`;
  // Interface names are at most 15 characters.
  const machineSide = `scm${id}`;
  const hostSide = `sch${id}`;
  const subnet = `10.213.${randomInt(256)}.${randomInt(64) * 4}`;
  const base = subnet.split('.').map(Number);
  const gateway = `${base[0]}.${base[1]}.${base[2]}.${base[3] + 1}`;
  const address = `${base[0]}.${base[1]}.${base[2]}.${base[3] + 2}`;
  const host = addHost(namespace, machineSide, hostSide, `${address}/30`, gateway);
  ip('addr', 'add', `${gateway}/30`, 'dev', machineSide);
  ip('link', 'set', machineSide, 'up');
  return host;
}

/**
 * A namespace joined to this machine by a veth pair: its end named `hostSide`, with `addressWithPrefix`, up; the
 * machine's end, `machineSide`, left down for the caller to address or plug into a bridge.
 */
function addHost(
  namespace: string,
  machineSide: string,
  hostSide: string,
  addressWithPrefix: string,
  gateway: string,
): NetworkHost {
  ip('netns', 'add', namespace);
  ip('link', 'add', machineSide, 'type', 'veth', 'peer', 'name', hostSide);
  ip('link', 'set', hostSide, 'netns', namespace);
  ip('-n', namespace, 'addr', 'add', addressWithPrefix, 'dev', hostSide);
  ip('-n', namespace, 'link', 'set', hostSide, 'up');
  ip('-n', namespace, 'link', 'set', 'lo', 'up');
  return {
    gateway,
    address: addressWithPrefix.split('/')[0],
    launcher: ['ip', 'netns', 'exec', namespace],
    cut: () => void ip('link', 'set', machineSide, 'down'),
    heal: () => void ip('link', 'set', machineSide, 'up'),
    remove: () => void spawnSync('ip', ['netns', 'del', namespace], { stdio: 'ignore' }),
  };
}

/** Hosts on one network: a bridge on this machine that every host's link plugs into. */
export interface BridgedNetwork {
  /** The machine's address on the bridge: where hosts reach services the machine runs. */
  gateway: string;
  hosts: NetworkHost[];
  /** Removes the hosts and the bridge. */
  remove: () => void;
}

/**
 * `count` hosts on a random /24 of 10.214.0.0/16 that reach each other and the machine through a bridge, as
 * machines on one switch. {@link NetworkHost.cut} unplugs a host from the switch: it reaches nobody, nobody
 * reaches it. Where the machine filters bridged traffic (Docker's FORWARD policy), a rule lets this bridge's through.
 */
export function createBridgedNetwork(count: number): BridgedNetwork {
  const id = randomBytes(3).toString('hex');
  const bridge = `scb${id}`;
  const subnet = `10.214.${randomInt(256)}`;
  const gateway = `${subnet}.1`;
  const forwardRule = ['FORWARD', '-i', bridge, '-o', bridge, '-j', 'ACCEPT'];
  ip('link', 'add', bridge, 'type', 'bridge');
  ip('addr', 'add', `${gateway}/24`, 'dev', bridge);
  ip('link', 'set', bridge, 'up');
  spawnSync('iptables', ['-I', ...forwardRule], { stdio: 'ignore' });
  const hosts: NetworkHost[] = [];
  for (let i = 0; i < count; i++) {
    const namespace = `sc-host-${id}-${i}`;
    const machineSide = `scm${id}${i}`;
    const hostSide = `sch${id}${i}`;
    hosts.push(addHost(namespace, machineSide, hostSide, `${subnet}.${i + 2}/24`, gateway));
    ip('link', 'set', machineSide, 'master', bridge);
    ip('link', 'set', machineSide, 'up');
  }
  return {
    gateway,
    hosts,
    remove: () => {
      for (const host of hosts) host.remove();
      spawnSync('ip', ['link', 'del', bridge], { stdio: 'ignore' });
      spawnSync('iptables', ['-D', ...forwardRule], { stdio: 'ignore' });
    },
  };
}
