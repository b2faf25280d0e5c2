// Locks after the chosen idle time. Activity is any key, pointer or focus
// event on the page; the check runs every 5 s, so the lock lands within 5 s
// of the deadline.
const EVENTS = ['keydown', 'pointerdown', 'pointermove', 'wheel', 'focusin'];

export class IdleLock {
  constructor(onIdle) {
    this.onIdle = onIdle;
    this.minutes = 15;
    this.last = Date.now();
    this.timer = null;
    this.bump = () => { this.last = Date.now(); };
  }

  setMinutes(m) {
    this.minutes = m;
    this.last = Date.now();
  }

  start() {
    this.stop();
    this.last = Date.now();
    for (const e of EVENTS) document.addEventListener(e, this.bump, { passive: true, capture: true });
    this.timer = setInterval(() => {
      if (this.minutes > 0 && Date.now() - this.last >= this.minutes * 60_000) this.onIdle();
    }, 5_000);
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const e of EVENTS) document.removeEventListener(e, this.bump, { capture: true });
  }
}
