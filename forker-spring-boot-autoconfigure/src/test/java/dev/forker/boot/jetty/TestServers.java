package dev.forker.boot.jetty;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

import dev.forker.boot.control.ServedPort;
import dev.forker.boot.control.WorkerEnvironment;
import dev.forker.boot.control.WorkerSocketMode;

/**
 * Jetty servers, worker environments and a raw HTTP/1.1 client for the tests of this
 * package.
 */
final class TestServers {

	private TestServers() {
	}

	static WorkerEnvironment worker(WorkerSocketMode mode, ServedPort... ports) {
		return new WorkerEnvironment(1, 4242, Path.of("/tmp/forker-x/control.sock"), "token", mode, List.of(ports),
				Duration.ofSeconds(2), null);
	}

	/**
	 * Return a server that answers every request with {@code ok}.
	 * @return the server, not started, without connectors
	 */
	static Server okServer() {
		return server((request, response, callback) -> {
			Content.Sink.write(response, true, "ok", callback);
			return true;
		});
	}

	/**
	 * Return a server that handles every request with the given handler.
	 * @param handler the handler
	 * @return the server, not started, without connectors
	 */
	static Server server(Request.Handler handler) {
		Server server = new Server();
		server.setHandler(new Handler.Abstract() {

			@Override
			public boolean handle(Request request, Response response, Callback callback) throws Exception {
				return handler.handle(request, response, callback);
			}

		});
		return server;
	}

	static Socket connect(int port) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
		socket.setSoTimeout(5000);
		return socket;
	}

	/**
	 * Send a keep-alive {@code GET /} and read its response, headers and body.
	 * @param socket the connection
	 * @return the response
	 * @throws IOException on failure
	 */
	static String exchange(Socket socket) throws IOException {
		send(socket, "/");
		return read(socket);
	}

	/**
	 * Send a keep-alive {@code GET} request.
	 * @param socket the connection
	 * @param path the path
	 * @throws IOException on failure
	 */
	static void send(Socket socket, String path) throws IOException {
		socket.getOutputStream()
			.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
		socket.getOutputStream().flush();
	}

	/**
	 * Read a response with a {@code Content-Length}, headers and body.
	 * @param socket the connection
	 * @return the response
	 * @throws IOException on failure
	 */
	static String read(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
			int read = in.read();
			if (read < 0) {
				throw new IOException("Connection closed after " + head);
			}
			head.write(read);
		}
		String headers = head.toString(StandardCharsets.US_ASCII);
		int length = Integer.parseInt(headers.replaceAll("(?is).*content-length: *(\\d+).*", "$1"));
		return headers + new String(in.readNBytes(length), StandardCharsets.US_ASCII);
	}

}
