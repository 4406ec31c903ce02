// CPU and memory of a process, read from /proc (Linux), the way pidusage does.
import { readFileSync } from 'node:fs';

const TICKS_PER_SEC = 100; // USER_HZ; sysconf(_SC_CLK_TCK) is 100 on every Linux Node supports

/**
 * CPU seconds (user + system) a process has used so far.
 * @param {number} pid
 */
export function cpuSeconds(pid) {
  const { user, system } = cpuTimes(pid);
  return user + system;
}

/**
 * User and system (kernel) CPU seconds of a process so far.
 * @param {number} pid
 */
export function cpuTimes(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / TICKS_PER_SEC, system: Number(fields[12]) / TICKS_PER_SEC };
}

/**
 * Resident set size in bytes (VmRSS) and its high-water mark (VmHWM).
 * @param {number} pid
 */
export function memory(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (/** @type {string} */ name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

/**
 * Measures CPU use of some processes between start() and stop().
 * @param {Record<string, number>} pids name → pid
 */
export function cpuMeter(pids) {
  /** @type {Record<string, { user: number, system: number }>} */
  let start = {};
  let startedAt = 0;
  return {
    start() {
      startedAt = performance.now();
      start = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, safeCpu(pid)]));
    },
    /**
     * `seconds` user + system; `systemShare`: the part spent in the kernel (syscalls, TCP).
     * @returns {{ seconds: number, cpu: Record<string, { seconds: number, percent: number, systemShare: number }> }}
     */
    stop() {
      const seconds = (performance.now() - startedAt) / 1000;
      /** @type {Record<string, { seconds: number, percent: number, systemShare: number }>} */
      const cpu = {};
      for (const [name, pid] of Object.entries(pids)) {
        const now = safeCpu(pid);
        const user = now.user - (start[name]?.user ?? 0);
        const system = now.system - (start[name]?.system ?? 0);
        cpu[name] = { seconds: user + system, percent: (100 * (user + system)) / seconds, systemShare: system / (user + system || 1) };
      }
      return { seconds, cpu };
    },
  };
}

/** @param {number} pid */
function safeCpu(pid) {
  try {
    return cpuTimes(pid);
  } catch {
    return { user: NaN, system: NaN };
  }
}
