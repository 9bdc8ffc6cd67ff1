/**
 * CPU time spent by the processes of a bench run: this process (any OS),
 * another process by pid and the local PostgreSQL cluster (Linux `/proc`;
 * undefined elsewhere). On a machine with few cores the client, the
 * simulator and PostgreSQL share them, so a throughput ratio means little
 * without the CPU each side used.
 */
import process from "node:process";

/** Linux reports times in clock ticks of 1/100 s (USER_HZ) on every architecture Deno runs on. */
const TICK_S = 0.01;

/** CPU seconds (user + system) used by this process so far. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces), or undefined. */
function statFields(pid: string | number): string[] | undefined {
  try {
    const text = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return text.slice(text.lastIndexOf(")") + 2).split(" ");
  } catch {
    return undefined;
  }
}

/** CPU seconds used so far by process `pid` (Linux), or undefined. */
export function processCpuSeconds(pid: number): number | undefined {
  const f = statFields(pid);
  // After the name: state(0) ppid(1) … utime(11) stime(12) cutime(13) cstime(14).
  return f ? (Number(f[11]) + Number(f[12])) * TICK_S : undefined;
}

/**
 * CPU seconds used so far by the local PostgreSQL server (Linux): its live
 * processes, plus the backends that already exited (the postmaster's
 * waited-for children). Undefined without /proc or without a local server.
 */
export function postgresCpuSeconds(): number | undefined {
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync("/proc")];
  } catch {
    return undefined;
  }
  const procs = new Map<string, string[]>();
  for (const e of entries) {
    if (!/^\d+$/.test(e.name)) continue;
    let comm: string;
    try {
      comm = Deno.readTextFileSync(`/proc/${e.name}/comm`).trim();
    } catch {
      continue;
    }
    if (comm !== "postgres") continue;
    const f = statFields(e.name);
    if (f) procs.set(e.name, f);
  }
  if (procs.size === 0) return undefined;
  let ticks = 0;
  for (const f of procs.values()) {
    ticks += Number(f[11]) + Number(f[12]);
    if (!procs.has(f[1])) ticks += Number(f[13]) + Number(f[14]); // the postmaster: exited backends
  }
  return ticks * TICK_S;
}
