// Content script (isolated world, every http(s) frame). It draws the
// Blindvault icon in login fields, and fills only after a trusted gesture:
// a click whose event.isTrusted is true, or the browser's keyboard command.
// The service worker decides what may be filled from the origin the browser
// reports for this frame; nothing from this script's messages is trusted
// for that. Decrypted values exist here only on their way into the fields;
// several-match choices and save offers are extension frames the page cannot
// read.
(() => {
  if (window.__blindvaultContent) return;
  window.__blindvaultContent = true;

  const ICON = 'data-blindvault-icon';
  const USER_SEL = 'input:not([type]),input[type=text],input[type=email],input[type=tel]';
  /** host element -> { input, shadow note } */
  const icons = new Map();
  /** input -> host */
  const hostOf = new WeakMap();
  /** nonce -> { group, frame host } for a choice on screen */
  const choices = new Map();

  /** Fields that are not rendered, are tiny, transparent or off-screen are never filled. */
  function visible(el) {
    if (!el || !el.isConnected || el.disabled || el.readOnly) return false;
    if (typeof el.checkVisibility === 'function'
        && !el.checkVisibility({ opacityProperty: true, visibilityProperty: true, contentVisibilityAuto: true })) {
      return false;
    }
    const st = getComputedStyle(el);
    if (st.display === 'none' || st.visibility !== 'visible' || Number(st.opacity) === 0) return false;
    const r = el.getBoundingClientRect();
    if (r.width < 4 || r.height < 4) return false;
    const de = document.documentElement;
    const w = Math.max(de.scrollWidth, innerWidth);
    const h = Math.max(de.scrollHeight, innerHeight);
    const x = r.left + scrollX;
    const y = r.top + scrollY;
    return x + r.width > 0 && y + r.height > 0 && x < w && y < h;
  }

  /** The login group of a field: its form's password field and the text field before it. */
  function groupOf(input) {
    const scope = input.form || input.closest('form') || document;
    const inputs = [...scope.querySelectorAll('input')];
    const passwords = inputs.filter((i) => i.type === 'password');
    let password = input.type === 'password' ? input : null;
    if (!password) password = passwords.find((p) => inputs.indexOf(p) > inputs.indexOf(input)) || passwords[0] || null;
    if (!password) return null;
    const isNew = /new-password/i.test(password.autocomplete || '');
    // A hidden text field planted before the password is skipped, never filled.
    const before = inputs.slice(0, inputs.indexOf(password)).filter((i) => i.matches(USER_SEL) && visible(i));
    const username = input.type === 'password' ? before[before.length - 1] || null : input;
    return { username, password, passwords, isNew };
  }

  function setValue(input, value) {
    const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set;
    input.focus();
    setter.call(input, value);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    input.dispatchEvent(new Event('change', { bubbles: true }));
  }

  /**
   * Fills a group only while this frame still has the origin the worker
   * answered for, and only into fields that are visible right now.
   */
  function fillGroup(group, values) {
    if (!visible(group.password)) return false;
    if (group.username && values.username && visible(group.username)) setValue(group.username, values.username);
    setValue(group.password, values.password);
    return true;
  }

  function send(msg) {
    return chrome.runtime.sendMessage(msg).catch(() => ({ result: 'error' }));
  }

  function say(host, text) {
    const rec = icons.get(host);
    if (!rec) return;
    rec.note.textContent = text;
    rec.note.hidden = !text;
    if (text) setTimeout(() => { rec.note.hidden = true; }, 4000);
  }

  const MESSAGES = {
    locked: 'Blindvault is locked: unlock it from the toolbar.',
    no_match: 'No saved login for this site.',
    refused: 'Blindvault does not fill here.',
    hidden: 'Blindvault does not fill hidden fields.',
    error: 'Blindvault could not fill this form.',
  };

  async function onIconClick(host, ev, via) {
    // A page script can call click() or dispatch a MouseEvent; those are not trusted.
    if (via === 'click' && (!ev || !ev.isTrusted)) return;
    if (ev) {
      ev.preventDefault();
      ev.stopPropagation();
    }
    const rec = icons.get(host);
    host.setAttribute('data-blindvault-state', 'pending');
    try {
      await act(host, rec && groupOf(rec.input), via);
    } finally {
      host.setAttribute('data-blindvault-state', 'done');
    }
  }

  async function act(host, group, via) {
    if (!group) return say(host, MESSAGES.refused);
    if (!visible(group.password)) return say(host, MESSAGES.hidden);
    if (group.isNew) {
      const r = await send({ op: 'generate', via: via === 'shortcut' ? 'shortcut' : 'click' });
      if (r.result !== 'generated') return say(host, MESSAGES[r.result] || MESSAGES.error);
      for (const p of group.passwords) if (/new-password/i.test(p.autocomplete || '') && visible(p)) setValue(p, r.password);
      return say(host, 'Strong password generated. Blindvault offers to save it when you submit.');
    }
    const r = await send({ op: 'fill', via });
    if (r.result === 'fill') {
      fillGroup(group, r.values);
      return say(host, '');
    }
    if (r.result === 'choose') return showFrame('choose', r.nonce, host, group);
    return say(host, MESSAGES[r.result] || MESSAGES.error);
  }

  // ---- extension frames (choice, save offer) the page cannot look into ----

  function showFrame(kind, nonce, host, group) {
    const outer = document.createElement('div');
    outer.setAttribute('data-blindvault-frame', kind);
    const root = outer.attachShadow({ mode: 'closed' });
    const iframe = document.createElement('iframe');
    iframe.src = chrome.runtime.getURL(`frames/${kind}.html#${nonce}`);
    iframe.title = kind === 'choose' ? 'Blindvault: choose a login' : 'Blindvault: save this login';
    iframe.style.cssText = 'border:1px solid #8a8f98;border-radius:8px;background:#fff;width:320px;height:'
      + (kind === 'choose' ? '220px' : '260px') + ';box-shadow:0 4px 16px rgba(0,0,0,.25)';
    root.appendChild(iframe);
    let pos = 'position:fixed;top:12px;right:12px;z-index:2147483647';
    if (host) {
      const r = host.getBoundingClientRect();
      pos = `position:absolute;left:${Math.max(0, r.left + scrollX - 290)}px;top:${r.bottom + scrollY + 4}px;z-index:2147483647`;
    }
    outer.style.cssText = pos;
    (document.body || document.documentElement).appendChild(outer);
    if (kind === 'choose') choices.set(nonce, { group, outer });
    const onMsg = (e) => {
      if (e.source !== iframe.contentWindow || e.origin !== new URL(chrome.runtime.getURL('')).origin) return;
      if (e.data === 'blindvault-close') {
        outer.remove();
        choices.delete(nonce);
        removeEventListener('message', onMsg);
      }
    };
    addEventListener('message', onMsg);
  }

  chrome.runtime.onMessage.addListener((msg, sender, reply) => {
    if (sender.id !== chrome.runtime.id || sender.tab) return false;
    if (msg.op === 'fillChosen') {
      const c = choices.get(msg.nonce);
      if (c && location.origin === msg.origin) {
        fillGroup(c.group, msg.values);
        c.outer.remove();
        choices.delete(msg.nonce);
      }
      reply({ ok: true });
    } else if (msg.op === 'shortcut') {
      // Only the frame holding the focused login field answers.
      const el = document.activeElement;
      if (document.hasFocus() && el && hostOf.has(el)) onIconClick(hostOf.get(el), null, 'shortcut');
      reply({ ok: true });
    }
    return false;
  });

  // ---- save or update after a trusted submit ----

  async function onSubmit(form) {
    const pw = [...form.querySelectorAll('input[type=password]')].filter((p) => p.value);
    if (pw.length === 0) return;
    // On a change-password form the last filled field is the new one.
    const password = pw[pw.length - 1];
    const g = groupOf(password);
    const r = await send({ op: 'submitted', username: g && g.username ? g.username.value : '', password: password.value });
    if (r.result === 'offer' && window === top) showFrame('save', r.nonce, null, null);
  }
  let lastSubmit = null;
  document.addEventListener('submit', (e) => {
    if (!e.isTrusted || !(e.target instanceof HTMLFormElement) || e.target === lastSubmit) return;
    lastSubmit = e.target;
    setTimeout(() => { lastSubmit = null; }, 1000);
    onSubmit(e.target);
  }, true);

  if (window === top) {
    send({ op: 'pendingSave' }).then((r) => {
      if (r && r.result === 'offer') showFrame('save', r.nonce, null, null);
    });
  }

  // ---- the icon ----

  const SVG = 'data:image/svg+xml,' + encodeURIComponent(
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect x="2" y="7" width="12" height="8" rx="1.5" fill="#1f5fbf"/>'
    + '<path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="#1f5fbf" stroke-width="1.8"/></svg>');

  function attach(input) {
    if (hostOf.has(input) || !visible(input)) return;
    const host = document.createElement('div');
    host.setAttribute(ICON, '');
    host.setAttribute('data-blindvault-state', 'idle');
    const root = host.attachShadow({ mode: 'closed' });
    const style = document.createElement('style');
    style.textContent = ':host{all:initial;position:absolute;z-index:2147483646;width:20px;height:20px;cursor:pointer}'
      + `.i{width:20px;height:20px;background:url("${SVG}") center/16px no-repeat;border-radius:4px}`
      + '.i:hover{background-color:#e6eefb}'
      + '.n{position:absolute;top:22px;right:0;width:220px;font:12px system-ui,sans-serif;background:#222;color:#fff;padding:4px 6px;border-radius:4px}';
    const icon = document.createElement('div');
    icon.className = 'i';
    icon.title = input.type === 'password' && /new-password/i.test(input.autocomplete || '') ? 'Blindvault: generate a password' : 'Blindvault: fill login';
    const note = document.createElement('div');
    note.className = 'n';
    note.hidden = true;
    note.setAttribute('role', 'status');
    root.append(style, icon, note);
    // The listener sits on the host, where a page's synthetic click lands
    // too: the isTrusted check is what refuses it.
    host.addEventListener('click', (e) => onIconClick(host, e, 'click'));
    host.addEventListener('mousedown', (e) => e.preventDefault());
    (document.body || document.documentElement).appendChild(host);
    icons.set(host, { input, note });
    hostOf.set(input, host);
    place(host);
  }

  function place(host) {
    const { input } = icons.get(host);
    if (!input.isConnected) {
      host.remove();
      icons.delete(host);
      return;
    }
    const r = input.getBoundingClientRect();
    host.style.left = `${r.right + scrollX - 24}px`;
    host.style.top = `${r.top + scrollY + (r.height - 20) / 2}px`;
    host.style.display = visible(input) ? '' : 'none';
  }

  function scan() {
    for (const p of document.querySelectorAll('input[type=password]')) {
      attach(p);
      const g = groupOf(p);
      if (g && g.username && !g.isNew) attach(g.username);
    }
    for (const host of [...icons.keys()]) place(host);
  }

  let queued = false;
  const rescan = () => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => {
      queued = false;
      scan();
    });
  };
  new MutationObserver((records) => {
    // Our own icons move on every scan; only the page's changes matter.
    if (records.some((r) => !(r.target instanceof Element && r.target.hasAttribute(ICON)))) rescan();
  }).observe(document.documentElement, { childList: true, subtree: true, attributes: true, attributeFilter: ['style', 'class', 'type', 'hidden'] });
  addEventListener('resize', rescan);
  addEventListener('scroll', rescan, true);
  scan();
})();
