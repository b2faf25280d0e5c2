// The page's side of the crypto worker: request/response over postMessage.
// terminate() is the lock: the worker's memory (every key handle and the
// session token) is gone, and pending calls fail with code "locked".
export class CryptoWorker {
  constructor() {
    this.worker = new Worker('/app/crypto-worker.js', { type: 'module' });
    this.pending = new Map();
    this.next = 1;
    this.worker.onmessage = (ev) => this.onMessage(ev.data);
    this.worker.onerror = (ev) => {
      ev.preventDefault();
      this.failAll('worker_failed');
    };
  }

  onMessage(msg) {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.progress) {
      if (p.onProgress) p.onProgress(msg.progress);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(Object.assign(new Error(msg.error.code), msg.error));
  }

  call(op, args, onProgress) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, onProgress });
      this.worker.postMessage({ id, op, args });
    });
  }

  failAll(code) {
    for (const p of this.pending.values()) p.reject(Object.assign(new Error(code), { code }));
    this.pending.clear();
  }

  terminate() {
    this.worker.terminate();
    this.failAll('locked');
  }
}
