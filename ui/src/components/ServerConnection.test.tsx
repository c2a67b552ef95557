import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { describe, expect, it, vi } from 'vitest';
import { signInErrorMessage, signInProblems } from '../lib/sync';
import { installMock } from '../test/util';
import { ServerConnection } from './ServerConnection';

const URL_OK = 'http://127.0.0.1:7878';

function renderForm() {
  const onSignedIn = vi.fn();
  render(<ServerConnection status={null} onSignedIn={onSignedIn} onSignOut={async () => undefined} />);
  const fill = (url: string, email: string, password: string) => {
    fireEvent.change(screen.getByLabelText('Server URL'), { target: { value: url } });
    fireEvent.change(screen.getByLabelText('Email'), { target: { value: email } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  };
  const submit = () => fireEvent.click(screen.getByRole('button', { name: /Sign in|Signing in/ }));
  return { onSignedIn, fill, submit };
}

describe('signInProblems', () => {
  it('wants an http(s) URL, an email and a password', () => {
    expect(signInProblems({ serverUrl: URL_OK, email: 'a@b.c', password: 'x' })).toEqual({});
    expect(signInProblems({ serverUrl: 'https://outpost.example.com/', email: 'a@b.c', password: 'x' })).toEqual({});
    expect(signInProblems({ serverUrl: '', email: '', password: '' })).toEqual({
      serverUrl: 'Enter the server address.',
      email: 'Enter your email.',
      password: 'Enter your password.',
    });
    for (const bad of ['outpost.example.com', 'ftp://host', 'http://', 'javascript:alert(1)'])
      expect(signInProblems({ serverUrl: bad, email: 'a@b.c', password: 'x' }).serverUrl).toMatch(/http:\/\/ or https:\/\//);
    expect(signInProblems({ serverUrl: URL_OK, email: 'not-an-email', password: 'x' }).email).toBe(
      'Enter a valid email address.',
    );
  });

  it('words each server error code', () => {
    expect(signInErrorMessage('invalid_credentials', '', URL_OK)).toMatch(/Wrong email or password/);
    expect(signInErrorMessage('offline', '', URL_OK)).toMatch(/Could not reach the server at http:\/\/127\.0\.0\.1:7878/);
    expect(signInErrorMessage('invalid_value', 'bad url', URL_OK)).toMatch(/not valid: bad url/);
    expect(signInErrorMessage('rate_limited', '', URL_OK)).toMatch(/Too many sign-in attempts/);
    expect(signInErrorMessage('boom', 'Server said no', URL_OK)).toBe('Server said no');
  });
});

describe('Server connection sign-in form', () => {
  it('explains local-only mode', () => {
    installMock({ sync: 'local' });
    renderForm();
    expect(screen.getByRole('note')).toHaveTextContent(/local-only mode/);
    expect(screen.getByRole('note')).toHaveTextContent(/keeps all your local data/);
  });

  it('shows field problems on submit without calling the server', async () => {
    const mock = installMock({ sync: 'local' });
    const signIn = vi.spyOn(mock, 'signIn');
    const { fill, submit } = renderForm();
    submit();
    expect(await screen.findByText('Enter the server address.')).toBeInTheDocument();
    expect(screen.getByLabelText('Server URL')).toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByLabelText('Server URL')).toHaveAccessibleDescription('Enter the server address.');
    fill('outpost.example.com', 'admin@demo.outpost', 'pw');
    expect(screen.getByText(/Enter a full http:\/\/ or https:\/\/ address/)).toBeInTheDocument();
    expect(screen.getByLabelText('Email')).not.toHaveAttribute('aria-invalid');
    expect(signIn).not.toHaveBeenCalled();
  });

  it('shows the error for a wrong password, then signs in', async () => {
    installMock({ sync: 'local', syncMs: 5 });
    const { fill, submit, onSignedIn } = renderForm();
    fill(URL_OK, 'admin@demo.outpost', 'nope');
    submit();
    expect(screen.getByRole('button', { name: 'Signing in…' })).toBeDisabled();
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password. Check them and try again.');
    expect(screen.getByRole('button', { name: 'Sign in' })).toBeEnabled();
    fill(URL_OK, 'admin@demo.outpost', 'outpost-demo');
    expect(screen.queryByRole('alert')).toBeNull();
    submit();
    await waitFor(() => expect(onSignedIn).toHaveBeenCalledTimes(1));
  });

  it('says when the server cannot be reached', async () => {
    installMock({ sync: 'local', syncMs: 5 });
    const { fill, submit } = renderForm();
    fill('https://outpost.example.com', 'admin@demo.outpost', 'outpost-demo');
    submit();
    expect(await screen.findByRole('alert')).toHaveTextContent('Could not reach the server at https://outpost.example.com');
  });

  it('rate limits after repeated failures', async () => {
    installMock({ sync: 'local', syncMs: 5 });
    const { fill, submit } = renderForm();
    for (let i = 0; i < 5; i++) {
      fill(URL_OK, 'admin@demo.outpost', `wrong-${i}`);
      submit();
      expect(await screen.findByRole('alert')).toHaveTextContent('Wrong email or password');
    }
    fill(URL_OK, 'admin@demo.outpost', 'outpost-demo');
    submit();
    expect(await screen.findByRole('alert')).toHaveTextContent('Too many sign-in attempts');
  });

  it('when signed in, shows the state and signs out', async () => {
    installMock();
    const onSignOut = vi.fn(async () => undefined);
    render(
      <ServerConnection
        status={{ state: 'offline', pending: 2, lastSyncAt: null, lastError: 'Server unreachable', conflicts: [] }}
        onSignedIn={vi.fn()}
        onSignOut={onSignOut}
      />,
    );
    expect(screen.getByText(/Connected · Offline/)).toBeInTheDocument();
    expect(screen.getByText('2 changes')).toBeInTheDocument();
    expect(screen.getByText('Server unreachable')).toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Sign out' }));
    await waitFor(() => expect(onSignOut).toHaveBeenCalled());
  });
});
