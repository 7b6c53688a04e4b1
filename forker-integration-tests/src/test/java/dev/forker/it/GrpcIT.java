package dev.forker.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.grpc.Context;
import io.grpc.Context.CancellableContext;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

import dev.forker.it.GrpcClients.UnaryLoad;
import dev.forker.sample.grpc.proto.WatchRequest;
import dev.forker.sample.grpc.proto.WorkerReply;
import dev.forker.sample.grpc.proto.WorkerServiceGrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gRPC sample (Spring Boot's gRPC server on grpc-java's Netty, next to Spring MVC on
 * Tomcat) with 2 workers: both ports are served by every worker, in both modes and with
 * TLS; each worker's health service answers for itself; a stopping worker lets its
 * streams finish; clients with grpc-java's standard channel lose no unary call during a
 * rolling restart; and gRPC served by the servlet container on the HTTP port needs
 * nothing more.
 */
class GrpcIT {

	private static final int CLIENTS = 8;

	private static final long MAX_CALLS = 1_000_000;

	@Test
	void sharedModeServesBothPortsAndLosesNoCallDuringARollingRestart() throws Exception {
		int grpcPort = FreePorts.find();
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-grpc"))
			.name("grpc-shared")
			.args("--forker.workers=2", "--forker.mode=shared", "--spring.grpc.server.port=" + grpcPort,
					"--forker.restart.initial-backoff=100ms")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			assertThat(forker.output()).contains("spring.grpc.server.port " + grpcPort);
			Set<Long> httpWorkers = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30)).keySet();
			Map<Long, WorkerReply> grpcWorkers = GrpcClients.awaitDistinctWorkers(() -> GrpcClients.plaintext(grpcPort),
					2, Duration.ofSeconds(30));
			assertThat(grpcWorkers.keySet()).isEqualTo(httpWorkers).isEqualTo(forker.startedPids());
			ManagedChannel channel = GrpcClients.plaintext(grpcPort);
			try {
				assertThat(
						HealthGrpc.newBlockingStub(channel).check(HealthCheckRequest.getDefaultInstance()).getStatus())
					.isEqualTo(ServingStatus.SERVING);
				assertThat(listServices(channel)).contains("forker.sample.WorkerService", "grpc.health.v1.Health");
				streamFinishesWhileItsWorkerStops(forker, channel);
			}
			finally {
				GrpcClients.close(channel);
			}
			Set<Long> beforeRollingRestart = GrpcClients
				.awaitDistinctWorkers(() -> GrpcClients.plaintext(grpcPort), 2, Duration.ofSeconds(60))
				.keySet();
			UnaryLoad load;
			try (UnaryLoad calls = UnaryLoad.start(() -> GrpcClients.plaintext(grpcPort), CLIENTS, 2, MAX_CALLS)) {
				load = calls;
				calls.awaitCalls(500);
				forker.signal("HUP");
				await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
					assertThat(forker.output()).contains("Rolling restart of 2 workers (SIGHUP)");
					assertThat(forker.livePids(beforeRollingRestart)).isEmpty();
				});
				Set<Long> after = forker.livePids(forker.startedPids());
				assertThat(after).hasSize(2).doesNotContainAnyElementsOf(beforeRollingRestart);
				calls.awaitCalls(calls.succeeded() + 500);
				await().atMost(Duration.ofSeconds(30))
					.untilAsserted(() -> assertThat(calls.pids()).as("the clients' channels moved to the new workers")
						.containsAnyElementsOf(after));
			}
			report("shared mode, rolling restart: unary calls on " + CLIENTS + " channels: " + load);
			assertThat(load.failed()).as("unary calls lost during the rolling restart: " + load).isZero();
			assertThat(load.succeeded()).isGreaterThan(1000);
			forker.awaitDistinctWorkers(2, Duration.ofSeconds(30));
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

	/**
	 * Stop the worker that serves a stream: it sends {@code GOAWAY}, says it no longer
	 * serves, and gives the stream time to finish.
	 */
	private void streamFinishesWhileItsWorkerStops(ForkerProcess forker, ManagedChannel channel) throws Exception {
		Iterator<WorkerReply> stream = WorkerServiceGrpc.newBlockingStub(channel)
			.watch(WatchRequest.newBuilder().setCount(30).setIntervalMillis(100).build());
		WorkerReply first = stream.next();
		long pid = first.getPid();
		List<ServingStatus> health = new ArrayList<>();
		CancellableContext watching = Context.current().withCancellation();
		watching.run(() -> HealthGrpc.newStub(channel)
			.watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {

				@Override
				public void onNext(io.grpc.health.v1.HealthCheckResponse response) {
					synchronized (health) {
						health.add(response.getStatus());
					}
				}

				@Override
				public void onError(Throwable error) {
				}

				@Override
				public void onCompleted() {
				}

			}));
		await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
			synchronized (health) {
				assertThat(health).contains(ServingStatus.SERVING);
			}
		});
		ForkerProcess.signal(pid, "TERM");
		List<Integer> sequence = new ArrayList<>();
		sequence.add(first.getSequence());
		stream.forEachRemaining((reply) -> {
			assertThat(reply.getPid()).isEqualTo(pid);
			sequence.add(reply.getSequence());
		});
		assertThat(sequence).as("the stream got every answer of the stopping worker").hasSize(30).endsWith(30);
		synchronized (health) {
			assertThat(health).as("the stopping worker said it no longer serves").endsWith(ServingStatus.NOT_SERVING);
		}
		// The worker waits for every call to end, this one too
		watching.cancel(null);
		await().atMost(Duration.ofSeconds(30)).until(() -> !ForkerProcess.isRunning(pid));
		forker.awaitOutput("Restarting worker", Duration.ofSeconds(30));
	}

	@Test
	void reuseportModeServesBothPortsThroughARollingRestart() throws Exception {
		int grpcPort = FreePorts.find();
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-grpc"))
			.name("grpc-reuseport")
			.args("--forker.workers=2", "--forker.mode=reuseport", "--spring.grpc.server.port=" + grpcPort)
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			Set<Long> httpWorkers = forker.awaitDistinctWorkers(2, Duration.ofSeconds(30)).keySet();
			Map<Long, WorkerReply> grpcWorkers = GrpcClients.awaitDistinctWorkers(() -> GrpcClients.plaintext(grpcPort),
					2, Duration.ofSeconds(30));
			assertThat(grpcWorkers.keySet()).isEqualTo(httpWorkers);
			// Each worker has a listening socket of its own: connections waiting in the
			// accept queue of a stopping worker are reset, so losses are reported here,
			// not
			// asserted
			UnaryLoad load;
			try (UnaryLoad calls = UnaryLoad.start(() -> GrpcClients.plaintext(grpcPort), CLIENTS, 2, MAX_CALLS)) {
				load = calls;
				calls.awaitCalls(500);
				forker.signal("HUP");
				await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
					assertThat(forker.output()).contains("Rolling restart of 2 workers (SIGHUP)");
					assertThat(forker.livePids(grpcWorkers.keySet())).isEmpty();
				});
				calls.awaitCalls(calls.succeeded() + 500);
			}
			report("reuseport mode, rolling restart: unary calls on " + CLIENTS + " channels: " + load);
			assertThat(load.succeeded()).isGreaterThan(1000);
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

	@Test
	void tlsThroughSpringBootsSslBundles() throws Exception {
		int grpcPort = FreePorts.find();
		Path keyStore = SelfSignedCertificate.keyStore();
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-grpc"))
			.name("grpc-tls")
			.args("--forker.workers=2", "--spring.grpc.server.port=" + grpcPort,
					"--spring.ssl.bundle.jks.grpc.keystore.location=file:" + keyStore,
					"--spring.ssl.bundle.jks.grpc.keystore.type=PKCS12",
					"--spring.ssl.bundle.jks.grpc.keystore.password=" + SelfSignedCertificate.PASSWORD,
					"--spring.grpc.server.ssl.bundle=grpc")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			Map<Long, WorkerReply> workers = GrpcClients.awaitDistinctWorkers(() -> GrpcClients.tls(grpcPort), 2,
					Duration.ofSeconds(30));
			assertThat(workers.keySet()).isEqualTo(forker.startedPids());
			ManagedChannel plaintext = GrpcClients.plaintext(grpcPort);
			try {
				assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> GrpcClients.which(plaintext, "x")))
					.as("the port speaks TLS only")
					.isNotNull();
			}
			finally {
				GrpcClients.close(plaintext);
			}
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

	@Test
	void grpcThroughTheServletContainerOnTheHttpPort() throws Exception {
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar("sample-grpc"))
			.name("grpc-servlet")
			.args("--forker.workers=2", "--spring.grpc.server.servlet.enabled=true", "--server.http2.enabled=true")
			.start()) {
			forker.awaitOutput("All 2 workers are ready", Duration.ofSeconds(90));
			assertThat(forker.output()).as("no port of its own for gRPC")
				.doesNotContain("spring.grpc.server.port")
				.doesNotContain("gRPC Server started");
			Map<Long, WorkerReply> workers = GrpcClients
				.awaitDistinctWorkers(() -> GrpcClients.plaintext(forker.port()), 2, Duration.ofSeconds(30));
			assertThat(workers.keySet()).isEqualTo(forker.startedPids());
			forker.signal("TERM");
			assertThat(forker.awaitExit(Duration.ofSeconds(60))).isZero();
			forker.assertNoErrorsLogged();
		}
	}

	private static List<String> listServices(ManagedChannel channel) {
		List<String> services = new ArrayList<>();
		Object done = new Object();
		boolean[] finished = { false };
		StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc.newStub(channel)
			.serverReflectionInfo(new StreamObserver<>() {

				@Override
				public void onNext(ServerReflectionResponse response) {
					synchronized (services) {
						response.getListServicesResponse()
							.getServiceList()
							.stream()
							.map(ServiceResponse::getName)
							.forEach(services::add);
					}
				}

				@Override
				public void onError(Throwable error) {
					finish();
				}

				@Override
				public void onCompleted() {
					finish();
				}

				private void finish() {
					synchronized (done) {
						finished[0] = true;
					}
				}

			});
		requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
		requests.onCompleted();
		await().atMost(Duration.ofSeconds(10)).until(() -> {
			synchronized (done) {
				return finished[0];
			}
		});
		synchronized (services) {
			return List.copyOf(services);
		}
	}

	private static void report(String line) throws IOException {
		System.out.println("sample-grpc " + line);
		Path report = Path.of(System.getProperty("forker.it.log-dir", "target/it-logs"))
			.resolveSibling("restart-under-load.txt");
		Files.writeString(report, "sample-grpc " + line + System.lineSeparator(), StandardOpenOption.CREATE,
				StandardOpenOption.APPEND);
	}

}
