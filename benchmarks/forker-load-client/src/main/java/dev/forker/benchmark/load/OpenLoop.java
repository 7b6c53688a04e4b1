package dev.forker.benchmark.load;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * HTTP requests at a fixed rate. Request {@code i} is due at {@code start + i / rate}; a
 * pool of connections, each with its own thread, takes the next due request as soon as it
 * is free, waits until it is due, and records the time from when it was due to the end of
 * its response. When the server stalls, due requests queue up and each is charged with
 * its wait. A request still unsent 10 s after the end of the run counts as failed, so
 * that a server that falls far behind does not keep the run going.
 */
final class OpenLoop {

	private static final long HIGHEST = TimeUnit.MINUTES.toNanos(2);

	private static final long GRACE = TimeUnit.SECONDS.toNanos(10);

	private final int port;

	private final String path;

	private final int rate;

	private final long duration;

	private final long warmup;

	private final int connections;

	OpenLoop(int port, String path, int rate, long duration, long warmup, int connections) {
		this.port = port;
		this.path = path;
		this.rate = rate;
		this.duration = duration;
		this.warmup = warmup;
		this.connections = connections;
	}

	LatencyResult run() throws InterruptedException {
		double interval = 1e9 / this.rate;
		long start = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200);
		long measureFrom = start + this.warmup;
		long end = measureFrom + this.duration;
		// A server that falls far behind does not keep the run going: a request still
		// unsent this long after the end failed
		long giveUp = end + GRACE;
		AtomicLong next = new AtomicLong();
		AtomicLong completed = new AtomicLong();
		AtomicLong errors = new AtomicLong();
		List<Histogram> histograms = new ArrayList<>();
		List<Thread> threads = new ArrayList<>();
		for (int c = 0; c < this.connections; c++) {
			Histogram histogram = new Histogram(HIGHEST, 3);
			histograms.add(histogram);
			Thread thread = new Thread(() -> {
				try (HttpConnection connection = new HttpConnection(this.port, this.path)) {
					while (true) {
						long due = start + (long) (next.getAndIncrement() * interval);
						if (due >= end) {
							return;
						}
						long wait = due - System.nanoTime();
						if (wait > 0) {
							LockSupport.parkNanos(wait);
						}
						boolean ok;
						if (System.nanoTime() - giveUp > 0) {
							ok = false;
						}
						else {
							try {
								ok = connection.get() == 200;
							}
							catch (Exception ex) {
								ok = false;
							}
						}
						long latency = System.nanoTime() - due;
						if (due >= measureFrom) {
							if (ok) {
								completed.incrementAndGet();
								histogram.recordValue(Math.min(latency, HIGHEST));
							}
							else {
								errors.incrementAndGet();
							}
						}
					}
				}
			}, "open-loop-" + c);
			thread.setDaemon(true);
			threads.add(thread);
			thread.start();
		}
		for (Thread thread : threads) {
			thread.join();
		}
		Histogram all = new Histogram(HIGHEST, 3);
		histograms.forEach(all::add);
		return new LatencyResult(this.rate, completed.get(), errors.get(), this.duration / 1e9, all);
	}

}
