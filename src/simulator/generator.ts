/**
 * TPD-like downstream commands for the simulator: transport items whose
 * `data` is the TOTVS envelope of the SGDP commands (PROTOCOL.md 4.2).
 */

export const SGDP_COMMAND_TYPES = ["SGDPDataCommand", "SGDPMaskCommand", "SGDPLogsCommand"] as const;

export type SgdpCommandType = typeof SGDP_COMMAND_TYPES[number];

export interface GeneratedItem {
  id: string;
  type: SgdpCommandType;
  data: {
    header: { type: SgdpCommandType; tenantId: string; generatedOn: string; locale: string };
    content: Record<string, unknown>;
  };
}

function checkDigit(digits: number[]): number {
  const weightStart = digits.length + 1;
  const sum = digits.reduce((acc, d, i) => acc + d * (weightStart - i), 0);
  const rest = sum % 11;
  return rest < 2 ? 0 : 11 - rest;
}

/** A formatted CPF with valid check digits, derived from `n` (deterministic). */
export function cpfFor(n: number): string {
  // Spread consecutive n over the 9-digit space; 100000000 keeps it from being all zeros.
  const base = String((100_000_000 + Math.abs(Math.trunc(n)) * 7_919) % 1_000_000_000).padStart(9, "0");
  const digits = [...base].map(Number);
  if (digits.every((d) => d === digits[0])) digits[8] = (digits[8] + 1) % 10;
  const d1 = checkDigit(digits);
  const d2 = checkDigit([...digits, d1]);
  const all = [...digits, d1, d2].join("");
  return `${all.slice(0, 3)}.${all.slice(3, 6)}.${all.slice(6, 9)}-${all.slice(9)}`;
}

/** One SGDP command as the Smart Link Server would deliver it: `{id, type, data: <TOTVS envelope>}`. */
export function generateCommand(type: SgdpCommandType, n: number, tenantId: string, now: Date): GeneratedItem {
  const identifiers: Record<string, string> = { CPF: cpfFor(n) };
  if (n % 3 === 0) identifiers.EMAIL = `titular${n}@example.com`;
  const content: Record<string, unknown> = { requestID: crypto.randomUUID(), identifiers };
  if (type === "SGDPMaskCommand") content.toVerify = false;
  if (type === "SGDPLogsCommand") {
    content.period = { from: new Date(now.getTime() - 30 * 86_400_000).toISOString(), to: now.toISOString() };
  }
  return {
    id: crypto.randomUUID(),
    type,
    data: { header: { type, tenantId, generatedOn: now.toISOString(), locale: "pt_BR" }, content },
  };
}
