package io.outpost.browser;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;

/**
 * The test classpath's {@code META-INF/resources/} over HTTP on a free local port, as the server serves it but
 * without its Content-Security-Policy, whose {@code script-src 'self'} refuses an inline import map: for pages that
 * map bare module names ({@code react}, {@code outpost-sync/react}) as an app without a bundler does, and talk to a
 * scripted server (FakeServer) only. GET only; no directory listings.
 */
final class StaticPages implements AutoCloseable {

    private static final Map<String, String> TYPES = Map.of("js", "text/javascript", "html", "text/html",
            "json", "application/json");

    private final HttpServer http;

    private StaticPages(HttpServer http) {
        this.http = http;
    }

    static StaticPages start() throws IOException {
        HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            InputStream in = path.contains("..") || !"GET".equals(exchange.getRequestMethod()) ? null
                    : StaticPages.class.getClassLoader().getResourceAsStream("META-INF/resources" + path);
            try (exchange; in) {
                if (in == null) {
                    exchange.sendResponseHeaders(404, -1);
                    return;
                }
                String extension = path.substring(path.lastIndexOf('.') + 1);
                exchange.getResponseHeaders().set("Content-Type",
                        TYPES.getOrDefault(extension, "application/octet-stream") + "; charset=utf-8");
                exchange.getResponseHeaders().set("Cache-Control", "no-store");
                exchange.sendResponseHeaders(200, 0);
                try (OutputStream out = exchange.getResponseBody()) {
                    in.transferTo(out);
                }
            }
        });
        http.start();
        return new StaticPages(http);
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    String url(String path) {
        return "http://127.0.0.1:" + http.getAddress().getPort() + path;
    }

    @Override
    public void close() {
        http.stop(0);
    }
}
