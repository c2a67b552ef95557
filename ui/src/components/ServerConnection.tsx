//! Settings > "Server connection": the sign-in form (server URL, email,
//! password) in local-only mode, or the connection's state and "Sign out"
//! when signed in. Field problems show after a first submit; server errors
//! are worded per code.

import { useId, useState, type FormEvent } from 'react';
import { signIn, toIpcError, type Session, type SyncStatus } from '../ipc';
import { formatExact } from '../lib/format';
import { STATE_LABEL, plural, signInErrorMessage, signInProblems, type SignInFields } from '../lib/sync';

type Props = {
  /** `undefined` while loading; `null` = local-only mode. */
  status: SyncStatus | null | undefined;
  onSignedIn: (s: Session) => void;
  onSignOut: () => Promise<void>;
};

export function ServerConnection({ status, onSignedIn, onSignOut }: Props) {
  return (
    <div className="settings-scroll">
      <div className="settings-page server-page">
        <div className="settings-intro">
          <h2>Server connection</h2>
          <p className="muted">
            Connect to your team&apos;s Outpost server to share tickets and sync changes between devices.
          </p>
        </div>
        {status === undefined ? (
          <p className="muted">Loading…</p>
        ) : status === null ? (
          <SignInForm onSignedIn={onSignedIn} />
        ) : (
          <Connected status={status} onSignOut={onSignOut} />
        )}
      </div>
    </div>
  );
}

export function SignInForm({ onSignedIn }: { onSignedIn: (s: Session) => void }) {
  const id = useId();
  const [fields, setFields] = useState<SignInFields>({ serverUrl: '', email: '', password: '' });
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const problems = signInProblems(fields);
  const shown = submitted ? problems : {};

  const set = (k: keyof SignInFields, v: string) => {
    setFields((f) => ({ ...f, [k]: v }));
    setError(null);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    if (Object.keys(problems).length > 0 || busy) return;
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(fields.serverUrl.trim(), fields.email.trim(), fields.password);
      onSignedIn(session);
    } catch (err) {
      const ipc = toIpcError(err);
      setError(signInErrorMessage(ipc.code, ipc.message, fields.serverUrl));
    } finally {
      setBusy(false);
    }
  };

  const field = (k: keyof SignInFields, label: string, type: string, extra: Record<string, string>) => (
    <div className="field">
      <label htmlFor={`${id}-${k}`}>{label}</label>
      <input
        id={`${id}-${k}`}
        className="input"
        type={type}
        value={fields[k]}
        aria-invalid={shown[k] ? true : undefined}
        aria-describedby={shown[k] ? `${id}-${k}-error` : undefined}
        onChange={(e) => set(k, e.target.value)}
        {...extra}
      />
      {shown[k] && (
        <span className="field-error" id={`${id}-${k}-error`}>
          {shown[k]}
        </span>
      )}
    </div>
  );

  return (
    <div className="signin">
      <form className="signin-form" aria-label="Sign in to a server" noValidate onSubmit={(e) => void submit(e)}>
        <fieldset className="plain signin-fields" disabled={busy}>
          <legend className="visually-hidden">Server and account</legend>
          {field('serverUrl', 'Server URL', 'url', { placeholder: 'https://outpost.example.com', autoComplete: 'url', spellCheck: 'false' })}
          {field('email', 'Email', 'email', { placeholder: 'you@company.com', autoComplete: 'username' })}
          {field('password', 'Password', 'password', { autoComplete: 'current-password' })}
        </fieldset>
        {error && (
          <p className="form-error" role="alert" data-testid="signin-error">
            {error}
          </p>
        )}
        <div className="signin-actions">
          <button type="submit" className="button primary" disabled={busy} aria-busy={busy}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </div>
      </form>
      <aside className="signin-note" role="note">
        <h3>Working without a server</h3>
        <p>
          Until you sign in, Outpost runs in <strong>local-only mode</strong>: tickets live on this device only. Signing in
          keeps all your local data and uploads your changes; signing out later keeps them on this device too.
        </p>
      </aside>
    </div>
  );
}

function Connected({ status, onSignOut }: { status: SyncStatus; onSignOut: () => Promise<void> }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  return (
    <div className="signin">
      <div className="connected-card">
        <p className="connected-title">
          <span className={`sync-state tone-${status.state}`}>
            <span className="sync-dot" aria-hidden="true" /> Connected · {STATE_LABEL[status.state]}
          </span>
        </p>
        <dl className="sync-fields">
          <dt>Pending changes</dt>
          <dd>{status.pending === 0 ? 'None' : plural(status.pending, 'change')}</dd>
          <dt>Last sync</dt>
          <dd>{status.lastSyncAt ? formatExact(status.lastSyncAt) : 'Never'}</dd>
          {status.lastError && (
            <>
              <dt>Last error</dt>
              <dd className="sync-error">{status.lastError}</dd>
            </>
          )}
        </dl>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <div className="signin-actions">
          <button
            type="button"
            className="button"
            disabled={busy}
            onClick={() => {
              setBusy(true);
              setError(null);
              onSignOut()
                .catch((e) => setError(toIpcError(e).message))
                .finally(() => setBusy(false));
            }}
          >
            {busy ? 'Signing out…' : 'Sign out'}
          </button>
        </div>
      </div>
      <aside className="signin-note" role="note">
        <h3>Signing out</h3>
        <p>Signing out returns Outpost to local-only mode. Your tickets stay on this device.</p>
      </aside>
    </div>
  );
}
