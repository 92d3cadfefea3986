"use client";

import Link from "next/link";
import { JWT_ALGORITHMS } from "@bulwark/config/schema";
import { Field, FieldMessage, type FieldErrors } from "@/components/form-bits";
import { cidrList, type JwtAlgorithm } from "./route-access-draft";
import type { PolicyProps } from "./route-policy-props";

const ALGORITHM_LABELS: Record<JwtAlgorithm, string> = {
  HS256: "HS256: shared secret",
  RS256: "RS256: keys from a JWKS URL",
  ES256: "ES256: keys from a JWKS URL",
};

/** Who may call the route: API keys of consumers, JWT bearer tokens, and client address lists. */
export function AccessFields({ draft, patch, errors, sent }: PolicyProps) {
  const a = draft.access;
  const set = (p: Partial<typeof a>) => patch("access", p);
  return (
    <fieldset className="policy on access" data-testid="access-section">
      <legend>Access</legend>
      <p className="policy-description">
        Who may call this route. With both credentials on, either one lets a request in. The consumer&apos;s name reaches the upstream in <code>x-consumer-name</code>.
      </p>
      <div className="sub-policy">
        <label className="checkbox">
          <input type="checkbox" data-testid="access-apiKey-enabled" checked={a.apiKey} onChange={(e) => set({ apiKey: e.target.checked })} />
          <span>Require an API key of a consumer</span>
        </label>
        <FieldMessage id="auth.apiKey" message={errors["auth.apiKey"]} />
        {a.apiKey && (
          <div className="grid-3">
            <Field
              testId="access-apiKey-header"
              label="Header carrying the key"
              path="auth.apiKey.header"
              errors={errors}
              mono
              value={a.apiKeyHeader}
              placeholder="x-api-key"
              hint={
                <>
                  Any consumer&apos;s key passes: make keys on the <Link href="/consumers">Consumers</Link> page.
                </>
              }
              onChange={(apiKeyHeader) => set({ apiKeyHeader })}
            />
          </div>
        )}
      </div>
      <div className="sub-policy">
        <label className="checkbox">
          <input type="checkbox" data-testid="access-jwt-enabled" checked={a.jwt} onChange={(e) => set({ jwt: e.target.checked })} />
          <span>
            Accept a JWT bearer token (<code>Authorization: Bearer …</code>)
          </span>
        </label>
        <FieldMessage id="auth.jwt" message={errors["auth.jwt"]} />
        {a.jwt && <JwtFields {...{ draft, patch, errors }} />}
      </div>
      <FieldMessage id="auth" message={errors.auth} />
      <div className="grid-2 ip-lists">
        <CidrListField
          path="ipAllow"
          label="Allow only these client addresses"
          hint="Empty: every address. Comma or newline separated: 10.0.0.0/8, 2001:db8::/32 or single addresses."
          placeholder="10.0.0.0/8, 192.0.2.7"
          value={a.ipAllow}
          sent={sent?.access.ipAllow}
          errors={errors}
          onChange={(ipAllow) => set({ ipAllow })}
        />
        <CidrListField
          path="ipDeny"
          label="Refuse these client addresses"
          hint="Checked first: a match gets 403 even when it is also allowed."
          placeholder="203.0.113.0/24"
          value={a.ipDeny}
          sent={sent?.access.ipDeny}
          errors={errors}
          onChange={(ipDeny) => set({ ipDeny })}
        />
      </div>
    </fieldset>
  );
}

function JwtFields({ draft, patch, errors }: Pick<PolicyProps, "draft" | "patch" | "errors">) {
  const a = draft.access;
  const set = (p: Partial<typeof a>) => patch("access", p);
  return (
    <>
      <div className="grid-3">
        <div className="field">
          <label htmlFor="access-jwt-algorithm">Algorithm</label>
          <select
            id="access-jwt-algorithm"
            data-testid="access-jwt-algorithm"
            value={a.algorithm}
            aria-invalid={!!errors["auth.jwt.algorithm"]}
            onChange={(e) => set({ algorithm: e.target.value as JwtAlgorithm })}
          >
            {JWT_ALGORITHMS.map((alg) => (
              <option key={alg} value={alg}>
                {ALGORITHM_LABELS[alg]}
              </option>
            ))}
          </select>
          <FieldMessage id="auth.jwt.algorithm" message={errors["auth.jwt.algorithm"]} />
        </div>
        <div className="span-2">
          {a.algorithm === "HS256" ? (
            a.storedSecret && !a.replacingSecret && !errors["auth.jwt.secret"] ? (
              <StoredSecret fingerprint={a.storedSecret.fingerprint} onReplace={() => set({ replacingSecret: true, secret: "" })} />
            ) : (
              <Field
                testId="access-jwt-secret"
                label={
                  <>
                    Shared secret
                    {a.storedSecret && (
                      <button type="button" className="link-button secret-keep" data-testid="access-jwt-secret-keep" onClick={() => set({ replacingSecret: false, secret: "" })}>
                        keep the stored one
                      </button>
                    )}
                  </>
                }
                path="auth.jwt.secret"
                errors={errors}
                type="password"
                mono
                value={a.secret}
                placeholder={a.storedSecret ? "a new secret (empty keeps the stored one)" : undefined}
                hint="At least 32 characters: the token issuer signs with this same secret."
                onChange={(secret) => set({ secret })}
              />
            )
          ) : (
            <Field
              testId="access-jwt-jwksUrl"
              label="JWKS URL"
              path="auth.jwt.jwksUrl"
              errors={errors}
              type="url"
              mono
              value={a.jwksUrl}
              placeholder="https://auth.example.edu/.well-known/jwks.json"
              hint="The issuer's public keys, fetched and refreshed when a token names a new key id."
              onChange={(jwksUrl) => set({ jwksUrl })}
            />
          )}
        </div>
      </div>
      <div className="grid-4">
        <Field
          testId="access-jwt-issuer"
          label="Issuer (iss)"
          path="auth.jwt.issuer"
          errors={errors}
          mono
          value={a.issuer}
          placeholder="any"
          hint="Empty: not checked."
          onChange={(issuer) => set({ issuer })}
        />
        <Field
          testId="access-jwt-audience"
          label="Audience (aud)"
          path="auth.jwt.audience"
          errors={errors}
          mono
          value={a.audience}
          placeholder="any"
          hint="Empty: not checked."
          onChange={(audience) => set({ audience })}
        />
        <Field
          testId="access-jwt-clockSkewSec"
          label="Clock skew allowed (s)"
          path="auth.jwt.clockSkewSec"
          errors={errors}
          numeric
          value={a.clockSkewSec}
          placeholder="default 30"
          hint="Leeway for exp and nbf."
          onChange={(clockSkewSec) => set({ clockSkewSec })}
        />
        <Field
          testId="access-jwt-consumerClaim"
          label="Consumer claim"
          path="auth.jwt.consumerClaim"
          errors={errors}
          mono
          value={a.consumerClaim}
          placeholder="sub"
          hint="The claim that names the consumer."
          onChange={(consumerClaim) => set({ consumerClaim })}
        />
      </div>
    </>
  );
}

/**
 * A stored secret is never sent to the browser: the form says it is set (with a fingerprint to tell secrets
 * apart) and offers to replace it; saving without replacing sends the marker back, which keeps it.
 */
function StoredSecret({ fingerprint, onReplace }: { fingerprint: string; onReplace: () => void }) {
  return (
    <div className="field">
      <label htmlFor="access-jwt-secret-replace">Shared secret</label>
      <p className="stored-secret" data-testid="access-jwt-secret-stored">
        <span className="badge secret-set">set</span>
        <code title="the first 12 hex digits of the secret's SHA-256">{fingerprint}</code>
        <button type="button" id="access-jwt-secret-replace" className="btn small" data-testid="access-jwt-secret-replace" onClick={onReplace}>
          Replace
        </button>
      </p>
      <p className="field-hint">Stored, and never shown again. Saving without replacing it keeps it.</p>
    </div>
  );
}

/**
 * A list of CIDRs in one box. The server names a bad entry by its index (`ipAllow.1`); each such error is shown
 * here with the entry itself, taken from what was sent, so it stays right while the operator edits the box.
 */
function CidrListField(props: { path: "ipAllow" | "ipDeny"; label: string; hint: string; placeholder: string; value: string; sent?: string; errors: FieldErrors; onChange: (v: string) => void }) {
  const { path, errors } = props;
  const entries = cidrList(props.sent ?? props.value);
  const entryErrors = Object.entries(errors)
    .filter(([p]) => p.startsWith(`${path}.`))
    .sort(([a], [b]) => Number(a.slice(path.length + 1)) - Number(b.slice(path.length + 1)));
  const invalid = !!errors[path] || entryErrors.length > 0;
  const id = `access-${path}`;
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        data-testid={id}
        className="mono"
        rows={2}
        value={props.value}
        placeholder={props.placeholder}
        aria-invalid={invalid}
        spellCheck={false}
        onChange={(e) => props.onChange(e.target.value)}
      />
      {!invalid && <p className="field-hint">{props.hint}</p>}
      <FieldMessage id={path} message={errors[path]} />
      {entryErrors.map(([p, message]) => {
        const entry = entries[Number(p.slice(path.length + 1))];
        return <FieldMessage key={p} id={p} message={entry === undefined ? message : `${entry}: ${message}`} />;
      })}
    </div>
  );
}
