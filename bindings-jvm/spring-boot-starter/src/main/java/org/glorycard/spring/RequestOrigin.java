package org.glorycard.spring;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Pattern;
import org.springframework.web.context.request.NativeWebRequest;

/**
 * Whether a request came over a secure channel or from this machine, as the servlet
 * container (and Spring's forwarded-header support) sees it. The one jar serves
 * {@code javax.servlet} (Spring Boot 2) and {@code jakarta.servlet} (Spring Boot 3): the
 * caller's address is read through whichever {@code ServletRequest} interface the native
 * request implements.
 */
final class RequestOrigin {
    private static final Pattern IPV4_LITERAL = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final List<Method> REMOTE_ADDRESS_GETTERS = remoteAddressGetters();

    private RequestOrigin() {}

    /** The caller's IP address as the container reports it, or null when it cannot be read. */
    static String remoteAddress(NativeWebRequest request) {
        Object servletRequest = request.getNativeRequest();
        for (Method getter : REMOTE_ADDRESS_GETTERS) {
            if (getter.getDeclaringClass().isInstance(servletRequest)) {
                try {
                    Object address = getter.invoke(servletRequest);
                    return address instanceof String ? (String) address : null;
                } catch (IllegalAccessException | InvocationTargetException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /**
     * True for an IP literal in 127.0.0.0/8 or ::1 (IPv4-mapped included). A host name is
     * never loopback here: resolving it would cost a DNS lookup and prove nothing.
     */
    static boolean isLoopback(String address) {
        if (address == null || address.isEmpty()) {
            return false;
        }
        String literal = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1) : address;
        if (!IPV4_LITERAL.matcher(literal).matches() && literal.indexOf(':') < 0) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException | SecurityException e) {
            return false;
        }
    }

    private static List<Method> remoteAddressGetters() {
        List<Method> getters = new ArrayList<>();
        for (String type : new String[] {"jakarta.servlet.ServletRequest", "javax.servlet.ServletRequest"}) {
            try {
                getters.add(Class.forName(type, false, RequestOrigin.class.getClassLoader()).getMethod("getRemoteAddr"));
            } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
                // That servlet API is not on the class path: the other one is.
            }
        }
        return Collections.unmodifiableList(getters);
    }
}
