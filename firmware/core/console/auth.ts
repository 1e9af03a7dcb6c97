// Who sent a request. No `auth` field: the patient. Otherwise `auth` names a role
// (clinician or bench), a key id of that role, the nonce the device issued with
// `hello`, and an Ed25519 signature over requestMessage() (core/console/signing.ts).
// A nonce serves one signed request and lapses after NONCE_TTL_MS, so a captured
// request cannot be replayed; several sessions may each hold one (Challenge). The bench role also needs the physical bench-mode
// input on. Checks run in a fixed order: role allowed for the command, bench
// input, key, nonce, signature; each failure has its own code.

import type { Input } from "../../../hal/types.ts";
import { fromHex, toHex } from "./bytes.ts";
import type { KeyRing, Role } from "./keys.ts";
import { findKey } from "./keys.ts";
import type { Verifier } from "./signing.ts";
import { requestMessage } from "./signing.ts";
import { isPlainObject } from "../validate.ts";

export const NONCE_TTL_MS = 60000;
export const NONCE_BYTES = 16;
const AUTH_FIELDS = ["role", "key", "nonce", "sig"];

export interface Who {
  /** "" when authorized, else the refusal code. */
  code: string;
  message: string;
  role: Role;
  /** The key id that signed ("" for the patient). */
  key: string;
}

/**
 * The nonces `hello` issued, one per session: up to NONCE_SESSIONS outstanding at
 * once, each single use and lapsing after NONCE_TTL_MS, so a `hello` from anyone
 * else on the line never cancels the nonce a clinician is signing with (only a
 * flood of them could push it out, the oldest first, and the flood limit allows
 * NONCE_SESSIONS hellos in no less than a second and a half).
 */
export const NONCE_SESSIONS = 8;

export class Challenge {
  nonces: string[];
  issuedAtMs: number[];

  constructor() {
    this.nonces = [];
    this.issuedAtMs = [];
  }

  /** Issues a nonce made of `random` (NONCE_BYTES fresh random bytes). */
  issue(nowMs: number, random: Uint8Array): string {
    const n = toHex(random);
    if (this.nonces.length >= NONCE_SESSIONS) {
      this.nonces.shift();
      this.issuedAtMs.shift();
    }
    this.nonces.push(n);
    this.issuedAtMs.push(nowMs);
    return n;
  }

  valid(nonce: unknown, nowMs: number): boolean {
    const i = typeof nonce === "string" && nonce !== "" ? this.nonces.indexOf(nonce) : -1;
    return i >= 0 && nowMs - this.issuedAtMs[i] <= NONCE_TTL_MS;
  }

  spend(nonce: string): void {
    const i = this.nonces.indexOf(nonce);
    if (i < 0) return;
    this.nonces.splice(i, 1);
    this.issuedAtMs.splice(i, 1);
  }
}

export interface AuthContext {
  serial: string;
  ring: KeyRing;
  verifier: Verifier;
  benchInput: Input | null;
  challenge: Challenge;
  nowMs: number;
}

function who(code: string, message: string, role: Role, key: string): Who {
  return { code, message, role, key };
}

/** The role claimed by a request (patient when it carries no auth), before any check. */
export function claimedRole(req: any): Role {
  const a = req.auth;
  return isPlainObject(a) && (a.role === "clinician" || a.role === "bench") ? a.role : "patient";
}

/** Authenticates a request for a command open to `roles`; spends the nonce when the signature checks out. */
export function authenticate(req: any, roles: Role[], ctx: AuthContext): Who {
  const a = req.auth;
  if (a === undefined) {
    return roles.indexOf("patient") >= 0 ? who("", "", "patient", "") : who("role-forbidden", req.cmd + " needs a signed request (role " + roles.join(" or ") + ")", "patient", "");
  }
  if (!isPlainObject(a)) return who("auth-malformed", "auth must be an object {role, key, nonce, sig}", "patient", "");
  const keys = Object.keys(a);
  for (let i = 0; i < keys.length; i++) if (AUTH_FIELDS.indexOf(keys[i]) < 0) return who("auth-malformed", "unknown auth field " + JSON.stringify(keys[i]), "patient", "");
  const role = claimedRole(req);
  if (role === "patient" || typeof a.key !== "string" || typeof a.nonce !== "string") return who("auth-malformed", "auth needs role (clinician or bench), key and nonce strings, and sig", "patient", "");
  const sig = fromHex(a.sig, 64);
  if (!sig) return who("auth-malformed", "auth.sig must be 128 lowercase hex digits (an Ed25519 signature)", role, a.key);
  if (roles.indexOf(role) < 0) return who("role-forbidden", req.cmd + " is not open to the " + role + " role (" + roles.join(", ") + ")", role, a.key);
  if (role === "bench" && !(ctx.benchInput && ctx.benchInput.read())) return who("bench-input-off", "the bench-mode input is off: bench requests are refused on this device", role, a.key);
  const key = findKey(ctx.ring, role, a.key);
  if (!key) return who("auth-unknown-key", "no " + role + " key " + JSON.stringify(a.key) + " is provisioned on this device", role, a.key);
  if (!ctx.challenge.valid(a.nonce, ctx.nowMs)) return who("auth-stale-nonce", "nonce unknown, used or older than " + NONCE_TTL_MS / 1000 + " s: send hello for a fresh one", role, a.key);
  const msg = requestMessage(ctx.serial, req);
  if (!msg) return who("auth-malformed", "signed requests carry whole numbers only", role, a.key);
  if (!ctx.verifier.verify(key.publicKey, msg, sig)) return who("auth-bad-signature", "the signature does not match the request and key " + JSON.stringify(a.key), role, a.key);
  ctx.challenge.spend(a.nonce);
  return who("", "", role, a.key);
}
