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
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every web server (Tomcat, Jetty, Reactor Netty) in both modes (reuseport, shared), each
 * combination one started master that all its tests share, set up as production runs it:
 * HTTPS on the server port, every worker terminating TLS itself; the server bound to one
 * address, IPv4 or IPv6 ({@code server.address}); and a separate management port
 * ({@code management.server.port}, the usual setup behind Kubernetes probes) bound to
 * {@code 127.0.0.1}, over TLS on half of them ({@code management.server.ssl.*}), served
 * by every worker like the server port. {@link AddressFamiliesIT} has the other
 * addresses, {@link ManagementPortIT} the management ports a worker cannot share.
 */
class ServerModeTlsIT {

	private static final String IPV4_MAPPED = "0000000000000000FFFF0000";

	@Nested
	class TomcatReusePort extends Combination {

		TomcatReusePort() {
			super("sample-webmvc", "reuseport", SelfSignedCertificate.serverSslArguments(), "127.0.0.1", true);
		}

	}

	@Nested
	class TomcatShared extends Combination {

		TomcatShared() {
			super("sample-webmvc", "shared", SelfSignedCertificate.sslBundleArguments(), "::1", false);
		}

	}

	@Nested
	class JettyReusePort extends Combination {

		JettyReusePort() {
			super("sample-jetty", "reuseport", SelfSignedCertificate.serverSslArguments(), "::1", false);
		}

	}

	@Nested
	class JettyShared extends Combination {

		JettyShared() {
			super("sample-jetty", "shared", SelfSignedCertificate.sslBundleArguments(), "::1", true);
		}

	}

	@Nested
	class NettyReusePort extends Combination {

		NettyReusePort() {
			super("sample-webflux", "reuseport", SelfSignedCertificate.sslBundleArguments(), "::1", false);
		}

	}

	@Nested
	class NettyShared extends Combination {

		NettyShared() {
			super("sample-webflux", "shared", SelfSignedCertificate.serverSslArguments(), "127.0.0.1", true);
		}

	}

	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
	abstract static class Combination {

		private final String sample;

		private final String mode;

		private final String[] sslArguments;

		private final InetAddress address;

		private final boolean managementTls;

		private ForkerProcess forker;

		private HttpProbe.Target https;

		private HttpProbe.Target management;

		Combination(String sample, String mode, String[] sslArguments, String address, boolean managementTls) {
			this.sample = sample;
			this.mode = mode;
			this.sslArguments = sslArguments;
			try {
				this.address = InetAddress.getByName(address);
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
			this.managementTls = managementTls;
		}

		@BeforeAll
		void start() throws IOException {
			int managementPort = FreePorts.find();
			List<String> arguments = new ArrayList<>(List.of("--forker.workers=2", "--forker.mode=" + this.mode,
					"--forker.restart.initial-backoff=100ms", "--server.address=" + this.address.getHostAddress(),
					"--management.server.port=" + managementPort, "--management.server.address=127.0.0.1",
					"--management.info.process.enabled=true"));
			arguments.addAll(List.of(this.sslArguments));
			if (this.managementTls) {
				for (String argument : SelfSignedCertificate.sslBundleArguments()) {
					String management = argument.replace("--server.ssl.bundle=", "--management.server.ssl.bundle=");
					if (!arguments.contains(management)) {
						arguments.add(management);
					}
				}
			}
			else {
				// The management server takes the server's SSL settings unless told not
				// to
				arguments.add("--management.server.ssl.enabled=false");
			}
			this.forker = ForkerProcess.jar(ForkerProcess.sampleJar(this.sample))
				.name(this.sample + "-" + this.mode + "-tls")
				.args(arguments.toArray(String[]::new))
				.start();
			this.forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			this.https = new HttpProbe.Target(true, this.address, this.forker.port());
			this.management = new HttpProbe.Target(this.managementTls, InetAddress.getLoopbackAddress(),
					managementPort);
		}

		@AfterAll
		void stop() {
			if (this.forker != null) {
				this.forker.close();
			}
		}

		@Test
		@Order(1)
		void distinctWorkersAnswerOverHttpsOnOnePortOfTheConfiguredAddress() throws IOException {
			Map<Long, WorkerAnswer> answers = this.forker.awaitDistinctWorkers(this.https, 2, Duration.ofSeconds(30));
			assertThat(answers.values()).extracting(WorkerAnswer::worker).containsExactlyInAnyOrder(1, 2);
			// Jetty names the protocols of its connector, the others the scheme
			String startedOverTls = this.sample.equals("sample-jetty") ? "(ssl, http/1.1)" : "(https)";
			assertThat(this.forker.output()).contains("(" + this.mode + " mode)").contains(startedOverTls);
			InetAddress other = InetAddress.getByName((this.address.getAddress().length == 4) ? "::1" : "127.0.0.1");
			assertThat(HttpProbe.worker(new HttpProbe.Target(true, other, this.forker.port())))
				.as("not served on " + other)
				.isEmpty();
			HttpProbe.Response status = HttpProbe.get(this.management, "/actuator/forker");
			assertThat(status.status()).isEqualTo(200);
			assertThat(Json.parse(status.body()).at("/master/mode").asString()).isEqualTo(this.mode);
			assertThat(Json.parse(status.body()).get("workers")).hasSize(2);
		}

		@Test
		@Order(2)
		void everyWorkerServesTheManagementPort() throws IOException {
			Set<Long> pids = new HashSet<>();
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
				HttpProbe.Response info = HttpProbe.get(this.management, "/actuator/info");
				assertThat(info.status()).isEqualTo(200);
				pids.add(Json.parse(info.body()).at("/process/pid").asLong());
				assertThat(pids).as("workers answering on the management port" + this.forker.tail()).hasSize(2);
			});
			assertThat(pids).isEqualTo(new HashSet<>(this.forker.livePids(this.forker.startedPids())));
			HttpProbe.Response health = HttpProbe.get(this.management, "/actuator/health");
			assertThat(Json.parse(health.body()).at("/components/forker/status").asString()).isEqualTo("UP");
			assertThat(HttpProbe.get(this.https, "/actuator/health").status())
				.as("Actuator is on the management port only")
				.isEqualTo(404);
			assertThat(listeningAddresses(this.management.port())).as("management.server.address is honoured")
				.containsExactly("0100007F");
			assertThat(this.forker.output()).doesNotContain("Restarting worker", "already in use");
		}

		@Test
		@Order(3)
		void workersInheritNoOtherDescriptorOfTheMaster() throws IOException {
			Set<String> masterSockets = sockets(this.forker.pid());
			// shared mode: the server port's socket and the management port's
			int sharedSockets = this.mode.equals("shared") ? 2 : 0;
			for (long worker : this.forker.livePids(this.forker.startedPids())) {
				Set<String> shared = new HashSet<>(sockets(worker));
				shared.retainAll(masterSockets);
				Path descriptors = Path.of("/proc", Long.toString(worker), "fd");
				assertThat(Files.readSymbolicLink(descriptors.resolve("0"))).as("standard input of worker %d", worker)
					.isEqualTo(Path.of("/dev/null"));
				assertThat(shared).as("sockets worker %d shares with its master", worker).hasSize(sharedSockets);
				for (int fd = 3; fd < 3 + sharedSockets; fd++) {
					assertThat(Files.readSymbolicLink(descriptors.resolve(Integer.toString(fd))).toString())
						.isIn(shared);
				}
			}
		}

		@Test
		@Order(4)
		void killedWorkerIsReplacedWhileTheOtherKeepsServing() throws Exception {
			Map<Long, WorkerAnswer> before = this.forker.awaitDistinctWorkers(this.https, 2, Duration.ofSeconds(30));
			long victim = before.entrySet()
				.stream()
				.filter((entry) -> entry.getValue().worker() == 2)
				.findFirst()
				.orElseThrow()
				.getKey();
			ForkerProcess.signal(victim, "KILL");
			this.forker.awaitOutput("Worker 2 (pid " + victim + ") exited unexpectedly with signal 9 (SIGKILL)",
					Duration.ofSeconds(10));
			Optional<Long> replacement = Optional.empty();
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			while (replacement.isEmpty() && System.nanoTime() < deadline) {
				WorkerAnswer answer = HttpProbe.worker(this.https)
					.orElseThrow(() -> new AssertionError(
							"A request failed while worker 2 was being replaced" + this.forker.tail()));
				assertThat(answer.pid()).isNotEqualTo(victim);
				if (answer.worker() == 2) {
					replacement = Optional.of(answer.pid());
				}
			}
			assertThat(replacement).as("a new worker 2 answers" + this.forker.tail()).isPresent();
		}

		@Test
		@Order(5)
		void sigtermStopsEverything() throws Exception {
			Set<Long> workers = this.forker.startedPids();
			this.forker.signal("TERM");
			assertThat(this.forker.awaitExit(Duration.ofSeconds(60))).as("exit code" + this.forker.tail()).isZero();
			assertThat(this.forker.livePids(workers)).isEmpty();
			assertThat(this.forker.output()).contains("Graceful shutdown complete");
			await().atMost(Duration.ofSeconds(5)).until(() -> FreePorts.isFree(this.forker.port()));
			this.forker.assertNoErrorsLogged();
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
						// IPv4 address
						addresses
							.add(address.startsWith(IPV4_MAPPED) ? address.substring(IPV4_MAPPED.length()) : address);
					}
				}
			}
			return addresses;
		}

		private static Set<String> sockets(long pid) throws IOException {
			Set<String> sockets = new HashSet<>();
			try (Stream<Path> descriptors = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
				for (Path descriptor : descriptors.toList()) {
					try {
						String target = Files.readSymbolicLink(descriptor).toString();
						if (target.startsWith("socket:")) {
							sockets.add(target);
						}
					}
					catch (IOException ex) {
						// closed meanwhile
					}
				}
			}
			return sockets;
		}

	}

}
