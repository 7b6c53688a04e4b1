package dev.forker.benchmark.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import org.HdrHistogram.Histogram;

import dev.forker.sample.grpc.proto.WhichRequest;
import dev.forker.sample.grpc.proto.WorkerServiceGrpc;

/**
 * Unary calls of the gRPC sample's {@code Which}, back to back on each of a number of
 * channels (one connection each), as a pool of gRPC clients would send them.
 */
final class GrpcUnaryLoad {

	private static final long HIGHEST = TimeUnit.MINUTES.toNanos(2);

	private final int port;

	private final int channels;

	private final long duration;

	private final long warmup;

	GrpcUnaryLoad(int port, int channels, long duration, long warmup) {
		this.port = port;
		this.channels = channels;
		this.duration = duration;
		this.warmup = warmup;
	}

	LatencyResult run() throws InterruptedException {
		long start = System.nanoTime();
		long measureFrom = start + this.warmup;
		long end = measureFrom + this.duration;
		AtomicLong completed = new AtomicLong();
		AtomicLong errors = new AtomicLong();
		List<Histogram> histograms = new ArrayList<>();
		List<Thread> threads = new ArrayList<>();
		WhichRequest request = WhichRequest.newBuilder().setName("bench").build();
		for (int c = 0; c < this.channels; c++) {
			Histogram histogram = new Histogram(HIGHEST, 3);
			histograms.add(histogram);
			Thread thread = new Thread(() -> {
				ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", this.port).usePlaintext().build();
				try {
					WorkerServiceGrpc.WorkerServiceBlockingStub stub = WorkerServiceGrpc.newBlockingStub(channel);
					for (long sent = System.nanoTime(); sent < end; sent = System.nanoTime()) {
						boolean ok;
						try {
							stub.withDeadlineAfter(30, TimeUnit.SECONDS).which(request);
							ok = true;
						}
						catch (RuntimeException ex) {
							ok = false;
						}
						long done = System.nanoTime();
						if (sent >= measureFrom && done <= end) {
							if (ok) {
								completed.incrementAndGet();
								histogram.recordValue(Math.min(done - sent, HIGHEST));
							}
							else {
								errors.incrementAndGet();
							}
						}
					}
				}
				finally {
					channel.shutdownNow();
				}
			}, "grpc-" + c);
			thread.setDaemon(true);
			threads.add(thread);
			thread.start();
		}
		for (Thread thread : threads) {
			thread.join();
		}
		Histogram all = new Histogram(HIGHEST, 3);
		histograms.forEach(all::add);
		return new LatencyResult(0, completed.get(), errors.get(), this.duration / 1e9, all);
	}

}
