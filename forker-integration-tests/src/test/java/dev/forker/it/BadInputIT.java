package dev.forker.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Bad configuration fails at start with a message that names the property, the value and
 * the fix, exits non-zero, and leaves no process and no bound port behind.
 */
class BadInputIT {

	static Stream<Arguments> invalidProperties() {
		return Stream.of(
				Arguments.of("--forker.workers=0", "forker.workers=0 is invalid: a master needs at least one worker",
						"Set forker.workers to a number from 1 to"),
				Arguments.of("--forker.workers=-3", "forker.workers=-3 is invalid", "Set forker.workers to a number"),
				Arguments.of("--forker.workers=100000", "forker.workers=100000 is invalid: every worker is a whole JVM",
						"Set forker.workers to a number from 1 to"),
				Arguments.of("--forker.shutdown-timeout=0s",
						"forker.shutdown-timeout=0s is invalid: it must be a positive duration",
						"Set forker.shutdown-timeout to a positive duration"),
				Arguments.of("--forker.restart.window=-5s",
						"forker.restart.window=-5s is invalid: it must be a positive duration",
						"Set forker.restart.window to a positive duration"),
				Arguments.of("--forker.mode=roundrobin", "Failed to bind properties under 'forker.mode'",
						"The following values are valid"),
				Arguments.of("--forker.workers=many", "Failed to bind properties under 'forker.workers'",
						"Update your application's configuration"));
	}

	@ParameterizedTest
	@MethodSource("invalidProperties")
	void invalidPropertyFailsClearly(String argument, String description, String action) throws Exception {
		assertFailsCleanly(ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc")).name("bad-input").args(argument),
				description, action);
	}

	@Test
	void portInUseFailsClearly() throws Exception {
		try (ServerSocket taken = new ServerSocket()) {
			taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
			int port = taken.getLocalPort();
			assertFailsCleanly(
					ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
						.name("port-in-use")
						.port(port)
						.args("--server.address=127.0.0.1"),
					"Port " + port + " on 127.0.0.1 is already in use",
					"Stop the process that listens on port " + port);
		}
	}

	@Test
	void platformWithoutReusePortFailsClearly() throws Exception {
		assertFailsCleanly(
				ForkerProcess.jar(ForkerProcess.sampleJar("sample-webmvc"))
					.name("windows")
					.jvmOption("-Dos.name=Windows Server 2022"),
				"prefork mode needs SO_REUSEPORT and POSIX process control, which this operating system "
						+ "(Windows Server 2022) does not have",
				"Run prefork mode on Linux or macOS, or set forker.enabled=false");
	}

	private void assertFailsCleanly(ForkerProcess.Builder builder, String description, String action) throws Exception {
		try (ForkerProcess forker = builder.start()) {
			int exitCode = forker.awaitExit(Duration.ofSeconds(60));
			String output = forker.output();
			assertThat(exitCode).as("exit code" + forker.tail()).isNotZero();
			assertThat(output).as("output").contains("APPLICATION FAILED TO START", description, action);
			assertThat(forker.startedWorkers()).isEmpty();
			assertThat(processesWithArgument("--server.port=" + forker.port())).isEmpty();
			if (!output.contains("already in use")) {
				assertThat(FreePorts.isFree(forker.port())).isTrue();
			}
		}
	}

	private static List<Long> processesWithArgument(String argument) throws IOException {
		List<Long> pids = new ArrayList<>();
		try (Stream<Path> entries = Files.list(Path.of("/proc"))) {
			for (Path entry : entries.toList()) {
				String name = entry.getFileName().toString();
				if (name.chars().allMatch(Character::isDigit)) {
					try {
						String cmdline = Files.readString(entry.resolve("cmdline")).replace('\0', ' ');
						if (cmdline.contains(argument) && ForkerProcess.isRunning(Long.parseLong(name))) {
							pids.add(Long.parseLong(name));
						}
					}
					catch (IOException ex) {
						// gone meanwhile
					}
				}
			}
		}
		return pids;
	}

}
