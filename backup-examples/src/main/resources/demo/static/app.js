// Live timers and countdowns, and the small forms of the maintenance app. No framework.
(function () {
  'use strict';
  const serverNow = Number(document.body.dataset.serverNow || Date.now());
  const skew = serverNow - Date.now();           // the server's clock is the reference
  const now = () => Date.now() + skew;
  const csrf = () => (document.querySelector('meta[name=csrf-token]') || {}).content;
  window.demoCsrf = csrf;

  function hms(seconds) {
    const s = Math.max(0, Math.floor(seconds));
    const p = (n) => String(n).padStart(2, '0');
    return p(Math.floor(s / 3600)) + ':' + p(Math.floor(s % 3600 / 60)) + ':' + p(s % 60);
  }

  function tick() {
    document.querySelectorAll('[data-timer]').forEach((el) => {
      const started = el.dataset.startedAt ? Number(el.dataset.startedAt) : null;
      const acc = Number(el.dataset.accumulated || 0);
      const elapsed = acc + (started ? Math.floor((now() - started) / 1000) : 0);
      el.textContent = hms(elapsed);
      el.classList.toggle('running', !!started);
    });
    document.querySelectorAll('[data-deadline]').forEach((el) => {
      const left = (Number(el.dataset.deadline) - now()) / 1000;
      el.textContent = left >= 0 ? 'reste ' + hms(left) : 'dépassé de ' + hms(-left);
      el.classList.toggle('late', left < 0);
    });
  }
  tick();
  setInterval(tick, 1000);

  async function api(method, url, body) {
    const headers = { 'X-CSRF-Token': csrf() };
    let payload = body;
    if (body && !(body instanceof FormData)) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    const res = await fetch(url, { method, headers, body: payload, credentials: 'same-origin' });
    const text = await res.text();
    const data = text ? JSON.parse(text) : null;
    if (!res.ok) {
      throw new Error((data && data.error) || ('HTTP ' + res.status));
    }
    return data;
  }
  window.demoApi = api;

  const newTicket = document.getElementById('new-ticket');
  if (newTicket) {
    newTicket.addEventListener('submit', async (e) => {
      e.preventDefault();
      const f = new FormData(newTicket);
      try {
        const t = await api('POST', '/api/tickets', { title: f.get('title'), machineId: Number(f.get('machineId')),
          deadlineMinutes: Number(f.get('deadlineMinutes')) });
        location.href = '/tickets/' + t.id;
      } catch (err) { alert(err.message); }
    });
  }
  const comment = document.getElementById('new-comment');
  if (comment) {
    comment.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('POST', comment.dataset.api, { body: new FormData(comment).get('body') });
        location.reload();
      } catch (err) { alert(err.message); }
    });
  }
  const message = document.getElementById('new-message');
  if (message) {
    message.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('POST', '/api/messages', new FormData(message));
        location.reload();
      } catch (err) { alert(err.message); }
    });
  }
  const actions = document.querySelector('.actions[data-ticket-id]');
  if (actions) {
    const id = actions.dataset.ticketId;
    const bind = (btn, what) => btn && btn.addEventListener('click', async () => {
      try { await api('POST', '/api/tickets/' + id + '/timer/' + what); location.reload(); } catch (err) { alert(err.message); }
    });
    bind(document.getElementById('timer-start'), 'start');
    bind(document.getElementById('timer-pause'), 'pause');
  }
  const del = document.getElementById('ticket-delete');
  if (del) {
    del.addEventListener('click', async () => {
      if (!confirm('Supprimer ce ticket et ses commentaires ?')) { return; }
      try { await api('DELETE', '/api/tickets/' + del.dataset.ticketId); location.href = '/tickets'; } catch (err) { alert(err.message); }
    });
  }
})();
