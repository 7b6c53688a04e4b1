package dev.forker.benchmark;

import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The faults of {@code benchmarks/run.py}'s scenarios, each off unless it is set, so that
 * the same jar serves every configuration. Every JVM (one JVM, each forker worker, each
 * JVM behind nginx) applies them on its own.
 * <ul>
 * <li>{@code gc-pause.live-mb} and {@code gc-pause.interval-ms}: a JVM-wide pause. A
 * background thread (not {@code @Scheduled}, which forker runs in one worker only) builds
 * a live set of that many MB of small objects and calls {@code System.gc()} (a full,
 * stop-the-world collection of it) every interval, from a random phase.</li>
 * <li>{@code crash.every}: {@code /crashy} answers like {@code /hello}, but every Nth
 * request this JVM serves there halts the JVM ({@code Runtime.halt}) mid-request, as a
 * native crash or a fatal error would.</li>
 * <li>{@code bench.leak.bytes-per-request}: {@code /leaky} answers like {@code /hello}
 * and keeps that many bytes for good, a slow leak.</li>
 * </ul>
 * The pause and the crash come from {@code bench.}-prefixed properties at start-up, or,
 * with {@code bench.faults-file} set, from that properties file (keys without the prefix,
 * and a {@code version}), which every JVM reads when it starts and again whenever it
 * changes: the harness turns a fault on and off in deployments that are already warm, and
 * a JVM started again after a crash applies the same faults.
 */
@RestController
class FaultsController {

	private static final long PID = ProcessHandle.current().pid();

	private static final long FILE_POLL_MS = 100;

	private static final List<byte[]> LEAKED = new ArrayList<>();

	private final AtomicLong crashyRequests = new AtomicLong();

	private final int leakBytes;

	private final Path faultsFile;

	private volatile Faults faults;

	private volatile long crashEvery;

	private Thread pauses;

	FaultsController(@Value("${bench.gc-pause.live-mb:0}") int pauseLiveMb,
			@Value("${bench.gc-pause.interval-ms:3000}") long pauseIntervalMs,
			@Value("${bench.crash.every:0}") long crashEvery, @Value("${bench.leak.bytes-per-request:0}") int leakBytes,
			@Value("${bench.faults-file:}") String faultsFile) {
		this.leakBytes = leakBytes;
		this.faultsFile = faultsFile.isEmpty() ? null : Path.of(faultsFile);
		Faults fromFile = (this.faultsFile != null) ? read(this.faultsFile) : null;
		this.faults = (fromFile != null) ? fromFile
				: new Faults("properties", pauseLiveMb, pauseIntervalMs, crashEvery, "");
		// Before the first request: a JVM started again after a crash crashes again
		this.crashEvery = this.faults.crashEvery();
	}

	@EventListener(ApplicationReadyEvent.class)
	void start() {
		apply(this.faults);
		if (this.faultsFile != null) {
			Thread watcher = new Thread(this::watchFile, "bench-faults");
			watcher.setDaemon(true);
			watcher.start();
		}
	}

	private void watchFile() {
		try {
			while (true) {
				Thread.sleep(FILE_POLL_MS);
				Faults read = read(this.faultsFile);
				if (read != null && !read.text().equals(this.faults.text())) {
					apply(read);
				}
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static Faults read(Path file) {
		try {
			String text = Files.readString(file);
			Properties properties = new Properties();
			properties.load(new StringReader(text));
			return new Faults(properties.getProperty("version", "file"),
					Integer.parseInt(properties.getProperty("gc-pause.live-mb", "0")),
					Long.parseLong(properties.getProperty("gc-pause.interval-ms", "3000")),
					Long.parseLong(properties.getProperty("crash.every", "0")), text);
		}
		catch (NoSuchFileException ex) {
			return null;
		}
		catch (IOException | NumberFormatException ex) {
			throw new IllegalStateException("Cannot read the faults in " + file, ex);
		}
	}

	private synchronized void apply(Faults faults) {
		Faults before = this.faults;
		this.faults = faults;
		if (this.crashEvery != faults.crashEvery()) {
			this.crashyRequests.set(0);
			this.crashEvery = faults.crashEvery();
		}
		boolean pauseChanged = this.pauses == null || before.pauseLiveMb() != faults.pauseLiveMb()
				|| before.pauseIntervalMs() != faults.pauseIntervalMs();
		if (pauseChanged) {
			stopPauses();
			if (faults.pauseLiveMb() > 0) {
				this.pauses = new Thread(() -> pauseLoop(faults), "bench-gc-pause");
				this.pauses.setDaemon(true);
				this.pauses.start();
			}
		}
		System.out.println("BENCH faults: pid " + PID + " applied version " + faults.version() + ": gc-pause.live-mb="
				+ faults.pauseLiveMb() + ", gc-pause.interval-ms=" + faults.pauseIntervalMs() + ", crash.every="
				+ faults.crashEvery());
	}

	private void stopPauses() {
		Thread running = this.pauses;
		this.pauses = null;
		if (running != null) {
			running.interrupt();
			try {
				running.join();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private void pauseLoop(Faults faults) {
		// Small objects, linked from arrays: a full collection marks and moves each one
		long objects = faults.pauseLiveMb() * 1024L * 1024L / 32;
		List<Object[]> live = new ArrayList<>();
		Object[] chunk = null;
		for (long i = 0; i < objects && !Thread.currentThread().isInterrupted(); i++) {
			if (i % 4096 == 0) {
				chunk = new Object[4096];
				live.add(chunk);
			}
			chunk[(int) (i % 4096)] = new long[] { i, i };
		}
		if (Thread.currentThread().isInterrupted()) {
			return;
		}
		System.out.println("BENCH gc-pause: pid " + PID + " holds " + faults.pauseLiveMb() + " MB live in "
				+ live.size() + " chunks, System.gc() every " + faults.pauseIntervalMs() + " ms (version "
				+ faults.version() + ")");
		try {
			Thread.sleep(ThreadLocalRandom.current().nextLong(faults.pauseIntervalMs()));
			while (true) {
				long started = System.nanoTime();
				System.gc();
				System.out.println("BENCH gc-pause: pid " + PID + " full GC took "
						+ (System.nanoTime() - started) / 1_000_000 + " ms, " + live.size() + " chunks live");
				Thread.sleep(faults.pauseIntervalMs());
			}
		}
		catch (InterruptedException ex) {
			// Turned off: the live set goes with this thread
		}
	}

	/**
	 * Like {@code /hello}; with {@code crash.every} set, every Nth call halts the JVM.
	 * @return a greeting
	 */
	@GetMapping(path = "/crashy", produces = "text/plain")
	String crashy() {
		long every = this.crashEvery;
		if (every > 0 && this.crashyRequests.incrementAndGet() % every == 0) {
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

	/**
	 * The faults a JVM applies.
	 *
	 * @param version what the harness calls this setting, acknowledged in the log
	 * @param pauseLiveMb MB of live objects a full GC collects, 0 for no pauses
	 * @param pauseIntervalMs time between two full GCs
	 * @param crashEvery every how many {@code /crashy} requests the JVM halts, 0 never
	 * @param text the file's text, to tell a change
	 */
	private record Faults(String version, int pauseLiveMb, long pauseIntervalMs, long crashEvery, String text) {

	}

}
