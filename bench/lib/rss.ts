/** Resident memory of this process from `/proc/self/status` (Linux), in MB. */

function statusField(name: "VmRSS" | "VmHWM"): number {
  const text = Deno.readTextFileSync("/proc/self/status");
  const match = text.match(new RegExp(`^${name}:\\s+(\\d+) kB`, "m"));
  if (!match) throw new Error(`No "${name}" line in /proc/self/status`);
  return Math.round(Number(match[1]) / 102.4) / 10;
}

/** The peak resident set size so far (the kernel's high-water mark). */
export const peakRssMb = () => statusField("VmHWM");
/** The resident set size now. */
export const rssMb = () => statusField("VmRSS");
