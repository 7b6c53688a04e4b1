package dev.forker.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A minimal HTTP/1.1 client that opens a new connection for every request, so that every
 * request can land on any worker, and that reports failures instead of retrying them.
 */
final class HttpProbe {

	private static final Pattern WORKER = Pattern.compile("\"worker\":(\\d+),\"pid\":(\\d+)");

	private static final int TIMEOUT_MILLIS = 5000;

	private static final SSLContext TRUST_ALL = trustAll();

	private HttpProbe() {
	}

	static Response get(Target target, String path) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(target.address(), target.port()), TIMEOUT_MILLIS);
			socket.setSoTimeout(TIMEOUT_MILLIS);
			if (!target.tls()) {
				return exchange(socket, path);
			}
			try (SSLSocket tls = (SSLSocket) TRUST_ALL.getSocketFactory()
				.createSocket(socket, "localhost", target.port(), true)) {
				tls.startHandshake();
				return exchange(tls, path);
			}
		}
	}

	static Response get(int port, String path) throws IOException {
		return get(Target.http(port), path);
	}

	/**
	 * Send a GET request with extra headers, on a new connection, and return the answer
	 * as bytes.
	 * @param target where to send it
	 * @param path the path
	 * @param headers extra request headers, such as {@code Accept}
	 * @return the answer
	 * @throws IOException if the request fails
	 */
	static BinaryResponse getBinary(Target target, String path, Map<String, String> headers) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(target.address(), target.port()), TIMEOUT_MILLIS);
			socket.setSoTimeout(TIMEOUT_MILLIS);
			StringBuilder request = new StringBuilder("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n");
			headers.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
			request.append("Connection: close\r\n\r\n");
			OutputStream out = socket.getOutputStream();
			out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
			out.flush();
			byte[] raw = socket.getInputStream().readAllBytes();
			int headerEnd = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
			String head = new String(raw, 0, Math.max(0, headerEnd), StandardCharsets.US_ASCII);
			if (!head.startsWith("HTTP/1.1 ") || headerEnd < 0) {
				throw new IOException("Not an HTTP response: '" + new String(raw, StandardCharsets.UTF_8) + "'");
			}
			Map<String, String> responseHeaders = new LinkedHashMap<>();
			for (String line : head.substring(head.indexOf("\r\n") + 2).split("\r\n")) {
				int colon = line.indexOf(':');
				if (colon > 0) {
					responseHeaders.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT),
							line.substring(colon + 1).trim());
				}
			}
			byte[] body = Arrays.copyOfRange(raw, headerEnd + 4, raw.length);
			if ("chunked".equalsIgnoreCase(responseHeaders.get("transfer-encoding"))) {
				body = dechunk(body);
			}
			return new BinaryResponse(Integer.parseInt(head.substring(9, 12)), responseHeaders, body);
		}
	}

	private static byte[] dechunk(byte[] chunked) throws IOException {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		byte[] crlf = "\r\n".getBytes(StandardCharsets.US_ASCII);
		int position = 0;
		while (position < chunked.length) {
			int lineEnd = indexOf(chunked, crlf, position);
			if (lineEnd < 0) {
				throw new IOException("Truncated chunked body");
			}
			String sizeLine = new String(chunked, position, lineEnd - position, StandardCharsets.US_ASCII);
			int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
			if (size == 0) {
				return body.toByteArray();
			}
			body.write(chunked, lineEnd + 2, size);
			position = lineEnd + 2 + size + 2;
		}
		throw new IOException("Chunked body without its last chunk");
	}

	private static int indexOf(byte[] bytes, byte[] part, int from) {
		outer: for (int i = from; i <= bytes.length - part.length; i++) {
			for (int j = 0; j < part.length; j++) {
				if (bytes[i + j] != part[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}

	static Response post(int port, String path, String json) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), TIMEOUT_MILLIS);
			socket.setSoTimeout(TIMEOUT_MILLIS);
			byte[] body = json.getBytes(StandardCharsets.UTF_8);
			OutputStream out = socket.getOutputStream();
			out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
					+ "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			out.write(body);
			out.flush();
			return read(socket);
		}
	}

	private static Response exchange(Socket socket, String path) throws IOException {
		OutputStream out = socket.getOutputStream();
		out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		out.flush();
		return read(socket);
	}

	private static Response read(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		String raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		int headerEnd = raw.indexOf("\r\n\r\n");
		if (!raw.startsWith("HTTP/1.1 ") || headerEnd < 0) {
			throw new IOException("Not an HTTP response: '" + raw + "'");
		}
		int status = Integer.parseInt(raw.substring(9, 12));
		String headers = raw.substring(0, headerEnd).toLowerCase(java.util.Locale.ROOT);
		String body = raw.substring(headerEnd + 4);
		return new Response(status, headers.contains("transfer-encoding: chunked") ? dechunk(body) : body);
	}

	static String dechunk(String chunked) {
		StringBuilder body = new StringBuilder();
		int position = 0;
		while (position < chunked.length()) {
			int lineEnd = chunked.indexOf("\r\n", position);
			if (lineEnd < 0) {
				break;
			}
			int size = Integer.parseInt(chunked.substring(position, lineEnd).split(";")[0].trim(), 16);
			if (size == 0) {
				break;
			}
			body.append(chunked, lineEnd + 2, lineEnd + 2 + size);
			position = lineEnd + 2 + size + 2;
		}
		return body.toString();
	}

	/**
	 * Ask {@code /worker} which worker answers, if one does.
	 * @param target where to ask
	 * @return the answer, or empty when the request failed
	 */
	static Optional<WorkerAnswer> worker(Target target) {
		try {
			return parseWorker(get(target, "/worker"));
		}
		catch (IOException ex) {
			return Optional.empty();
		}
	}

	static Optional<WorkerAnswer> worker(int port) {
		return worker(Target.http(port));
	}

	static Optional<WorkerAnswer> parseWorker(Response response) {
		if (response.status() != 200) {
			return Optional.empty();
		}
		Matcher matcher = WORKER.matcher(response.body());
		return matcher.find()
				? Optional.of(new WorkerAnswer(Integer.parseInt(matcher.group(1)), Long.parseLong(matcher.group(2))))
				: Optional.empty();
	}

	private static SSLContext trustAll() {
		try {
			SSLContext context = SSLContext.getInstance("TLS");
			context.init(null, new TrustManager[] { new X509TrustManager() {

				@Override
				public void checkClientTrusted(X509Certificate[] chain, String authType) {
				}

				@Override
				public void checkServerTrusted(X509Certificate[] chain, String authType) {
				}

				@Override
				public X509Certificate[] getAcceptedIssuers() {
					return new X509Certificate[0];
				}

			} }, null);
			return context;
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException(ex);
		}
	}

	record Response(int status, String body) {
	}

	/**
	 * An answer as bytes, with its headers by lower-case name.
	 *
	 * @param status the status code
	 * @param headers the response headers
	 * @param body the body, de-chunked
	 */
	record BinaryResponse(int status, Map<String, String> headers, byte[] body) {

		String text() {
			return new String(this.body, StandardCharsets.UTF_8);
		}

	}

	/**
	 * Where to send requests.
	 *
	 * @param tls whether to speak HTTPS
	 * @param address the address to connect to
	 * @param port the port
	 */
	record Target(boolean tls, InetAddress address, int port) {

		static Target http(int port) {
			return new Target(false, InetAddress.getLoopbackAddress(), port);
		}

		@Override
		public String toString() {
			return (this.tls ? "https://" : "http://") + this.address.getHostAddress() + ":" + this.port;
		}

	}

}
