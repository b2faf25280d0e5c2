// The several-matches chooser: an extension page in an iframe, so names and
// usernames of the matching logins never enter the page's DOM.
const nonce = location.hash.slice(1);
const close = () => parent.postMessage('blindvault-close', '*');
const msg = document.getElementById('msg');

document.getElementById('cancel').addEventListener('click', close);
addEventListener('keydown', (e) => { if (e.key === 'Escape') close(); });

const r = await chrome.runtime.sendMessage({ op: 'chooseList', nonce });
if (!r || r.result !== 'list') {
  msg.textContent = 'This choice has expired. Click the Blindvault icon again.';
} else {
  const list = document.getElementById('list');
  for (const it of r.items) {
    const li = document.createElement('li');
    const b = document.createElement('button');
    b.type = 'button';
    b.dataset.item = it.id;
    b.textContent = it.name;
    const sub = document.createElement('span');
    sub.className = 'sub';
    sub.textContent = it.username;
    b.append(sub);
    b.addEventListener('click', async (e) => {
      if (!e.isTrusted) return;
      const out = await chrome.runtime.sendMessage({ op: 'choose', nonce, itemId: it.id });
      if (!out || out.result !== 'done') msg.textContent = 'Blindvault could not fill this login.';
      else close();
    });
    li.append(b);
    list.append(li);
  }
  list.querySelector('button')?.focus();
}
