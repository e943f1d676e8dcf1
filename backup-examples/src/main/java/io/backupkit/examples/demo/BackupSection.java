package io.backupkit.examples.demo;

/**
 * The "Sauvegarde et Restauration" section of the settings page, rendered only for the
 * super-admin; {@code backup.js} fills it from the JSON API.
 */
final class BackupSection {

    private BackupSection() {
    }

    static String html() {
        return """
                <section class="card backup" id="backup-section">
                <h2>Sauvegarde et Restauration</h2>
                <div class="status-grid">
                  <div class="stat"><div class="label">Dernière sauvegarde</div><div class="value" id="bk-last">—</div></div>
                  <div class="stat"><div class="label">Prochaine sauvegarde planifiée</div><div class="value" id="bk-next">—</div></div>
                  <div class="stat"><div class="label">Sauvegardes conservées</div><div class="value" id="bk-kept">—</div></div>
                </div>
                <p class="alert error hidden" id="bk-failure"></p>
                <div class="actions">
                  <button class="btn primary" id="bk-create">Créer une sauvegarde</button>
                  <a class="btn" id="bk-export" href="/api/admin/backup/export">Télécharger</a>
                  <span class="muted">Télécharge une nouvelle sauvegarde chiffrée et signée (.tar.zst.age) ; une par heure.</span>
                </div>
                <div class="job hidden" id="bk-create-job">
                  <div class="job-label" id="bk-create-label">Sauvegarde en cours…</div>
                  <div class="progress"><div class="bar" id="bk-create-bar" style="width:0%"></div></div>
                  <div class="job-detail muted" id="bk-create-detail"></div>
                </div>
                <p class="alert hidden" id="bk-message"></p>

                <h3>Sauvegardes disponibles</h3>
                <table class="grid" id="bk-list"><thead><tr><th>Date</th><th>Taille</th><th>Vérifiée</th>
                <th>Libellé</th><th class="right">Actions</th></tr></thead><tbody></tbody></table>

                <div class="panel hidden" id="bk-preview">
                  <h3>Aperçu de la restauration <span class="muted" id="bk-preview-id"></span></h3>
                  <p class="summary" id="bk-preview-summary"></p>
                  <table class="grid" id="bk-preview-table"><thead><tr><th>Table</th><th class="num">Sauvegarde</th>
                  <th class="num">Actuelle</th><th class="num">Perdues</th><th class="num">Modifiées</th>
                  <th class="num">Récupérées</th></tr></thead><tbody></tbody></table>
                  <div class="confirm">
                    <p>La restauration remplace toute la base par cette sauvegarde. Une sauvegarde de sécurité est
                    prise juste avant, et « Annuler la dernière restauration » la remet en place. Les chronomètres
                    continuent de compter depuis leur heure de départ.</p>
                    <label>Tapez <strong>RESTAURER</strong> pour confirmer
                    <input id="bk-confirm" autocomplete="off" placeholder="RESTAURER"></label>
                    <div class="buttons"><button class="btn danger" id="bk-restore" disabled>Restaurer cette sauvegarde</button>
                    <button class="btn" id="bk-preview-close">Fermer</button></div>
                  </div>
                  <div class="job hidden" id="bk-restore-job">
                    <div class="job-label" id="bk-restore-label">Restauration en cours…</div>
                    <div class="progress"><div class="bar" id="bk-restore-bar" style="width:0%"></div></div>
                    <div class="job-detail muted" id="bk-restore-detail"></div>
                  </div>
                </div>

                <div class="cols">
                  <div class="subcard">
                    <h3>Annuler la dernière restauration</h3>
                    <p class="muted">Remet la base telle qu'elle était juste avant la dernière restauration.</p>
                    <button class="btn" id="bk-undo">Annuler la dernière restauration</button>
                    <div class="job hidden" id="bk-undo-job">
                      <div class="job-label" id="bk-undo-label">Annulation en cours…</div>
                      <div class="progress"><div class="bar" id="bk-undo-bar" style="width:0%"></div></div>
                      <div class="job-detail muted" id="bk-undo-detail"></div>
                    </div>
                  </div>
                  <div class="subcard">
                    <h3>Restaurer un ticket</h3>
                    <p class="muted">Remet un ticket supprimé par erreur (avec ses commentaires) depuis une sauvegarde,
                    sans toucher au reste.</p>
                    <div class="inline-form">
                      <input id="bk-ticket" type="number" min="1" placeholder="N° du ticket">
                      <select id="bk-ticket-backup"></select>
                      <button class="btn" id="bk-ticket-restore">Restaurer le ticket</button>
                    </div>
                  </div>
                </div>

                <div class="cols">
                  <div class="subcard">
                    <h3>Importer une archive</h3>
                    <p class="muted">Une archive téléchargée plus tôt (⬇) et son fichier .json ({}). Taille, signature
                    et chiffrement sont vérifiés avant qu'elle apparaisse dans la liste, prête pour l'aperçu.</p>
                    <form class="upload-form" id="bk-upload-form">
                      <label>Archive <input type="file" id="bk-upload-archive" name="archive" accept=".age,.zst,.gz,.tar"></label>
                      <label>Fichier .json <input type="file" id="bk-upload-sidecar" name="sidecar" accept=".json"></label>
                      <button class="btn" type="submit">Importer</button>
                    </form>
                  </div>
                  <div class="subcard">
                    <h3>Clés configurées</h3>
                    <dl class="facts" id="bk-keys"></dl>
                  </div>
                </div>

                <div class="section-head"><h3>Journal d'audit</h3>
                <span class="muted" id="bk-audit-check"></span>
                <button class="btn small" id="bk-audit-verify">Vérifier l'intégrité du journal</button></div>
                <table class="grid" id="bk-audit"><thead><tr><th>Date</th><th>Utilisateur</th><th>Adresse</th>
                <th>Action</th><th>Résultat</th><th>Détail</th></tr></thead><tbody></tbody></table>
                </section>
                """;
    }
}
