"use client";

import { useState, type FormEvent } from "react";
import { safeNext } from "@/lib/safe-next";

export function SignInForm({ next }: { next: string }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const res = await fetch("/api/v1/auth/sign-in", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email, password }),
      });
      if (res.ok) {
        // A full load, so the layout is drawn again for the signed-in user.
        window.location.assign(safeNext(next));
        return;
      }
      const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
      const retry = res.headers.get("retry-after");
      setError(
        body?.error?.code === "INVALID_CREDENTIALS"
          ? "The email or password is wrong."
          : res.status === 429
            ? `Too many failed sign-ins. Try again in ${retry ?? "a few"} seconds.`
            : (body?.error?.message ?? `Sign-in failed (${res.status}).`),
      );
      setPassword("");
    } catch {
      setError("The console did not answer. Is it running?");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="sign-in-page">
      <form className="card sign-in-card" onSubmit={submit} data-testid="sign-in-form">
        <div className="sign-in-brand">
          <span className="brand-mark" aria-hidden>
            B
          </span>
          <span>Bulwark</span>
        </div>
        <h1>Sign in to the console</h1>
        {error && (
          <div className="banner error" role="alert" data-testid="sign-in-error">
            {error}
          </div>
        )}
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" data-testid="sign-in-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" data-testid="sign-in-password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </div>
        <button type="submit" className="btn primary" data-testid="sign-in-submit" disabled={busy}>
          {busy ? "Signing in…" : "Sign in"}
        </button>
        <p className="muted" style={{ margin: 0, fontSize: 12.5 }}>
          The first admin&apos;s password is printed once by <code>npm start</code> on the first start. Ask an admin for an account.
        </p>
      </form>
    </main>
  );
}
