package dev.forker.it;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One persistent HTTP/1.1 connection, used the way a load balancer or a client pool uses
 * one: requests are sent back to back on it, and it is only replaced when the server says
 * {@code Connection: close}. Like wrk, it never retries: a request that fails on the
 * connection (reset, closed before the response, timed out) is a failure.
 */
final class KeepAliveConnection implements AutoCloseable {

	private static final int TIMEOUT_MILLIS = 5000;

	private final HttpProbe.Target target;

	private Socket socket;

	private InputStream in;

	private OutputStream out;

	private final AtomicLong connections;

	/**
	 * Create a new instance.
	 * @param target where to connect
	 * @param connections counts the connections this client opens
	 */
	KeepAliveConnection(HttpProbe.Target target, AtomicLong connections) {
		this.target = target;
		this.connections = connections;
	}

	/**
	 * Send a GET request on the connection, opening one first if needed.
	 * @param path the path
	 * @return the response
	 * @throws IOException if the request failed on the connection
	 */
	HttpProbe.Response get(String path) throws IOException {
		if (this.socket == null) {
			open();
		}
		try {
			this.out
				.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
			this.out.flush();
			Response response = read();
			if (response.close()) {
				close();
			}
			return new HttpProbe.Response(response.status(), response.body());
		}
		catch (IOException ex) {
			close();
			throw ex;
		}
	}

	private void open() throws IOException {
		Socket socket = new Socket();
		try {
			socket.connect(new InetSocketAddress(this.target.address(), this.target.port()), TIMEOUT_MILLIS);
			socket.setSoTimeout(TIMEOUT_MILLIS);
			socket.setTcpNoDelay(true);
		}
		catch (IOException ex) {
			socket.close();
			throw ex;
		}
		this.socket = socket;
		this.in = socket.getInputStream();
		this.out = socket.getOutputStream();
		this.connections.incrementAndGet();
	}

	private Response read() throws IOException {
		String statusLine = readLine();
		if (!statusLine.startsWith("HTTP/1.1 ")) {
			throw new IOException("Not an HTTP response: '" + statusLine + "'");
		}
		int status = Integer.parseInt(statusLine.substring(9, 12));
		long contentLength = -1;
		boolean chunked = false;
		boolean close = false;
		String line;
		while (!(line = readLine()).isEmpty()) {
			String header = line.toLowerCase(Locale.ROOT);
			if (header.startsWith("content-length:")) {
				contentLength = Long.parseLong(header.substring(15).trim());
			}
			else if (header.startsWith("transfer-encoding:") && header.contains("chunked")) {
				chunked = true;
			}
			else if (header.startsWith("connection:") && header.contains("close")) {
				close = true;
			}
		}
		String body;
		if (chunked) {
			body = readChunked();
		}
		else if (contentLength >= 0) {
			body = new String(this.in.readNBytes((int) contentLength), StandardCharsets.UTF_8);
		}
		else {
			throw new IOException("Response without a length on a keep-alive connection");
		}
		return new Response(status, body, close);
	}

	private String readChunked() throws IOException {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		while (true) {
			int size = Integer.parseInt(readLine().split(";")[0].trim(), 16);
			if (size == 0) {
				while (!readLine().isEmpty()) {
					// trailers
				}
				return body.toString(StandardCharsets.UTF_8);
			}
			byte[] chunk = this.in.readNBytes(size);
			if (chunk.length < size) {
				throw new EOFException("Connection closed within a chunk");
			}
			body.write(chunk);
			readLine();
		}
	}

	private String readLine() throws IOException {
		StringBuilder line = new StringBuilder();
		while (true) {
			int b = this.in.read();
			if (b < 0) {
				throw new EOFException("Connection closed before the response was complete ('" + line + "')");
			}
			if (b == '\n') {
				int length = line.length();
				return (length > 0 && line.charAt(length - 1) == '\r') ? line.substring(0, length - 1)
						: line.toString();
			}
			line.append((char) b);
		}
	}

	@Override
	public void close() {
		if (this.socket != null) {
			try {
				this.socket.close();
			}
			catch (IOException ex) {
				// closing anyway
			}
			this.socket = null;
		}
	}

	private record Response(int status, String body, boolean close) {
	}

}
