package io.backupkit.examples.demo;

import io.backupkit.Actor;
import io.javalin.http.Context;
import java.util.Map;
import java.util.Set;

/** Small helpers the routes share: the session of a request, its actor, errors, HTML escaping. */
final class Web {

    static final String SESSION = "session";

    private Web() {
    }

    /** The logged-in user; the auth filter has already answered 401 or redirected when there is none. */
    static Sessions.Session session(Context ctx) {
        Sessions.Session s = ctx.attribute(SESSION);
        if (s == null) {
            throw new ApiError(401, "unauthenticated", "Connexion requise.");
        }
        return s;
    }

    /** The logged-in user as the library's {@link Actor}: their email, their role, their address. */
    static Actor actor(Context ctx) {
        Sessions.Session s = session(ctx);
        return Actor.user(s.email(), Set.of(s.role()), ctx.ip());
    }

    static void error(Context ctx, int status, String code, String message) {
        ctx.status(status).json(Map.of("error", message, "code", code));
    }

    static String esc(Object value) {
        if (value == null) {
            return "";
        }
        String s = value.toString();
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            switch (ch) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    static long pathLong(Context ctx, String name) {
        try {
            return Long.parseLong(ctx.pathParam(name));
        } catch (NumberFormatException e) {
            throw ApiError.badRequest("« " + name + " » doit être un nombre.");
        }
    }
}
