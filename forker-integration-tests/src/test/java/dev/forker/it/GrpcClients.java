package dev.forker.it;

import java.io.InputStream;
import java.nio.file.Files;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import javax.net.ssl.TrustManagerFactory;

import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.NettyChannelBuilder;

import dev.forker.sample.grpc.proto.WhichRequest;
import dev.forker.sample.grpc.proto.WorkerReply;
import dev.forker.sample.grpc.proto.WorkerServiceGrpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * gRPC clients of the gRPC sample, with grpc-java's standard channel.
 */
final class GrpcClients {

	private GrpcClients() {
	}

	/**
	 * Open a plaintext channel to a port on loopback.
	 * @param port the port
	 * @return the channel
	 */
	static ManagedChannel plaintext(int port) {
		return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
	}

	/**
	 * Open a TLS channel to a port on loopback, trusting the test's self-signed
	 * certificate for {@code localhost}.
	 * @param port the port
	 * @return the channel
	 */
	static ManagedChannel tls(int port) {
		try {
			KeyStore keyStore = KeyStore.getInstance("PKCS12");
			try (InputStream in = Files.newInputStream(SelfSignedCertificate.keyStore())) {
				keyStore.load(in, SelfSignedCertificate.PASSWORD.toCharArray());
			}
			TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
			trust.init(keyStore);
			return NettyChannelBuilder.forAddress("localhost", port)
				.sslContext(GrpcSslContexts.forClient().trustManager(trust).build())
				.build();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	static void close(ManagedChannel channel) {
		try {
			channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	static WorkerReply which(ManagedChannel channel, String name) {
		return WorkerServiceGrpc.newBlockingStub(channel)
			.withDeadlineAfter(10, TimeUnit.SECONDS)
			.which(WhichRequest.newBuilder().setName(name).build());
	}

	/**
	 * Call the sample on new connections until {@code count} distinct workers answered.
	 * @param channels opens a channel (a new connection)
	 * @param count the number of distinct workers
	 * @param timeout how long to try
	 * @return the answers, by pid
	 */
	static Map<Long, WorkerReply> awaitDistinctWorkers(ChannelOpener channels, int count, Duration timeout) {
		Map<Long, WorkerReply> seen = new ConcurrentHashMap<>();
		await().atMost(timeout).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
			ManagedChannel channel = channels.open();
			try {
				WorkerReply reply = which(channel, "probe");
				seen.put(reply.getPid(), reply);
			}
			finally {
				close(channel);
			}
			assertThat(seen).as("distinct workers answering gRPC calls").hasSizeGreaterThanOrEqualTo(count);
		});
		return seen;
	}

	/**
	 * Opens a channel.
	 */
	@FunctionalInterface
	interface ChannelOpener {

		ManagedChannel open();

	}

	/**
	 * Clients that each keep one channel busy with unary calls, back to back, until
	 * stopped or until a call budget is used. Every call that fails is counted, never
	 * retried by the test (grpc-java's channel retries what it may on its own, as it does
	 * for every application).
	 */
	static final class UnaryLoad implements AutoCloseable {

		private final AtomicBoolean running = new AtomicBoolean(true);

		private final AtomicLong sent = new AtomicLong();

		private final AtomicLong succeeded = new AtomicLong();

		private final AtomicLong failed = new AtomicLong();

		private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();

		private final Set<Long> pids = ConcurrentHashMap.newKeySet();

		private final List<Thread> threads = new ArrayList<>();

		private final long maxCalls;

		private UnaryLoad(long maxCalls) {
			this.maxCalls = maxCalls;
		}

		static UnaryLoad start(ChannelOpener channels, int clients, int delayMillis, long maxCalls) {
			UnaryLoad load = new UnaryLoad(maxCalls);
			for (int i = 0; i < clients; i++) {
				Thread thread = new Thread(() -> load.run(channels, delayMillis), "grpc-client-" + i);
				thread.setDaemon(true);
				load.threads.add(thread);
				thread.start();
			}
			return load;
		}

		private void run(ChannelOpener channels, int delayMillis) {
			ManagedChannel channel = channels.open();
			try {
				WorkerServiceGrpc.WorkerServiceBlockingStub stub = WorkerServiceGrpc.newBlockingStub(channel);
				WhichRequest request = WhichRequest.newBuilder().setName("load").setDelayMillis(delayMillis).build();
				while (this.running.get() && this.sent.incrementAndGet() <= this.maxCalls) {
					try {
						WorkerReply reply = stub.withDeadlineAfter(10, TimeUnit.SECONDS).which(request);
						this.pids.add(reply.getPid());
						this.succeeded.incrementAndGet();
					}
					catch (StatusRuntimeException ex) {
						this.failed.incrementAndGet();
						if (this.failures.size() < 20) {
							this.failures.add(ex.getStatus().toString());
						}
					}
				}
			}
			finally {
				GrpcClients.close(channel);
			}
		}

		long succeeded() {
			return this.succeeded.get();
		}

		long failed() {
			return this.failed.get();
		}

		Set<Long> pids() {
			return Set.copyOf(this.pids);
		}

		void awaitCalls(long count) {
			await().atMost(Duration.ofSeconds(60))
				.pollInterval(Duration.ofMillis(20))
				.untilAsserted(() -> assertThat(this.succeeded.get()).as("calls served: " + this)
					.isGreaterThanOrEqualTo(count));
		}

		@Override
		public void close() throws InterruptedException {
			this.running.set(false);
			for (Thread thread : this.threads) {
				thread.join(Duration.ofSeconds(30).toMillis());
			}
		}

		@Override
		public String toString() {
			return this.succeeded + " succeeded, " + this.failed + " failed " + this.failures;
		}

	}

}
