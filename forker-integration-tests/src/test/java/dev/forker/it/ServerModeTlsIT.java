package dev.forker.it;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
 * serving HTTPS: every worker terminates TLS itself. Each combination shares one started
 * master across its tests.
 */
class ServerModeTlsIT {

	@Nested
	class TomcatReusePort extends Combination {

		TomcatReusePort() {
			super("sample-webmvc", "reuseport", SelfSignedCertificate.serverSslArguments());
		}

	}

	@Nested
	class TomcatShared extends Combination {

		TomcatShared() {
			super("sample-webmvc", "shared", SelfSignedCertificate.sslBundleArguments());
		}

	}

	@Nested
	class JettyReusePort extends Combination {

		JettyReusePort() {
			super("sample-jetty", "reuseport", SelfSignedCertificate.serverSslArguments());
		}

	}

	@Nested
	class JettyShared extends Combination {

		JettyShared() {
			super("sample-jetty", "shared", SelfSignedCertificate.sslBundleArguments());
		}

	}

	@Nested
	class NettyReusePort extends Combination {

		NettyReusePort() {
			super("sample-webflux", "reuseport", SelfSignedCertificate.sslBundleArguments());
		}

	}

	@Nested
	class NettyShared extends Combination {

		NettyShared() {
			super("sample-webflux", "shared", SelfSignedCertificate.serverSslArguments());
		}

	}

	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
	abstract static class Combination {

		private final String sample;

		private final String mode;

		private final String[] sslArguments;

		private ForkerProcess forker;

		private HttpProbe.Target https;

		Combination(String sample, String mode, String[] sslArguments) {
			this.sample = sample;
			this.mode = mode;
			this.sslArguments = sslArguments;
		}

		@BeforeAll
		void start() throws IOException {
			List<String> arguments = new ArrayList<>(List.of("--forker.workers=2", "--forker.mode=" + this.mode,
					"--forker.restart.initial-backoff=100ms"));
			arguments.addAll(List.of(this.sslArguments));
			this.forker = ForkerProcess.jar(ForkerProcess.sampleJar(this.sample))
				.name(this.sample + "-" + this.mode + "-tls")
				.args(arguments.toArray(String[]::new))
				.start();
			this.forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			this.https = new HttpProbe.Target(true, InetAddress.getLoopbackAddress(), this.forker.port());
		}

		@AfterAll
		void stop() {
			if (this.forker != null) {
				this.forker.close();
			}
		}

		@Test
		@Order(1)
		void distinctWorkersAnswerOverHttpsOnOnePort() throws IOException {
			Map<Long, WorkerAnswer> answers = this.forker.awaitDistinctWorkers(this.https, 2, Duration.ofSeconds(30));
			assertThat(answers.values()).extracting(WorkerAnswer::worker).containsExactlyInAnyOrder(1, 2);
			// Jetty names the protocols of its connector, the others the scheme
			String startedOverTls = this.sample.equals("sample-jetty") ? "(ssl, http/1.1)" : "(https)";
			assertThat(this.forker.output()).contains("(" + this.mode + " mode)").contains(startedOverTls);
			HttpProbe.Response status = HttpProbe.get(this.https, "/actuator/forker");
			assertThat(status.status()).isEqualTo(200);
			assertThat(Json.parse(status.body()).at("/master/mode").asString()).isEqualTo(this.mode);
			assertThat(Json.parse(status.body()).get("workers")).hasSize(2);
		}

		@Test
		@Order(2)
		void workersInheritNoOtherDescriptorOfTheMaster() throws IOException {
			Set<String> masterSockets = sockets(this.forker.pid());
			for (long worker : this.forker.livePids(this.forker.startedPids())) {
				Set<String> shared = new HashSet<>(sockets(worker));
				shared.retainAll(masterSockets);
				Path descriptors = Path.of("/proc", Long.toString(worker), "fd");
				assertThat(Files.readSymbolicLink(descriptors.resolve("0"))).as("standard input of worker %d", worker)
					.isEqualTo(Path.of("/dev/null"));
				if (this.mode.equals("shared")) {
					assertThat(shared).as("sockets worker %d shares with its master", worker).hasSize(1);
					assertThat(Files.readSymbolicLink(descriptors.resolve("3")).toString())
						.isEqualTo(shared.iterator().next());
				}
				else {
					assertThat(shared).as("sockets worker %d shares with its master", worker).isEmpty();
				}
			}
		}

		@Test
		@Order(3)
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
		@Order(4)
		void sigtermStopsEverything() throws Exception {
			Set<Long> workers = this.forker.startedPids();
			this.forker.signal("TERM");
			assertThat(this.forker.awaitExit(Duration.ofSeconds(60))).as("exit code" + this.forker.tail()).isZero();
			assertThat(this.forker.livePids(workers)).isEmpty();
			assertThat(this.forker.output()).contains("Graceful shutdown complete");
			await().atMost(Duration.ofSeconds(5)).until(() -> FreePorts.isFree(this.forker.port()));
			this.forker.assertNoErrorsLogged();
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
