package dev.forker.it;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * systemd socket activation, under Debian's {@code systemd-socket-activate}, which opens
 * the listening socket, waits for a first connection, then executes the master with the
 * socket as descriptor 3 ({@code LISTEN_FDS=1}). The master serves that socket through
 * its workers and opens none of its own.
 */
class SocketActivationIT {

	private static final String ACTIVATE = "/usr/bin/systemd-socket-activate";

	@Test
	void workersServeTheSocketSystemdPassedAndNoOtherListens() throws Exception {
		int port = FreePorts.find();
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("socket-activation")
			.port(port)
			.wrappedIn(ACTIVATE, "-l", "127.0.0.1:" + port)
			.args("--forker.workers=2")
			.start()) {
			forker.awaitOutput("Listening on 127.0.0.1:" + port, Duration.ofSeconds(10));
			// The first connection starts the service and waits in the socket's queue
			// until a worker serves it: a client sees a slow answer, not a refusal
			assertThat(firstRequest(port)).startsWith("HTTP/1.1 200").contains("\"worker\":");
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			assertThat(forker.output())
				.contains("Serving the listening sockets systemd passed (LISTEN_FDS=1: 127.0.0.1:" + port
						+ " (fd 3)) as [server.port " + port + "]: the master opens no socket of its own");
			assertThat(forker.awaitDistinctWorkers(2, Duration.ofSeconds(30))).hasSize(2);
			assertThat(listeningInodes(port)).as("listening sockets on port " + port).hasSize(1);
			for (long worker : forker.startedPids()) {
				assertThat(environment(worker)).as("environment of worker " + worker)
					.doesNotContain("LISTEN_FDS=")
					.doesNotContain("LISTEN_PID=");
			}
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

	@Test
	void aSocketForAnotherPortFailsTheStartWithTheFix() throws Exception {
		int port = FreePorts.find();
		int other = FreePorts.find();
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
			.name("socket-activation-mismatch")
			.port(port)
			.wrappedIn(ACTIVATE, "-l", "127.0.0.1:" + other)
			.args("--forker.workers=2")
			.start()) {
			forker.awaitOutput("Listening on 127.0.0.1:" + other, Duration.ofSeconds(10));
			try (Socket trigger = new Socket()) {
				trigger.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), other), 5000);
				assertThat(forker.awaitExit(Duration.ofSeconds(60))).isNotZero();
			}
			assertThat(forker.output()).contains("APPLICATION FAILED TO START")
				.contains("systemd passed a listening socket on 127.0.0.1:" + other + " (fd 3)")
				.contains("Set server.port (or the property of another port) to " + other)
				.doesNotContain("Started worker");
		}
	}

	private static String firstRequest(int port) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5000);
			socket.setSoTimeout(120_000);
			OutputStream out = socket.getOutputStream();
			out.write(("GET /worker HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
				.getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
	}

	/**
	 * Return the inodes of the sockets listening on a TCP port, from {@code /proc/net}.
	 */
	private static Set<String> listeningInodes(int port) throws IOException {
		String local = ":" + String.format(Locale.ROOT, "%04X", port);
		Set<String> inodes = new HashSet<>();
		for (String table : new String[] { "/proc/net/tcp", "/proc/net/tcp6" }) {
			for (String line : Files.readAllLines(Path.of(table))
				.subList(1, Files.readAllLines(Path.of(table)).size())) {
				String[] fields = line.trim().split("\\s+");
				if (fields[1].endsWith(local) && fields[3].equals("0A")) {
					inodes.add(fields[9]);
				}
			}
		}
		return inodes;
	}

	private static String environment(long pid) throws IOException {
		return Files.readString(Path.of("/proc", Long.toString(pid), "environ")).replace('\0', '\n');
	}

}
