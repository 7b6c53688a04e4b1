package dev.forker.it;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.forker.it.ForkerProcess.ServerJars;
import dev.forker.it.apps.extraconnector.ExtraConnectorApplication;
import dev.forker.it.apps.jettyextraconnector.JettyExtraConnectorApplication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A separate management port ({@code management.server.port}), the usual setup behind
 * Kubernetes probes, is served by every worker like the server port, on every server and
 * in both modes, with {@code management.server.address} and
 * {@code management.server.ssl.*} honoured. A port the workers cannot share fails the
 * start instead of turning into a crash loop.
 */
class ManagementPortIT {

	private static final String IPV4_MAPPED = "0000000000000000FFFF0000";

	@ParameterizedTest(name = "{0} in {1} mode, TLS on the management port: {2}")
	@CsvSource({ "sample-webmvc, shared, false", "sample-webmvc, reuseport, true", "sample-webflux, shared, true",
			"sample-webflux, reuseport, false", "sample-jetty, shared, true", "sample-jetty, reuseport, false" })
	void everyWorkerServesTheManagementPort(String sample, String mode, boolean tls) throws Exception {
		int managementPort = FreePorts.find();
		List<String> arguments = new ArrayList<>(
				List.of("--forker.workers=2", "--forker.mode=" + mode, "--management.server.port=" + managementPort,
						"--management.server.address=127.0.0.1", "--management.info.process.enabled=true"));
		if (tls) {
			for (String argument : SelfSignedCertificate.sslBundleArguments()) {
				arguments.add(argument.replace("--server.ssl.bundle=", "--management.server.ssl.bundle="));
			}
		}
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar(sample))
			.name(sample + "-" + mode + "-management-port")
			.args(arguments.toArray(String[]::new))
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			HttpProbe.Target management = new HttpProbe.Target(tls, InetAddress.getLoopbackAddress(), managementPort);
			Set<Long> pids = new HashSet<>();
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
				HttpProbe.Response info = HttpProbe.get(management, "/actuator/info");
				assertThat(info.status()).isEqualTo(200);
				pids.add(Json.parse(info.body()).at("/process/pid").asLong());
				assertThat(pids).as("workers answering on the management port" + forker.tail()).hasSize(2);
			});
			assertThat(pids).isEqualTo(new HashSet<>(forker.livePids(forker.startedPids())));
			HttpProbe.Response health = HttpProbe.get(management, "/actuator/health");
			assertThat(Json.parse(health.body()).at("/components/forker/status").asString()).isEqualTo("UP");
			assertThat(HttpProbe.get(forker.port(), "/actuator/health").status())
				.as("Actuator is on the management port only")
				.isEqualTo(404);
			assertThat(listeningAddresses(managementPort)).as("management.server.address is honoured")
				.containsExactly("0100007F");
			assertThat(forker.output()).doesNotContain("Restarting worker", "already in use");
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

	@ParameterizedTest(name = "{0}")
	@CsvSource({ "tomcat", "jetty" })
	void additionalConnectorFailsTheStartWithWhatToChange(String server) throws Exception {
		int extraPort = FreePorts.find();
		ForkerProcess.Builder builder = server.equals("jetty")
				? ForkerProcess.mainClass(JettyExtraConnectorApplication.class, ServerJars.TOMCAT)
				: ForkerProcess.mainClass(ExtraConnectorApplication.class);
		try (ForkerProcess forker = builder.name(server + "-extra-connector")
			.args("--forker.enabled=true", "--forker.workers=2", "--extra.port=" + extraPort)
			.start()) {
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).as("exit code" + forker.tail()).isEqualTo(1);
			String output = forker.output();
			assertThat(output).contains("No worker has been ready yet, so the application cannot start",
					"APPLICATION FAILED TO START", "forker cannot share port " + extraPort,
					"an additional Tomcat or Jetty connector");
			if (server.equals("jetty")) {
				assertThat(output).as("the application runs on Jetty").contains("JettyServletWebServerFactory");
			}
			assertThat(output).doesNotContain("Restarting worker");
			assertThat(forker.livePids(forker.startedPids())).isEmpty();
			assertThat(FreePorts.isFree(extraPort)).isTrue();
		}
	}

	/**
	 * Return the local addresses, as in {@code /proc/net/tcp} (an IPv4 address as
	 * {@code 0100007F}), of the listening TCP sockets on a port.
	 */
	private static Set<String> listeningAddresses(int port) throws IOException {
		Set<String> addresses = new HashSet<>();
		String portHex = String.format(Locale.ROOT, "%04X", port);
		for (String file : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
			for (String line : Files.readAllLines(Path.of(file))) {
				String[] fields = line.trim().split("\\s+");
				if (fields.length > 3 && fields[1].endsWith(":" + portHex) && fields[3].equals("0A")) {
					String address = fields[1].substring(0, fields[1].indexOf(':'));
					// An IPv6 socket bound to an IPv4-mapped address is bound to that
					// IPv4
					// address
					addresses.add(address.startsWith(IPV4_MAPPED) ? address.substring(IPV4_MAPPED.length()) : address);
				}
			}
		}
		return addresses;
	}

}
