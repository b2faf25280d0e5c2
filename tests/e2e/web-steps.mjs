// Steps in the web vault's page shared by the end-to-end files that drive
// several people (members-log, extension-members): register, make a vault
// with a login, share it, read one's fingerprint; and, outside the browser,
// a request as a script makes it and an identity as a hostile server forges
// it. Every wait is for a visible state. Not a test file itself.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { WAIT } from './vault-helpers.mjs';

const bvNode = createRequire(import.meta.url)('../../pkg-node/blindvault.js');

export async function register(p, who) {
  await p.getByRole('tab', { name: 'Create account' }).click();
  await p.locator('#register-email').fill(who.email);
  await p.locator('#register-password').fill(who.master);
  await p.locator('#register-password2').fill(who.master);
  await p.locator('#register-submit').click();
  await p.locator('#vault-list button', { hasText: 'Personal' }).waitFor({ timeout: WAIT });
}

export const vaultButton = (p, name) => p.locator('#vault-list li.tree-vault > button', { hasText: name });
export const listItem = (p, name) => p.locator('#item-list button', { hasText: name });
export const pendingEntry = (p, name) => p.locator('#pending-list li', { hasText: name });

export async function toast(p, text) {
  await p.locator('#copy-status', { hasText: text }).waitFor({ timeout: WAIT });
}

export async function expectBanner(p, text) {
  await p.locator('#banner-text', { hasText: text }).waitFor({ state: 'visible', timeout: WAIT });
}

export async function dismissBanner(p) {
  if (await p.locator('#banner').isVisible()) await p.locator('#banner-close').click();
}

/** Refresh from the server; resolves once the new listing is on the page. */
export async function refresh(p) {
  const synced = p.context().waitForEvent('response', (r) => new URL(r.url()).pathname === '/api/v1/sync', { timeout: WAIT });
  await p.getByRole('button', { name: 'Refresh from server' }).click();
  await synced;
  await p.locator('#busy').waitFor({ state: 'hidden', timeout: WAIT });
}

/**
 * A new vault with one login `item` (password "<item> password 7731", and
 * `url` and `username` if given); resolves to the vault's id.
 */
export async function createVault(p, name, item, { url, username } = {}) {
  await p.getByLabel('New vault name').fill(name);
  await p.getByRole('button', { name: 'Create vault' }).click();
  await vaultButton(p, name).click();
  await p.getByLabel('New item kind').selectOption('login');
  await p.getByRole('button', { name: 'New item' }).click();
  await p.getByLabel('Name', { exact: true }).fill(item);
  if (url) await p.getByLabel('Website URL', { exact: true }).fill(url);
  if (username) await p.getByLabel('Username', { exact: true }).fill(username);
  await p.locator('#f-password').fill(`${item} password 7731`);
  await p.locator('#save-item').click();
  await listItem(p, item).waitFor({ timeout: WAIT });
  return vaultButton(p, name).getAttribute('data-vault');
}

export async function openMembers(p, vaultName) {
  await vaultButton(p, vaultName).click();
  await p.getByRole('button', { name: 'Members' }).click();
  await p.locator('#members').waitFor({ timeout: WAIT });
}

export async function lookUp(p, email, role = 'write') {
  await p.getByLabel('Email of the person to share with').fill(email);
  await p.getByLabel('Their role').selectOption(role);
  await p.getByRole('button', { name: 'Look up their key' }).click();
}

export async function share(p, vaultName, email, { fresh }) {
  await openMembers(p, vaultName);
  await lookUp(p, email);
  await p.locator('#invite-confirm').waitFor({ timeout: WAIT });
  if (fresh) await p.getByLabel('I compared every group with them and it matches').check();
  await p.getByRole('button', { name: 'The fingerprints match: share' }).click();
  await toast(p, `Shared with ${email}.`);
}

export async function myFingerprint(p) {
  await p.getByRole('button', { name: 'Account' }).click();
  const fp = (await p.locator('#my-fingerprint').textContent()).trim();
  await p.locator('#account-close').click();
  return fp;
}

/** POST to the server's /api/v1 outside any browser, as a script would; fails on an error answer. */
export async function apiPost(base, path, body, token) {
  const r = await fetch(`${base}/api/v1${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify(body),
  });
  const json = await r.json();
  assert.ok(r.ok, `${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** A valid, self-signed identity naming `id` and `email`, made with keys nobody else holds. */
export async function forgedIdentity(id, email) {
  const params = bvNode.newKdfParams();
  const master = await bvNode.deriveMasterKey('Forger-Anvil-Shadow-0001', params);
  const { registration, account } = bvNode.register(master, params, id);
  return { identity: account.issueIdentity(email).identity, publicKey: registration.public_key };
}
