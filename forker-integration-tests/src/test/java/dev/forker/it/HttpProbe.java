package dev.forker.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
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

	private static String dechunk(String chunked) {
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
