// The "Sauvegarde et Restauration" section: everything goes through the JSON API under /api/admin.
(function () {
  'use strict';
  const api = window.demoApi;
  const $ = (id) => document.getElementById(id);
  const esc = (s) => String(s == null ? '' : s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const pad = (n) => String(n).padStart(2, '0');
  const fmtDate = (iso) => {
    if (!iso) { return '—'; }
    const d = new Date(iso);
    return d.getFullYear() + '-' + pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + pad(d.getHours()) + ':' +
      pad(d.getMinutes()) + ':' + pad(d.getSeconds());
  };
  const fmtSize = (b) => b < 1024 ? b + ' o' : b < 1048576 ? (b / 1024).toFixed(1) + ' Ko' : (b / 1048576).toFixed(1) + ' Mo';
  const PHASES = { QUEUED: 'En attente', SNAPSHOT: 'Instantané de la base', PLAN: 'Planification', DATA: 'Écriture des données',
    FINISH: 'Index et compteurs', MEDIA: 'Copie des médias', COMMIT: 'Enregistrement', DONE: 'Terminé',
    VERIFY: 'Vérification de l\'archive et de la signature', STAGE: 'Reconstruction dans une base temporaire',
    CHECK: 'Contrôles d\'intégrité', COMPARE: 'Comparaison', SAFETY_BACKUP: 'Sauvegarde de sécurité',
    SWAP: 'Bascule (écritures suspendues)' };

  function ago(seconds) {
    if (seconds == null) { return ''; }
    if (seconds < 10) { return 'à l\'instant'; }
    if (seconds < 60) { return 'il y a ' + seconds + ' s'; }
    if (seconds < 3600) { return 'il y a ' + Math.floor(seconds / 60) + ' minutes'; }
    if (seconds < 86400) { return 'il y a ' + Math.floor(seconds / 3600) + ' h'; }
    return 'il y a ' + Math.floor(seconds / 86400) + ' jours';
  }

  function message(text, kind) {
    const el = $('bk-message');
    el.textContent = text;
    el.className = 'alert ' + (kind || '');
  }

  let backups = [];

  async function refreshStatus() {
    const s = await api('GET', '/api/admin/backup/status');
    $('bk-last').textContent = s.lastBackup ? fmtDate(s.lastBackup.createdAt) + ' (' + ago(s.lastBackupAgeSeconds) + ')' : 'Aucune';
    $('bk-next').textContent = s.nextRun ? fmtDate(s.nextRun) + (s.schedule ? ' · ' + s.schedule : '') : 'Non planifiée';
    $('bk-kept').textContent = s.backupsKept + ' (' + fmtSize(s.storeBytes) + ')';
    const failure = $('bk-failure');
    failure.classList.toggle('hidden', !s.lastFailure);
    failure.textContent = s.lastFailure ? 'Dernier échec (' + fmtDate(s.lastFailureAt) + ') : ' + s.lastFailure : '';
    $('bk-keys').innerHTML =
      '<dt>Chiffrement</dt><dd>' + esc(s.keys.encryption.algorithm) + ' · <code>' + esc(s.keys.encryption.fingerprint) + '</code></dd>' +
      '<dt>Signature</dt><dd>' + esc(s.keys.signing.algorithm) + ' · <code>' + esc(s.keys.signing.fingerprint) + '</code></dd>' +
      '<dt>Clé de déchiffrement</dt><dd>' + esc(s.keys.identity) + '</dd>';
  }

  function verifiedCell(b) {
    if (!b.verified) { return '<span class="muted">Non vérifiée</span>'; }
    return b.verified.ok ? '<span class="badge ok" title="' + esc(fmtDate(b.verified.at)) + '">✓ Vérifiée</span>'
      : '<span class="badge bad" title="' + esc(b.verified.problem || '') + '">✗ Problème</span>';
  }

  async function refreshList() {
    backups = await api('GET', '/api/admin/backups');
    const body = $('bk-list').querySelector('tbody');
    body.innerHTML = backups.length ? backups.map((b) =>
      '<tr data-id="' + esc(b.id) + '"><td>' + esc(fmtDate(b.createdAt)) + '</td><td>' + esc(fmtSize(b.sizeBytes)) + '</td><td>' +
      verifiedCell(b) + '</td><td>' + b.labels.map((l) => '<span class="badge">' + esc(l) + '</span>').join(' ') + '</td>' +
      '<td class="right"><button class="btn small" data-act="verify">Vérifier</button> ' +
      '<button class="btn small" data-act="preview">Aperçu</button> ' +
      '<button class="btn small danger" data-act="restore">Restaurer</button> ' +
      '<a class="btn small" title="Télécharger l\'archive chiffrée" href="/api/admin/backups/' + encodeURIComponent(b.id) + '/archive">⬇</a> ' +
      '<a class="btn small" title="Télécharger son fichier .json (signature)" href="/api/admin/backups/' + encodeURIComponent(b.id) + '/sidecar">{}</a></td></tr>'
    ).join('') : '<tr><td colspan="5" class="muted">Aucune sauvegarde pour l\'instant.</td></tr>';
    const select = $('bk-ticket-backup');
    select.innerHTML = backups.map((b) => '<option value="' + esc(b.id) + '">' + esc(fmtDate(b.createdAt)) +
      (b.labels.length ? ' · ' + esc(b.labels.join(', ')) : '') + '</option>').join('');
  }

  const OPERATIONS = { BACKUP: 'Sauvegarde', EXPORT: 'Export', DOWNLOAD: 'Téléchargement', UPLOAD: 'Import',
    LIST: 'Liste', STATUS: 'État', VERIFY: 'Vérification', PREVIEW: 'Aperçu', RESTORE: 'Restauration',
    UNDO: 'Annulation', DELETE: 'Suppression', AUDIT: 'Journal', COPY: 'Copie' };
  const OUTCOMES = { OK: ['Réussi', 'ok'], DENIED: ['Refusé', 'bad'], RATE_LIMITED: ['Limité', 'warn'],
    KEY_FAILURE: ['Clé refusée', 'bad'], SIGNATURE_FAILURE: ['Signature refusée', 'bad'], INVALID: ['Invalide', 'bad'],
    FAILED: ['Échec', 'bad'] };

  async function refreshAudit(verify) {
    const a = await api('GET', '/api/admin/backup/audit' + (verify ? '?verify=1' : ''));
    const body = $('bk-audit').querySelector('tbody');
    // Reading the status and the list is audited too; the page leaves those reads out to stay readable.
    const shown = a.records.filter((r) => !((r.operation === 'STATUS' || r.operation === 'LIST' || r.operation === 'AUDIT')
      && r.outcome === 'OK')).slice(0, 25);
    body.innerHTML = shown.length ? shown.map((r) => {
      const o = OUTCOMES[r.outcome] || [r.outcome, ''];
      return '<tr><td>' + esc(fmtDate(r.at)) + '</td><td>' + esc(r.actor) + '</td><td>' + esc(r.remoteAddress) +
        '</td><td>' + esc(OPERATIONS[r.operation] || r.operation) + '</td><td><span class="badge ' + o[1] + '">' + esc(o[0]) +
        '</span></td><td class="muted">' + esc(r.detail || r.backupId || '') + '</td></tr>';
    }).join('') : '<tr><td colspan="6" class="muted">Aucune opération pour l\'instant.</td></tr>';
    if (a.verification) {
      $('bk-audit-check').textContent = a.verification.intact
        ? 'Journal intègre : ' + a.verification.recordsChecked + ' entrées vérifiées.'
        : 'Journal altéré : ' + a.verification.message;
      $('bk-audit-check').className = a.verification.intact ? 'badge ok' : 'badge bad';
    }
  }

  $('bk-audit-verify').addEventListener('click', () => refreshAudit(true).catch((err) => message(err.message, 'error')));

  async function refreshAll() {
    try {
      await Promise.all([refreshStatus(), refreshList(), refreshAudit(false)]);
    } catch (err) { message(err.message, 'error'); }
  }

  // Polls a job until it ends, moving the bar; resolves with the finished job.
  async function follow(job, prefix) {
    const box = $(prefix + '-job'), bar = $(prefix + '-bar'), label = $(prefix + '-label'), detail = $(prefix + '-detail');
    box.classList.remove('hidden');
    bar.className = 'bar';
    for (;;) {
      const p = job.progress;
      if (p.percent < 0) {
        bar.classList.add('indeterminate');
      } else {
        bar.classList.remove('indeterminate');
        bar.style.width = p.percent + '%';
      }
      bar.dataset.percent = p.percent;
      label.textContent = (PHASES[p.phase] || p.phase) + (p.percent >= 0 ? ' — ' + p.percent + ' %' : '');
      detail.textContent = [p.table ? 'table ' + p.table : '', p.rowsTotal ? p.rows + ' / ' + p.rowsTotal + ' lignes' : '',
        p.bytes ? fmtSize(p.bytes) + ' écrits' : '', p.etaSeconds != null && p.percent < 100 ? 'fin dans ~' + p.etaSeconds + ' s' : '']
        .filter(Boolean).join(' · ');
      if (job.state === 'SUCCEEDED' || job.state === 'FAILED' || job.state === 'CANCELLED') { break; }
      await new Promise((r) => setTimeout(r, 300));
      job = await api('GET', '/api/admin/backup/jobs/' + encodeURIComponent(job.id));
    }
    bar.classList.remove('indeterminate');
    if (job.state === 'SUCCEEDED') {
      bar.style.width = '100%';
      bar.dataset.percent = 100;
      bar.classList.add('done');
      label.textContent = 'Terminé — 100 %';
    } else {
      bar.classList.add('failed');
      label.textContent = 'Échec';
      detail.textContent = job.error ? job.error.error : '';
    }
    return job;
  }

  $('bk-create').addEventListener('click', async () => {
    $('bk-create').disabled = true;
    try {
      const job = await follow(await api('POST', '/api/admin/backups'), 'bk-create');
      if (job.state !== 'SUCCEEDED') {
        message('Sauvegarde échouée : ' + (job.error ? job.error.error : job.state), 'error');
      } else {
        message('Sauvegarde créée : ' + job.result.totalRows + ' lignes, ' + job.result.tables + ' tables.', 'ok');
      }
    } catch (err) { message(err.message, 'error'); }
    $('bk-create').disabled = false;
    refreshAll();
  });

  let previewed = null;

  // The library's one-line summary is in English; the page says the same in French from the numbers.
  function frenchSummary(p) {
    const lost = [], sum = (k) => p.tables.reduce((a, t) => a + t[k], 0);
    p.tables.filter((t) => t.lostRows > 0).forEach((t) => lost.push(t.lostRows + ' ' + t.table));
    const parts = [];
    if (lost.length) { parts.push('supprimera ' + lost.join(', ')); }
    if (sum('changedRows')) { parts.push('rétablira ' + sum('changedRows') + ' ligne(s) modifiée(s)'); }
    if (sum('addedRows')) { parts.push('remettra ' + sum('addedRows') + ' ligne(s) supprimée(s)'); }
    return 'Restaurer la sauvegarde du ' + fmtDate(p.snapshotAt) + ' (' + ago(p.ageSeconds) + ') ' +
      (parts.length ? parts.join(', ') : 'ne changera aucune ligne') + '.';
  }

  async function showPreview(id, forRestore) {
    message('Calcul de l\'aperçu…');
    const p = await api('POST', '/api/admin/backups/' + encodeURIComponent(id) + '/preview');
    previewed = id;
    $('bk-preview').classList.remove('hidden');
    $('bk-preview-id').textContent = fmtDate(p.snapshotAt) + ' · ' + id;
    $('bk-preview-summary').textContent = frenchSummary(p);
    $('bk-preview-summary').title = p.summary;
    $('bk-preview-table').querySelector('tbody').innerHTML = p.tables.map((t) => '<tr' + (t.lostRows || t.changedRows || t.addedRows ? '' : ' class="muted"') +
      '><td>' + esc(t.table) + '</td><td class="num">' + t.backupRows + '</td><td class="num">' + t.liveRows + '</td><td class="num">' +
      (t.lostRows ? '<strong>' + t.lostRows + '</strong>' : 0) + '</td><td class="num">' + t.changedRows + '</td><td class="num">' +
      t.addedRows + '</td></tr>').join('');
    $('bk-confirm').value = '';
    $('bk-restore').disabled = true;
    $('bk-restore-job').classList.add('hidden');
    $('bk-message').className = 'alert hidden';
    if (forRestore) { $('bk-confirm').focus(); }
    $('bk-preview').scrollIntoView({ block: 'nearest' });
  }

  $('bk-list').addEventListener('click', async (e) => {
    const btn = e.target.closest('button[data-act]');
    if (!btn) { return; }
    const id = btn.closest('tr').dataset.id;
    try {
      if (btn.dataset.act === 'verify') {
        btn.disabled = true;
        btn.textContent = 'Vérification…';
        const job = await follow(await api('POST', '/api/admin/backups/' + encodeURIComponent(id) + '/verify'), 'bk-create');
        message(job.state === 'SUCCEEDED' && job.result.ok ? 'Sauvegarde vérifiée : sommes de contrôle, signature et reconstruction complète.'
          : 'Vérification échouée : ' + (job.error ? job.error.error : job.result.problems.join(' ; ')), job.state === 'SUCCEEDED' && job.result.ok ? 'ok' : 'error');
        refreshAll();
      } else {
        await showPreview(id, btn.dataset.act === 'restore');
      }
    } catch (err) { message(err.message, 'error'); }
  });

  $('bk-confirm').addEventListener('input', () => { $('bk-restore').disabled = $('bk-confirm').value.trim() !== 'RESTAURER'; });
  $('bk-preview-close').addEventListener('click', () => $('bk-preview').classList.add('hidden'));

  $('bk-restore').addEventListener('click', async () => {
    $('bk-restore').disabled = true;
    try {
      const job = await follow(await api('POST', '/api/admin/backups/' + encodeURIComponent(previewed) + '/restore',
        { confirm: $('bk-confirm').value.trim() }), 'bk-restore');
      if (job.state !== 'SUCCEEDED') {
        message('Restauration échouée, la base n\'a pas changé : ' + (job.error ? job.error.error : job.state), 'error');
      } else {
        $('bk-restore-detail').textContent = 'Restauration terminée : ' + job.result.rows + ' lignes, écritures suspendues ' +
          job.result.writePauseMillis + ' ms. Sauvegarde de sécurité : ' + job.result.safetyBackupId + '.';
        message('Restauration terminée. « Annuler la dernière restauration » remet la base d\'avant.', 'ok');
      }
    } catch (err) { message(err.message, 'error'); }
    refreshAll();
  });

  $('bk-undo').addEventListener('click', async () => {
    if (!confirm('Remettre la base telle qu\'elle était avant la dernière restauration ?')) { return; }
    $('bk-undo').disabled = true;
    try {
      const job = await follow(await api('POST', '/api/admin/restore/undo'), 'bk-undo');
      if (job.state === 'SUCCEEDED') {
        const r = job.result;
        message('Dernière restauration annulée (' + r.rows + ' lignes remises, écritures suspendues ' + r.writePauseMillis + ' ms).', 'ok');
      } else {
        message('Annulation impossible : ' + (job.error ? job.error.error : job.state), 'error');
      }
    } catch (err) { message(err.message, 'error'); }
    $('bk-undo').disabled = false;
    refreshAll();
  });

  $('bk-ticket-restore').addEventListener('click', async () => {
    const n = $('bk-ticket').value.trim();
    const id = $('bk-ticket-backup').value;
    if (!n || !id) { message('Indiquez un numéro de ticket et une sauvegarde.', 'error'); return; }
    try {
      const r = await api('POST', '/api/admin/backups/' + encodeURIComponent(id) + '/restore', { ticket: Number(n) });
      const c = r.counts;
      message('Ticket #' + n + ' : ' + c.INSERTED + ' ligne(s) remise(s), ' + c.UNCHANGED + ' inchangée(s), ' + c.SKIPPED +
        ' conservée(s) telles quelles.', c.INSERTED + c.UNCHANGED + c.SKIPPED > 0 ? 'ok' : 'error');
    } catch (err) { message(err.message, 'error'); }
    refreshAll();
  });

  $('bk-upload-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const b = await api('POST', '/api/admin/backups/upload', new FormData($('bk-upload-form')));
      message('Archive importée et vérifiée : sauvegarde du ' + fmtDate(b.createdAt) + ', prête pour l\'aperçu.', 'ok');
      $('bk-upload-form').reset();
    } catch (err) { message(err.message, 'error'); }
    refreshAll();
  });

  refreshAll();
  setInterval(refreshStatus, 15000);
})();
