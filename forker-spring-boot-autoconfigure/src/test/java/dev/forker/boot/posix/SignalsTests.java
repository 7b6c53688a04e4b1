package dev.forker.boot.posix;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Tests for {@link Signals}: a JVM started with {@code SIGHUP} and {@code SIGINT}
 * ignored, as under {@code nohup} or in the background of a shell without job control,
 * still handles them.
 */
class SignalsTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	@Test
	void handlesSignalsThatWereIgnoredWhenTheProcessStarted() throws Exception {
		assumeThat(Files.isExecutable(Path.of("/bin/sh"))).isTrue();
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		// The shell ignores both, then replaces itself with the JVM, which inherits that
		Process process = new ProcessBuilder("/bin/sh", "-c", "trap '' HUP INT; exec \"$@\"", "sh", java, "-cp",
				System.getProperty("java.class.path"), SignalsTests.class.getName() + "$IgnoredAtStart")
			.redirectErrorStream(true)
			.start();
		try {
			BlockingQueue<String> lines = lines(process);
			assertThat(lines.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("installed, unhandled: []");
			for (String name : List.of("HUP", "INT", "HUP")) {
				kill(process.pid(), name);
				assertThat(lines.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo("received " + name);
			}
			assertThat(process.isAlive()).isTrue();
		}
		finally {
			process.destroyForcibly().waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
		}
	}

	private static BlockingQueue<String> lines(Process process) {
		BlockingQueue<String> lines = new LinkedBlockingQueue<>();
		Thread reader = new Thread(() -> {
			try (BufferedReader in = new BufferedReader(
					new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
				for (String line = in.readLine(); line != null; line = in.readLine()) {
					if (line.startsWith("installed") || line.startsWith("received")) {
						lines.add(line);
					}
				}
			}
			catch (IOException ex) {
				// the process ended
			}
		}, "signals-test-output");
		reader.setDaemon(true);
		reader.start();
		return lines;
	}

	private static void kill(long pid, String signal) throws Exception {
		Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
		assertThat(kill.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
		assertThat(kill.exitValue()).isZero();
	}

	/**
	 * The process under test: installs the handlers and prints what it receives.
	 */
	static final class IgnoredAtStart {

		public static void main(String[] args) throws InterruptedException {
			List<String> unhandled = Signals.install((name) -> {
				System.out.println("received " + name);
				System.out.flush();
			}, "HUP", "INT");
			System.out.println("installed, unhandled: " + unhandled);
			System.out.flush();
			Thread.sleep(TIMEOUT.toMillis());
		}

	}

}
