package org.glorycard

import java.net.URLDecoder
import java.net.URLEncoder

/**
 * Where a store ([Outbox], [Replica]) is: a SQLite file path, or a `postgres://` URL. For
 * configuration code that keeps the database password out of the URL, in a property of its
 * own that configuration tools mask (`Outbox.open(url, password)`).
 */
object DatabaseLocation {
    /** True when [location] is a `postgres://` or `postgresql://` URL (as the stores read it). */
    @JvmStatic
    fun isPostgresUrl(location: String): Boolean {
        val lower = location.take(13).lowercase()
        return lower.startsWith("postgres://") || lower.startsWith("postgresql://")
    }

    /**
     * True when the URL [location] carries a password: `user:password@` before the host, or
     * a `password` query parameter. False for a file path.
     */
    @JvmStatic
    fun holdsPassword(location: String): Boolean {
        if (!isPostgresUrl(location)) return false
        val afterScheme = location.substringAfter("://")
        val authority = afterScheme.substringBefore('/').substringBefore('?')
        if (authority.contains('@') && authority.substringBeforeLast('@').contains(':')) return true
        val query = afterScheme.substringAfter('?', "").substringBefore('#')
        return query.split('&').any { parameter -> decoded(parameter.substringBefore('=')) == "password" }
    }

    /**
     * The URL [location] with [password] as its `password` parameter (percent-encoded), or
     * [location] itself when [password] is null. Refuses a password for a file path, or for a
     * URL that already holds one (which of the two was meant cannot be known).
     */
    internal fun withPassword(location: String, password: String?): String {
        if (password == null) return location
        requireField(password, "password")
        if (!isPostgresUrl(location)) {
            throw ConfigException("config", "invalid configuration: a password applies to a postgres:// URL only, not to a file path")
        }
        if (holdsPassword(location)) {
            throw ConfigException("config", "invalid configuration: the URL holds a password already; give it once, apart from the URL")
        }
        // URLEncoder writes HTML form encoding: a space is '+', which a URL's percent-decoding
        // keeps as '+'; a literal '+' is already %2B.
        val encoded = URLEncoder.encode(password, "UTF-8").replace("+", "%20")
        val (beforeFragment, fragment) = location.indexOf('#').let { at ->
            if (at < 0) location to "" else location.substring(0, at) to location.substring(at)
        }
        val separator = if (beforeFragment.contains('?')) "&" else "?"
        return "$beforeFragment${separator}password=$encoded$fragment"
    }

    private fun decoded(text: String): String =
        try {
            URLDecoder.decode(text, "UTF-8")
        } catch (e: IllegalArgumentException) {
            text
        }
}
