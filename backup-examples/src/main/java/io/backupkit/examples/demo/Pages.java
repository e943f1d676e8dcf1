package io.backupkit.examples.demo;

import static io.backupkit.examples.demo.Web.esc;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;

/** The server-rendered pages (French, like the original app); live parts are filled in by small scripts. */
final class Pages {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")
            .withZone(ZoneId.systemDefault());
    private static final Map<String, String> STATUS = Map.of("received", "Reçu", "diagnostic", "Diagnostic",
            "in_progress", "En cours", "waiting_parts", "En attente de pièces", "completed", "Terminé",
            "archived", "Archivé");
    private static final Map<String, String> ROLE = Map.of("super_admin", "Super administrateur",
            "admin", "Administrateur", "technician", "Technicien", "operator", "Opérateur");
    private static final Map<String, String> PRIORITY = Map.of("high", "Haute", "medium", "Moyenne", "low", "Basse");

    private Pages() {
    }

    static String date(long epochMillis) {
        return DATE.format(Instant.ofEpochMilli(epochMillis));
    }

    static String login(String error) {
        return """
                <!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Connexion — Maintenance IGP</title>
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <link rel="stylesheet" href="/static/app.css"></head>
                <body class="login-page"><main class="login-card">
                <h1>Maintenance IGP</h1><p class="muted">Connectez-vous pour continuer.</p>
                %s
                <form method="post" action="/login" id="login-form">
                <label>Courriel <input type="email" name="email" id="email" required autofocus></label>
                <label>Mot de passe <input type="password" name="password" id="password" required></label>
                <button type="submit" class="btn primary" id="login-submit">Se connecter</button>
                </form></main></body></html>
                """.formatted(error == null ? "" : "<p class=\"alert error\">" + esc(error) + "</p>");
    }

    static String layout(Sessions.Session s, String active, String title, String body) {
        return layout(s, active, title, body, "");
    }

    static String layout(Sessions.Session s, String active, String title, String body, String scripts) {
        String nav = link("/tickets", "Tickets", active) + link("/messages", "Messagerie", active)
                + (s.role().equals("super_admin") || s.role().equals("admin")
                ? link("/settings", "Paramètres", active) : "");
        return """
                <!doctype html><html lang="fr"><head><meta charset="utf-8"><title>%s — Maintenance IGP</title>
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <meta name="csrf-token" content="%s">
                <link rel="stylesheet" href="/static/app.css"></head>
                <body data-server-now="%d">
                <header class="topbar"><div class="brand">Maintenance IGP</div><nav>%s</nav>
                <div class="who"><span>%s</span><span class="role">%s</span>
                <form method="post" action="/logout"><input type="hidden" name="_csrf" value="%s">
                <button class="btn link" type="submit">Déconnexion</button></form></div></header>
                <main class="page">%s</main>
                <script src="/static/app.js"></script>%s</body></html>
                """.formatted(esc(title), esc(s.csrfToken()), AppDatabase.nowMillis(), nav, esc(s.fullName()),
                esc(ROLE.getOrDefault(s.role(), s.role())), esc(s.csrfToken()), body, scripts);
    }

    private static String link(String href, String label, String active) {
        return "<a href=\"" + href + "\"" + (href.equals(active) ? " class=\"active\"" : "") + ">" + label + "</a>";
    }

    static String timerCell(AppData.Ticket t) {
        return "<span class=\"timer" + (t.running() ? " running" : "") + "\" data-timer data-started-at=\""
                + (t.timerStartedAt() == null ? "" : t.timerStartedAt()) + "\" data-accumulated=\""
                + t.timerAccumulatedSeconds() + "\">" + duration(t.elapsedSeconds()) + "</span>";
    }

    static String countdownCell(AppData.Ticket t) {
        if (t.deadlineAt() == null) {
            return "<span class=\"muted\">—</span>";
        }
        return "<span class=\"countdown\" data-deadline=\"" + t.deadlineAt() + "\" title=\"Échéance "
                + esc(date(t.deadlineAt())) + "\">" + esc(date(t.deadlineAt())) + "</span>";
    }

    static String duration(long seconds) {
        return String.format("%02d:%02d:%02d", seconds / 3600, seconds % 3600 / 60, seconds % 60);
    }

    static String tickets(Sessions.Session s, List<AppData.Ticket> tickets, List<AppData.Machine> machines) {
        StringBuilder rows = new StringBuilder();
        for (AppData.Ticket t : tickets) {
            rows.append("<tr data-ticket=\"").append(t.id()).append("\"><td><a href=\"/tickets/").append(t.id())
                    .append("\">#").append(t.id()).append("</a></td><td><a href=\"/tickets/").append(t.id())
                    .append("\">").append(esc(t.title())).append("</a></td><td>").append(esc(t.machine()))
                    .append("</td><td>").append(statusBadge(t)).append("</td><td>")
                    .append(esc(PRIORITY.getOrDefault(t.priority(), t.priority()))).append("</td><td>")
                    .append(timerCell(t)).append("</td><td>").append(countdownCell(t)).append("</td></tr>");
        }
        StringBuilder options = new StringBuilder();
        for (AppData.Machine m : machines) {
            options.append("<option value=\"").append(m.id()).append("\">").append(esc(m.label())).append("</option>");
        }
        String body = """
                <div class="page-head"><h1>Tickets de maintenance</h1></div>
                <section class="card"><h2>Nouveau ticket</h2>
                <form id="new-ticket" class="inline-form" data-api="/api/tickets">
                <input name="title" placeholder="Titre du problème" required maxlength="200">
                <select name="machineId">%s</select>
                <select name="deadlineMinutes"><option value="60">Échéance : 1 h</option>
                <option value="240">4 h</option><option value="1440" selected>24 h</option><option value="2880">48 h</option></select>
                <button class="btn primary" type="submit">Créer</button></form></section>
                <section class="card"><table class="grid"><thead><tr><th>N°</th><th>Titre</th><th>Machine</th>
                <th>Statut</th><th>Priorité</th><th>Chronomètre</th><th>Compte à rebours</th></tr></thead>
                <tbody>%s</tbody></table></section>
                """.formatted(options, rows);
        return layout(s, "/tickets", "Tickets", body);
    }

    private static String statusBadge(AppData.Ticket t) {
        return "<span class=\"badge status-" + esc(t.status()) + "\">" + esc(STATUS.getOrDefault(t.status(), t.status()))
                + "</span>" + (t.overdue() ? " <span class=\"badge overdue\">En retard</span>" : "");
    }

    static String ticket(Sessions.Session s, AppData.Ticket t, List<AppData.Comment> comments) {
        StringBuilder list = new StringBuilder();
        for (AppData.Comment c : comments) {
            list.append("<li><div class=\"meta\">").append(esc(c.author())).append(" · ").append(esc(date(c.createdAt())))
                    .append("</div><div>").append(esc(c.body())).append("</div></li>");
        }
        boolean canDelete = s.role().equals("super_admin") || s.role().equals("admin");
        String body = """
                <div class="page-head"><h1>Ticket #%d — %s</h1><a class="btn" href="/tickets">← Tous les tickets</a></div>
                <div class="cols">
                <section class="card"><h2>Chronomètre</h2>
                <div class="big-timer" id="ticket-timer">%s</div>
                <div class="actions" data-ticket-id="%d">
                <button class="btn primary" id="timer-start" %s>Démarrer</button>
                <button class="btn" id="timer-pause" %s>Pause</button></div>
                <p class="muted">Le chronomètre est enregistré comme une heure de départ et un cumul : il continue
                de compter à partir de son départ, même après une restauration.</p></section>
                <section class="card"><h2>Compte à rebours</h2><div class="big-timer" id="ticket-countdown">%s</div>
                <dl class="facts"><dt>Machine</dt><dd>%s</dd><dt>Statut</dt><dd>%s</dd><dt>Signalé par</dt><dd>%s</dd>
                <dt>Créé le</dt><dd>%s</dd></dl></section></div>
                <section class="card"><h2>Description</h2><p>%s</p>%s</section>
                <section class="card"><h2>Commentaires</h2><ul class="comments" id="comments">%s</ul>
                <form id="new-comment" class="inline-form" data-api="/api/tickets/%d/comments">
                <input name="body" placeholder="Ajouter un commentaire" required maxlength="2000">
                <button class="btn primary" type="submit">Publier</button></form></section>
                """.formatted(t.id(), esc(t.title()), timerCell(t), t.id(), t.running() ? "disabled" : "",
                t.running() ? "" : "disabled", countdownCell(t), esc(t.machine()), statusBadge(t), esc(t.reporter()),
                esc(date(t.createdAt())), esc(t.description()),
                canDelete ? "<button class=\"btn danger\" id=\"ticket-delete\" data-ticket-id=\"" + t.id()
                        + "\">Supprimer le ticket</button>" : "", list, t.id());
        return layout(s, "/tickets", "Ticket #" + t.id(), body);
    }

    static String messages(Sessions.Session s, List<AppData.Message> messages) {
        StringBuilder list = new StringBuilder();
        for (AppData.Message m : messages) {
            list.append("<li><div class=\"meta\">").append(esc(m.sender())).append(" · ").append(esc(date(m.createdAt())))
                    .append("</div><div>").append(esc(m.body())).append("</div>");
            if (m.mediaPath() != null) {
                String src = "/media/" + esc(m.mediaPath());
                if (m.mediaType() != null && m.mediaType().startsWith("audio/")) {
                    list.append("<audio controls preload=\"none\" src=\"").append(src).append("\"></audio>");
                } else if (m.mediaType() != null && m.mediaType().startsWith("image/")) {
                    list.append("<img class=\"thumb\" alt=\"pièce jointe\" src=\"").append(src).append("\">");
                } else {
                    list.append("<a href=\"").append(src).append("\">Pièce jointe</a>");
                }
            }
            list.append("</li>");
        }
        String body = """
                <div class="page-head"><h1>Messagerie</h1></div>
                <section class="card"><form id="new-message" class="inline-form" enctype="multipart/form-data">
                <input name="body" placeholder="Votre message" maxlength="2000">
                <input type="file" name="file" accept="image/*,audio/*">
                <button class="btn primary" type="submit">Envoyer</button></form>
                <p class="muted">Images et messages audio (10 Mo au plus) sont rangés dans le dossier des médias,
                sauvegardé avec la base.</p></section>
                <section class="card"><ul class="comments">%s</ul></section>
                """.formatted(list);
        return layout(s, "/messages", "Messagerie", body);
    }

    static String settings(Sessions.Session s, List<AppData.Setting> settings) {
        StringBuilder rows = new StringBuilder();
        for (AppData.Setting st : settings) {
            String value = st.key().equals("live.heartbeat") ? date(Long.parseLong(st.value())) + " (activité en direct)"
                    : st.value();
            rows.append("<tr><td><code>").append(esc(st.key())).append("</code></td><td>").append(esc(value))
                    .append("</td><td>").append(esc(date(st.updatedAt()))).append("</td></tr>");
        }
        String backup = s.isSuperAdmin() ? BackupSection.html() : "";
        String body = """
                <div class="page-head"><h1>Paramètres système</h1></div>
                <section class="card"><h2>Paramètres généraux</h2><table class="grid"><thead><tr><th>Clé</th>
                <th>Valeur</th><th>Modifié le</th></tr></thead><tbody>%s</tbody></table></section>
                %s
                """.formatted(rows, backup);
        return layout(s, "/settings", "Paramètres", body, s.isSuperAdmin()
                ? "<script src=\"/static/backup.js\"></script>" : "");
    }
}
