/** The sign-up / log-in form. */
import { ApiError, type Api } from './api.js';
import { byId, setText } from './dom.js';
import type { AuthResult } from './session.js';

type Mode = 'login' | 'signup';

export class AuthView {
  private readonly root = byId('auth-view');
  private readonly form = byId<HTMLFormElement>('auth-form');
  private readonly title = byId('auth-title');
  private readonly intro = byId('auth-intro');
  private readonly nameField = byId('auth-name-field');
  private readonly name = byId<HTMLInputElement>('auth-name');
  private readonly email = byId<HTMLInputElement>('auth-email');
  private readonly password = byId<HTMLInputElement>('auth-password');
  private readonly passwordHint = byId('auth-password-hint');
  private readonly error = byId('auth-error');
  private readonly submit = byId<HTMLButtonElement>('auth-submit');
  private readonly loginTab = byId<HTMLButtonElement>('auth-mode-login');
  private readonly signupTab = byId<HTMLButtonElement>('auth-mode-signup');
  private mode: Mode = 'login';
  private busy = false;

  constructor(
    private readonly api: Api,
    private readonly onAuthenticated: (result: AuthResult) => void,
  ) {
    this.loginTab.addEventListener('click', () => this.setMode('login'));
    this.signupTab.addEventListener('click', () => this.setMode('signup'));
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.submitForm();
    });
  }

  /** Shows the form in log-in mode (someone who was signed in has an account). */
  show(message = ''): void {
    document.title = 'Chatify';
    this.root.hidden = false;
    this.password.value = '';
    this.setBusy(false);
    this.setMode('login');
    setText(this.error, message);
  }

  hide(): void {
    this.root.hidden = true;
  }

  private setMode(mode: Mode): void {
    this.mode = mode;
    const signup = mode === 'signup';
    this.loginTab.setAttribute('aria-pressed', String(!signup));
    this.signupTab.setAttribute('aria-pressed', String(signup));
    this.nameField.hidden = !signup;
    this.name.disabled = !signup;
    this.passwordHint.hidden = !signup;
    this.password.autocomplete = signup ? 'new-password' : 'current-password';
    setText(this.title, signup ? 'Create your account' : 'Welcome back');
    setText(this.intro, signup ? 'It takes a few seconds: a name, an e-mail and a password.' : 'Log in to pick up your conversations.');
    setText(this.submit, signup ? 'Create account' : 'Log in');
    setText(this.error, '');
    (signup ? this.name : this.email).focus();
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    this.submit.disabled = busy;
    this.submit.setAttribute('aria-busy', String(busy));
  }

  private async submitForm(): Promise<void> {
    if (this.busy) return;
    setText(this.error, '');
    if (!this.form.reportValidity()) return;
    this.setBusy(true);
    try {
      const email = this.email.value.trim();
      const result = this.mode === 'signup' ? await this.api.signup(this.name.value.trim(), email, this.password.value) : await this.api.login(email, this.password.value);
      this.password.value = '';
      this.onAuthenticated(result);
    } catch (error) {
      setText(this.error, this.describe(error));
      this.setBusy(false);
    }
  }

  private describe(error: unknown): string {
    if (!(error instanceof ApiError)) return 'Something went wrong. Please try again.';
    if (error.status === 401) return 'Wrong e-mail or password.';
    if (error.status === 409) return 'An account with this e-mail already exists. Log in instead?';
    if (error.status === 429) return 'Too many attempts. Wait a moment and try again.';
    if (error.status === 0) return error.message;
    if (error.status >= 500) return 'The server had a problem. Please try again.';
    return error.message;
  }
}
