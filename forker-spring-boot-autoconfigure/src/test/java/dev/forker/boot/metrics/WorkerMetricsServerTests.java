package dev.forker.boot.metrics;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link WorkerMetricsServer} and {@link SiblingRequests}.
 */
class WorkerMetricsServerTests {

	@TempDir
	Path directory;

	private final AtomicInteger scrapes = new AtomicInteger();

	private WorkerMetricsServer server;

	@BeforeEach
	void start() {
		this.server = new WorkerMetricsServer(this.directory.resolve("metrics-7.sock"), () -> {
			this.scrapes.incrementAndGet();
			return SnapshotCodecTests.everyKind();
		});
		this.server.start();
	}

	@AfterEach
	void stop() {
		this.server.stop();
	}

	@Test
	void answersEveryRequestWithTheWorkersOwnSnapshots() throws IOException {
		for (int i = 0; i < 3; i++) {
			Map<Integer, byte[]> answers = ask(Map.of(7, this.server.getSocket()), 5);
			List<MetricSnapshot> snapshots = SnapshotCodec.decode(answers.get(7));
			assertThat(SnapshotCodecTests.openMetrics(new MetricSnapshots(snapshots)))
				.isEqualTo(SnapshotCodecTests.openMetrics(SnapshotCodecTests.everyKind()));
		}
		assertThat(this.scrapes).hasValue(3);
	}

	@Test
	void aSiblingThatNeverAsksDoesNotHoldUpTheOthers() throws IOException {
		try (SocketChannel silent = SocketChannel.open(StandardProtocolFamily.UNIX)) {
			silent.connect(UnixDomainSocketAddress.of(this.server.getSocket()));
			assertThat(ask(Map.of(7, this.server.getSocket()), 5)).containsKey(7);
		}
	}

	@Test
	void unknownSocketsAndStoppedServersGiveNoAnswer() throws IOException {
		Path missing = this.directory.resolve("metrics-8.sock");
		long start = System.nanoTime();
		assertThat(ask(Map.of(8, missing), 5)).isEmpty();
		assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
		this.server.stop();
		assertThat(this.server.getSocket()).doesNotExist();
		assertThat(ask(Map.of(7, this.server.getSocket()), 5)).isEmpty();
	}

	@Test
	void leftoverSocketOfAKilledWorkerWithTheSamePidIsReplaced() throws IOException {
		this.server.stop();
		Files.createFile(this.server.getSocket());
		this.server.start();
		assertThat(ask(Map.of(7, this.server.getSocket()), 5)).containsKey(7);
	}

	private static Map<Integer, byte[]> ask(Map<Integer, Path> sockets, int seconds) throws IOException {
		try (SiblingRequests requests = SiblingRequests.send(sockets)) {
			return requests.await(System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds));
		}
	}

}
