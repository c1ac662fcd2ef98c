/**
 * The probe's contract, as the default probe command (a curl loop, see README "Egress probe Jobs") prints it:
 * the pod's env `EGRESS_PROBE_TARGETS` lists `kind:host:port` words (kind http | https | tcp | udp | echo), and
 * each target prints one line
 *   `egress-probe target=<host>:<port> kind=<kind> exit=<curl exit code> code=<HTTP status|000> seconds=<time> body=<first 120 bytes, spaces as _>`
 * The emulator prints exactly what curl would have: exit 0 + the status for an answer, exit 35 for a TLS
 * handshake reset, exit 28 for a drop (curl's `-m` timeout), exit 7 for no route.
 */
export type ProbeKind = 'http' | 'https' | 'tcp' | 'udp' | 'echo';
export interface ProbeTarget { kind: ProbeKind; host: string; port: number }

const KINDS: readonly ProbeKind[] = ['http', 'https', 'tcp', 'udp', 'echo'];

/** Parses `EGRESS_PROBE_TARGETS`; words that do not parse are skipped (the real loop would skip them too). */
export function parseProbeTargets(text: string): ProbeTarget[] {
  return text.split(/\s+/).flatMap((word): ProbeTarget[] => {
    const m = /^([a-z]+):(.+):(\d{1,5})$/.exec(word);
    if (!m || !KINDS.includes(m[1] as ProbeKind)) return [];
    return [{ kind: m[1] as ProbeKind, host: m[2]!, port: Number(m[3]) }];
  });
}

export interface ProbeLine { target: ProbeTarget; exit: number; code: number; seconds: number; body: string }

export function formatProbeLine(line: ProbeLine): string {
  const code = String(line.code).padStart(3, '0');
  const body = line.body.slice(0, 120).replace(/\s+/g, '_');
  return `egress-probe target=${line.target.host}:${line.target.port} kind=${line.target.kind} exit=${line.exit} code=${code} seconds=${line.seconds.toFixed(3)} body=${body}`;
}

/** Curl's exit codes the emulator reproduces. */
export const CURL_EXIT = { ok: 0, couldNotConnect: 7, timeout: 28, tlsConnectError: 35 } as const;
/** The probe's curl timeout (`-m 5`): what a dropped connection costs. */
export const PROBE_TIMEOUT_SECONDS = 5;
