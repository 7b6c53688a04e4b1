package dev.forker.it;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.ManagedChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

import dev.forker.it.SharedDeployments.Deployment;
import dev.forker.it.SharedDeployments.Shared;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * In shared mode (the default) every worker takes its share of a burst of keep-alive
 * connections, such as a connection pool opening, on every server: the busiest worker
 * holds at most 1.25 times its fair share, burst after burst. Without balancing,
 * whichever worker runs first takes most of such a burst. {@code /actuator/forker} shows
 * each worker's open connections, and connection-per-request traffic still reaches every
 * worker.
 */
@ExtendWith(SharedDeployments.class)
class BalancedConnectionsIT {

	private static final int BURSTS = 3;

	private static final double MOST_OF_FAIR_SHARE = 1.25;

	@Test
	void onTomcat(@Shared(Deployment.WEBMVC) ForkerProcess forker) throws Exception {
		burstsOfKeepAliveConnectionsAreSharedEvenly(forker, "Tomcat", 2, new HttpOpener(forker.port()));
	}

	@Test
	void onJetty(@Shared(Deployment.JETTY) ForkerProcess forker) throws Exception {
		burstsOfKeepAliveConnectionsAreSharedEvenly(forker, "Jetty", 2, new HttpOpener(forker.port()));
	}

	@Test
	void onReactorNetty(@Shared(Deployment.WEBFLUX) ForkerProcess forker) throws Exception {
		burstsOfKeepAliveConnectionsAreSharedEvenly(forker, "Netty", 2, new HttpOpener(forker.port()));
	}

	@ParameterizedTest(name = "{0} with {2} workers")
	@CsvSource({ "gRPC, sample-grpc, 2", "Tomcat, sample-webmvc, 4" })
	void onADeploymentOfItsOwn(String server, String sample, int workers) throws Exception {
		int grpcPort = FreePorts.find();
		try (ForkerProcess forker = ForkerProcess.jar(ForkerProcess.sampleJar(sample))
			.name("balance-" + server.toLowerCase(Locale.ROOT) + "-" + workers)
			.args("--forker.workers=" + workers, "--spring.grpc.server.port=" + grpcPort,
					"--forker.worker.heartbeat-interval=500ms")
			.start()) {
			forker.awaitOutput("All " + workers + " workers are ready", Duration.ofSeconds(120));
			burstsOfKeepAliveConnectionsAreSharedEvenly(forker, server, workers,
					server.equals("gRPC") ? new GrpcOpener(grpcPort) : new HttpOpener(forker.port()));
		}
	}

	private void burstsOfKeepAliveConnectionsAreSharedEvenly(ForkerProcess forker, String server, int workers,
			Opener opener) throws Exception {
		int connections = 16 * workers;
		assertThat(forker.status().at("/master/mode").asString()).isEqualTo("shared");
		Collection<Long> pids = forker.awaitDistinctWorkers(workers, Duration.ofSeconds(30)).keySet();
		for (int burst = 1; burst <= BURSTS; burst++) {
			awaitNoOpenConnections(forker);
			List<Held> held = openAtOnce(opener, connections);
			try {
				Map<Long, Integer> perWorker = new TreeMap<>();
				held.forEach((connection) -> perWorker.merge(connection.pid(), 1, Integer::sum));
				System.out.println(server + ", " + workers + " workers, burst " + burst + " of " + connections
						+ " connections: " + perWorker.values());
				assertThat(perWorker.keySet()).as("workers holding connections").isSubsetOf(pids);
				assertThat(perWorker.values()).as("connections per worker, burst " + burst)
					.allSatisfy((count) -> assertThat(count)
						.isLessThanOrEqualTo((int) (MOST_OF_FAIR_SHARE * connections / workers)));
				assertStatusShows(forker, perWorker);
			}
			finally {
				for (Held connection : held) {
					connection.close();
				}
			}
		}
		if (!server.equals("gRPC")) {
			newConnectionPerRequestReachesEveryWorker(forker, pids);
		}
		forker.assertNoErrorsLogged();
	}

	private void awaitNoOpenConnections(ForkerProcess forker) {
		// The status request itself is a connection of one worker
		await().atMost(Duration.ofSeconds(20))
			.pollInterval(Duration.ofMillis(100))
			.until(() -> sumOfConnections(forker.status()) <= 1);
	}

	private void assertStatusShows(ForkerProcess forker, Map<Long, Integer> perWorker) {
		await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
			JsonNode status = forker.status();
			for (JsonNode worker : status.get("workers")) {
				int expected = perWorker.getOrDefault(worker.get("pid").asLong(), 0);
				// give or take the status request itself
				assertThat(worker.get("connections").asInt()).as("connections of " + worker)
					.isBetween(expected, expected + 1);
			}
		});
	}

	private static int sumOfConnections(JsonNode status) {
		int sum = 0;
		for (JsonNode worker : status.get("workers")) {
			sum += worker.get("connections").asInt();
		}
		return sum;
	}

	private void newConnectionPerRequestReachesEveryWorker(ForkerProcess forker, Collection<Long> pids)
			throws Exception {
		int clients = 8;
		int requests = 50;
		ExecutorService executor = Executors.newFixedThreadPool(clients);
		try {
			List<Future<List<Long>>> futures = new ArrayList<>();
			for (int i = 0; i < clients; i++) {
				futures.add(executor.submit(() -> {
					List<Long> answered = new ArrayList<>();
					for (int request = 0; request < requests; request++) {
						answered.add(HttpProbe.worker(forker.port()).orElseThrow().pid());
					}
					return answered;
				}));
			}
			Map<Long, Integer> perWorker = new TreeMap<>();
			for (Future<List<Long>> future : futures) {
				future.get(60, TimeUnit.SECONDS).forEach((pid) -> perWorker.merge(pid, 1, Integer::sum));
			}
			System.out.println(pids.size() + " workers, " + (clients * requests)
					+ " requests on a new connection each: " + perWorker.values());
			assertThat(perWorker.keySet()).containsExactlyInAnyOrderElementsOf(pids);
		}
		finally {
			executor.shutdownNow();
		}
	}

	/**
	 * Open connections the way a pool does, all at once, and ask each which worker holds
	 * it.
	 */
	private static List<Held> openAtOnce(Opener opener, int count) throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(count);
		CountDownLatch start = new CountDownLatch(1);
		List<Future<Held>> futures = new ArrayList<>();
		List<Held> held = new ArrayList<>();
		try {
			for (int i = 0; i < count; i++) {
				futures.add(executor.submit(() -> {
					start.await();
					return opener.open();
				}));
			}
			start.countDown();
			for (Future<Held> future : futures) {
				held.add(future.get(60, TimeUnit.SECONDS));
			}
			return held;
		}
		catch (Exception ex) {
			for (Future<Held> future : futures) {
				if (future.isDone() && !future.isCancelled()) {
					try {
						future.get().close();
					}
					catch (Exception closeFailure) {
						ex.addSuppressed(closeFailure);
					}
				}
			}
			throw ex;
		}
		finally {
			executor.shutdownNow();
		}
	}

	private interface Opener {

		Held open() throws Exception;

	}

	private interface Held extends AutoCloseable {

		long pid();

		@Override
		void close();

	}

	private record HttpOpener(int port) implements Opener {

		@Override
		public Held open() throws Exception {
			KeepAliveConnection connection = new KeepAliveConnection(HttpProbe.Target.http(this.port),
					new AtomicLong());
			try {
				long pid = HttpProbe.parseWorker(connection.get("/worker")).orElseThrow().pid();
				// A second request on the same connection reaches the same worker
				assertThat(HttpProbe.parseWorker(connection.get("/worker")).orElseThrow().pid()).isEqualTo(pid);
				return new Held() {

					@Override
					public long pid() {
						return pid;
					}

					@Override
					public void close() {
						connection.close();
					}

				};
			}
			catch (Exception ex) {
				connection.close();
				throw ex;
			}
		}

	}

	private record GrpcOpener(int port) implements Opener {

		@Override
		public Held open() {
			ManagedChannel channel = GrpcClients.plaintext(this.port);
			try {
				long pid = GrpcClients.which(channel, "balance").getPid();
				return new Held() {

					@Override
					public long pid() {
						return pid;
					}

					@Override
					public void close() {
						GrpcClients.close(channel);
					}

				};
			}
			catch (RuntimeException ex) {
				GrpcClients.close(channel);
				throw ex;
			}
		}

	}

}
