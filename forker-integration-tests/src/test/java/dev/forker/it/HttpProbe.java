package dev.forker.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal HTTP/1.1 client that opens a new connection for every request, so that every
 * request can land on any worker, and that reports failures instead of retrying them.
 */
final class HttpProbe {

	private static final Pattern WORKER = Pattern.compile("\"worker\":(\\d+),\"pid\":(\\d+)");

	private static final int TIMEOUT_MILLIS = 5000;

	private HttpProbe() {
	}

	static Response get(InetAddress address, int port, String path) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(address, port), TIMEOUT_MILLIS);
			socket.setSoTimeout(TIMEOUT_MILLIS);
			return exchange(socket, "localhost", path);
		}
	}

	static Response get(int port, String path) throws IOException {
		return get(InetAddress.getLoopbackAddress(), port, path);
	}

	static Response exchange(Socket socket, String host, String path) throws IOException {
		OutputStream out = socket.getOutputStream();
		out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII));
		out.flush();
		InputStream in = socket.getInputStream();
		String raw = new String(in.readAllBytes(), StandardCharsets.UTF_8);
		int headerEnd = raw.indexOf("\r\n\r\n");
		if (!raw.startsWith("HTTP/1.1 ") || headerEnd < 0) {
			throw new IOException("Not an HTTP response: '" + raw + "'");
		}
		int status = Integer.parseInt(raw.substring(9, 12));
		return new Response(status, raw.substring(headerEnd + 4));
	}

	/**
	 * Ask {@code /worker} which worker answers, if one does.
	 * @param port the port
	 * @return the answer, or empty when the request failed
	 */
	static Optional<WorkerAnswer> worker(int port) {
		try {
			return parseWorker(get(port, "/worker"));
		}
		catch (IOException ex) {
			return Optional.empty();
		}
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

	record Response(int status, String body) {
	}

}
