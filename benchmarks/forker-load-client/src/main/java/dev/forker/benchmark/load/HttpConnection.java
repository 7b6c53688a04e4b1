package dev.forker.benchmark.load;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * One HTTP/1.1 keep-alive connection that sends GET requests and reads each response to
 * its end, reconnecting when the server closes the connection.
 */
final class HttpConnection implements AutoCloseable {

	private final InetSocketAddress address;

	private final byte[] request;

	private Socket socket;

	private InputStream in;

	private OutputStream out;

	HttpConnection(int port, String path) {
		this.address = new InetSocketAddress("127.0.0.1", port);
		this.request = ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n\r\n")
			.getBytes(StandardCharsets.US_ASCII);
	}

	/**
	 * Send one request and read its response.
	 * @return the status code
	 * @throws IOException if the request fails
	 */
	int get() throws IOException {
		if (this.socket == null) {
			this.socket = new Socket();
			this.socket.setTcpNoDelay(true);
			this.socket.connect(this.address, 10_000);
			this.socket.setSoTimeout(10_000);
			this.in = new BufferedInputStream(this.socket.getInputStream(), 64 * 1024);
			this.out = this.socket.getOutputStream();
		}
		try {
			this.out.write(this.request);
			this.out.flush();
			String status = line();
			int code = Integer.parseInt(status.substring(9, 12));
			long length = -1;
			boolean chunked = false;
			boolean close = false;
			for (String header = line(); !header.isEmpty(); header = line()) {
				String lower = header.toLowerCase(Locale.ROOT);
				if (lower.startsWith("content-length:")) {
					length = Long.parseLong(lower.substring(15).trim());
				}
				else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
					chunked = true;
				}
				else if (lower.startsWith("connection:") && lower.contains("close")) {
					close = true;
				}
			}
			if (chunked) {
				for (long size = Long.parseLong(line().split(";")[0].trim(), 16); size > 0; size = Long
					.parseLong(line().split(";")[0].trim(), 16)) {
					skip(size);
					line();
				}
				while (!line().isEmpty()) {
					// trailers
				}
			}
			else if (length >= 0) {
				skip(length);
			}
			else {
				close = true;
				this.in.transferTo(OutputStream.nullOutputStream());
			}
			if (close) {
				close();
			}
			return code;
		}
		catch (IOException | RuntimeException ex) {
			close();
			throw (ex instanceof IOException io) ? io : new IOException(ex);
		}
	}

	private String line() throws IOException {
		StringBuilder line = new StringBuilder();
		int c;
		while ((c = this.in.read()) != '\n') {
			if (c < 0) {
				throw new EOFException("connection closed");
			}
			if (c != '\r') {
				line.append((char) c);
			}
		}
		return line.toString();
	}

	private void skip(long count) throws IOException {
		long left = count;
		while (left > 0) {
			long skipped = this.in.skip(left);
			if (skipped <= 0) {
				if (this.in.read() < 0) {
					throw new EOFException("connection closed");
				}
				skipped = 1;
			}
			left -= skipped;
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

}
