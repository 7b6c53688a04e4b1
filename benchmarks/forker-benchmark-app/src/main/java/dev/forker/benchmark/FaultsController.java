package dev.forker.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The faults of {@code benchmarks/run.py}'s scenarios, each off unless its property is
 * set, so that the same jar serves every configuration. Every JVM (one JVM, each forker
 * worker, each JVM behind nginx) applies them on its own.
 * <ul>
 * <li>{@code bench.gc-pause.live-mb} and {@code bench.gc-pause.interval-ms}: a JVM-wide
 * pause. Once the application is ready, a background thread (not {@code @Scheduled},
 * which forker runs in one worker only) builds a live set of that many MB of small
 * objects and calls {@code System.gc()} (a full, stop-the-world collection of it) every
 * interval, from a random phase.</li>
 * <li>{@code bench.crash.every}: {@code /crashy} answers like {@code /hello}, but every
 * Nth request this JVM serves there halts the JVM ({@code Runtime.halt}) mid-request, as
 * a native crash or a fatal error would.</li>
 * <li>{@code bench.leak.bytes-per-request}: {@code /leaky} answers like {@code /hello}
 * and keeps that many bytes for good, a slow leak.</li>
 * </ul>
 */
@RestController
class FaultsController {

	private static final long PID = ProcessHandle.current().pid();

	private static final List<byte[]> LEAKED = new ArrayList<>();

	private final AtomicLong crashyRequests = new AtomicLong();

	private final int pauseLiveMb;

	private final long pauseIntervalMs;

	private final long crashEvery;

	private final int leakBytes;

	FaultsController(@Value("${bench.gc-pause.live-mb:0}") int pauseLiveMb,
			@Value("${bench.gc-pause.interval-ms:3000}") long pauseIntervalMs,
			@Value("${bench.crash.every:0}") long crashEvery,
			@Value("${bench.leak.bytes-per-request:0}") int leakBytes) {
		this.pauseLiveMb = pauseLiveMb;
		this.pauseIntervalMs = pauseIntervalMs;
		this.crashEvery = crashEvery;
		this.leakBytes = leakBytes;
	}

	@EventListener(ApplicationReadyEvent.class)
	void startPauses() {
		if (this.pauseLiveMb <= 0) {
			return;
		}
		Thread thread = new Thread(this::pauseLoop, "bench-gc-pause");
		thread.setDaemon(true);
		thread.start();
	}

	private void pauseLoop() {
		// Small objects, linked from arrays: a full collection marks and moves each one
		long objects = this.pauseLiveMb * 1024L * 1024L / 32;
		List<Object[]> live = new ArrayList<>();
		Object[] chunk = null;
		for (long i = 0; i < objects; i++) {
			if (i % 4096 == 0) {
				chunk = new Object[4096];
				live.add(chunk);
			}
			chunk[(int) (i % 4096)] = new long[] { i, i };
		}
		System.out.println("BENCH gc-pause: pid " + PID + " holds " + this.pauseLiveMb + " MB live in " + live.size()
				+ " chunks, System.gc() every " + this.pauseIntervalMs + " ms");
		try {
			Thread.sleep(ThreadLocalRandom.current().nextLong(this.pauseIntervalMs));
			while (true) {
				long started = System.nanoTime();
				System.gc();
				System.out.println("BENCH gc-pause: pid " + PID + " full GC took "
						+ (System.nanoTime() - started) / 1_000_000 + " ms, " + live.size() + " chunks live");
				Thread.sleep(this.pauseIntervalMs);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Like {@code /hello}; with {@code bench.crash.every} set, every Nth call halts the
	 * JVM.
	 * @return a greeting
	 */
	@GetMapping(path = "/crashy", produces = "text/plain")
	String crashy() {
		if (this.crashEvery > 0 && this.crashyRequests.incrementAndGet() % this.crashEvery == 0) {
			System.out.println("BENCH crash: pid " + PID + " halts after " + this.crashyRequests.get() + " requests");
			System.out.flush();
			Runtime.getRuntime().halt(1);
		}
		return "Hello, World!";
	}

	/**
	 * Like {@code /hello}; with {@code bench.leak.bytes-per-request} set, keeps that many
	 * bytes for good.
	 * @return a greeting
	 */
	@GetMapping(path = "/leaky", produces = "text/plain")
	String leaky() {
		if (this.leakBytes > 0) {
			byte[] leaked = new byte[this.leakBytes];
			for (int i = 0; i < leaked.length; i += 4096) {
				leaked[i] = 1;
			}
			synchronized (LEAKED) {
				LEAKED.add(leaked);
			}
		}
		return "Hello, World!";
	}

}
