package io.outpost.api.web;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import org.springframework.http.HttpHeaders;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Caps request bodies at {@code limit} bytes after decompression (PROTOCOL.md: 5 MiB → 413) and inflates
 * {@code Content-Encoding: gzip} bodies as they are read, so a small gzip bomb is stopped at the limit without
 * inflating it all. A declared Content-Length over the limit is refused before reading. Either way the rest of the
 * body, up to {@link #SWALLOW_BYTES} of it, is read and dropped, so the client can finish sending and read the 413
 * (Jetty closes a connection whose request body was left unread, and a client still sending then sees a broken
 * connection instead of the answer); a larger remainder is not read: the connection is closed.
 */
public class RequestBodyLimitFilter extends OncePerRequestFilter {

    /** How much of a refused body is read and dropped so that its sender gets the answer. */
    static final long SWALLOW_BYTES = 6L * 1024 * 1024;

    private final long limit;
    private final ObjectMapper mapper;

    public RequestBodyLimitFilter(long limit, ObjectMapper mapper) {
        this.limit = limit;
        this.mapper = mapper;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String encoding = request.getHeader(HttpHeaders.CONTENT_ENCODING);
        boolean gzip = encoding != null && encoding.trim().toLowerCase(Locale.ROOT).equals("gzip");
        if (encoding != null && !gzip && !encoding.trim().equalsIgnoreCase("identity")) {
            Problems.write(request, response, mapper, ErrorCode.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Encoding " + encoding + " is not supported; use gzip or none");
            return;
        }
        if (!gzip && request.getContentLengthLong() > limit) {
            if (request.getContentLengthLong() <= limit + SWALLOW_BYTES) swallow(request);
            Problems.write(request, response, mapper, ErrorCode.PAYLOAD_TOO_LARGE,
                    "request body exceeds " + limit + " bytes");
            return;
        }
        LimitedRequest limited = new LimitedRequest(request, limit, gzip);
        chain.doFilter(limited, response);
        if (limited.stream != null && limited.stream.exceeded) swallow(request);
    }

    /** Reads and drops what is left of the raw body, at most {@link #SWALLOW_BYTES}. */
    private static void swallow(HttpServletRequest request) {
        try {
            InputStream in = request.getInputStream();
            byte[] sink = new byte[8192];
            long left = SWALLOW_BYTES;
            for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) left -= n;
        } catch (IOException | RuntimeException e) {
            // the client went away, or the body is not readable any more: nothing to answer then
        }
    }

    private static final class LimitedRequest extends HttpServletRequestWrapper {
        private final long limit;
        private final boolean gzip;
        private CountingStream stream;

        LimitedRequest(HttpServletRequest request, long limit, boolean gzip) {
            super(request);
            this.limit = limit;
            this.gzip = gzip;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (stream == null) {
                InputStream raw = super.getInputStream();
                stream = new CountingStream(gzip ? new GZIPInputStream(raw, 8192) : raw, limit);
            }
            return stream;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            String enc = getCharacterEncoding();
            return new BufferedReader(new InputStreamReader(getInputStream(),
                    enc == null ? StandardCharsets.UTF_8 : java.nio.charset.Charset.forName(enc)));
        }

        @Override
        public long getContentLengthLong() {
            return gzip ? -1 : super.getContentLengthLong();
        }

        @Override
        public int getContentLength() {
            return gzip ? -1 : super.getContentLength();
        }

        @Override
        public String getHeader(String name) {
            if (gzip && HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name)) return null;
            if (gzip && HttpHeaders.CONTENT_ENCODING.equalsIgnoreCase(name)) return null;
            return super.getHeader(name);
        }

        @Override
        public Enumeration<String> getHeaders(String name) {
            if (gzip && (HttpHeaders.CONTENT_LENGTH.equalsIgnoreCase(name)
                    || HttpHeaders.CONTENT_ENCODING.equalsIgnoreCase(name))) {
                return Collections.emptyEnumeration();
            }
            return super.getHeaders(name);
        }
    }

    private static final class CountingStream extends ServletInputStream {
        private final InputStream in;
        private final long limit;
        private long count;
        boolean exceeded;

        CountingStream(InputStream in, long limit) {
            this.in = in;
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) add(1);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = in.read(buf, off, (int) Math.min(len, limit - count + 1));
            if (n > 0) add(n);
            return n;
        }

        private void add(long n) throws IOException {
            count += n;
            if (count > limit) {
                exceeded = true;
                throw new BodyTooLargeException(limit);
            }
        }

        @Override
        public boolean isFinished() {
            return false;
        }

        @Override
        public boolean isReady() {
            return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
            throw new UnsupportedOperationException("async reads are not supported");
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }
}
