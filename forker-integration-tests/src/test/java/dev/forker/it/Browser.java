package dev.forker.it;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A browser's cookie jar over plain HTTP/1.1, with every request on a new connection, as
 * browsers and load balancers send requests between page loads: each may reach another
 * worker.
 */
final class Browser {

	private static final Pattern CSRF = Pattern.compile("name=\"_csrf\"[^>]*value=\"([^\"]+)\"");

	private final int port;

	private final Map<String, String> cookies = new LinkedHashMap<>();

	Browser(int port) {
		this.port = port;
	}

	Page get(String path) throws IOException {
		return exchange("GET", path, null);
	}

	/**
	 * Log in through Spring Security's form: its page first, for the CSRF token.
	 * @param username the user name
	 * @param password the password
	 * @return the answer to the login form
	 */
	Page logIn(String username, String password) throws IOException {
		Page form = get("/login");
		Matcher csrf = CSRF.matcher(form.body());
		if (form.status() != 200 || !csrf.find()) {
			throw new IOException("No login form with a CSRF token: " + form);
		}
		String body = "username=" + encode(username) + "&password=" + encode(password) + "&_csrf="
				+ encode(csrf.group(1));
		return exchange("POST", "/login", body);
	}

	Map<String, String> cookies() {
		return Map.copyOf(this.cookies);
	}

	private Page exchange(String method, String path, String form) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), this.port), 5000);
			socket.setSoTimeout(10_000);
			StringBuilder request = new StringBuilder();
			request.append(method).append(' ').append(path).append(" HTTP/1.1\r\n");
			request.append("Host: localhost:").append(this.port).append("\r\n");
			request.append("Connection: close\r\n");
			if (!this.cookies.isEmpty()) {
				List<String> pairs = new ArrayList<>();
				this.cookies.forEach((name, value) -> pairs.add(name + "=" + value));
				request.append("Cookie: ").append(String.join("; ", pairs)).append("\r\n");
			}
			byte[] body = (form != null) ? form.getBytes(StandardCharsets.UTF_8) : new byte[0];
			if (form != null) {
				request.append("Content-Type: application/x-www-form-urlencoded\r\n");
				request.append("Content-Length: ").append(body.length).append("\r\n");
			}
			request.append("\r\n");
			OutputStream out = socket.getOutputStream();
			out.write(request.toString().getBytes(StandardCharsets.US_ASCII));
			out.write(body);
			out.flush();
			String raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			int headerEnd = raw.indexOf("\r\n\r\n");
			if (!raw.startsWith("HTTP/1.1 ") || headerEnd < 0) {
				throw new IOException("Not an HTTP response: '" + raw + "'");
			}
			int status = Integer.parseInt(raw.substring(9, 12));
			String location = null;
			boolean chunked = false;
			for (String line : raw.substring(0, headerEnd).split("\r\n")) {
				String lowerCase = line.toLowerCase(Locale.ROOT);
				if (lowerCase.startsWith("set-cookie:")) {
					String cookie = line.substring("set-cookie:".length()).trim().split(";", 2)[0];
					int equals = cookie.indexOf('=');
					String name = cookie.substring(0, equals);
					String value = cookie.substring(equals + 1);
					if (value.isEmpty()) {
						this.cookies.remove(name);
					}
					else {
						this.cookies.put(name, value);
					}
				}
				else if (lowerCase.startsWith("location:")) {
					location = line.substring("location:".length()).trim();
				}
				else if (lowerCase.startsWith("transfer-encoding:") && lowerCase.contains("chunked")) {
					chunked = true;
				}
			}
			String content = raw.substring(headerEnd + 4);
			return new Page(status, location, chunked ? HttpProbe.dechunk(content) : content);
		}
	}

	private static String encode(String value) {
		return URLEncoder.encode(value, StandardCharsets.UTF_8);
	}

	record Page(int status, String location, String body) {
	}

}
