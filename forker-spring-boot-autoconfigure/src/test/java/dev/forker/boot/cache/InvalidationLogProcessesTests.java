package dev.forker.boot.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link InvalidationLog} shared by processes: child JVMs write to one log
 * while the test kills them with {@code SIGKILL} at random points, and reads it. Every
 * entry carries a key that checks itself, so that a torn entry the log let through would
 * show.
 */
class InvalidationLogProcessesTests {

	private static final int SLOTS = 1024;

	private static final int WRITERS = 3;

	private static final Duration RUN = Duration.ofSeconds(4);

	@TempDir
	Path directory;

	@Test
	void writersKilledAtRandomPointsNeverLetAReaderApplyATornEntry() throws Exception {
		Path file = this.directory.resolve(InvalidationLog.FILE_NAME);
		Random random = new Random();
		List<Process> writers = new ArrayList<>();
		Checker checker = new Checker();
		int kills = 0;
		try (InvalidationLog log = InvalidationLog.open(file, SLOTS)) {
			for (int i = 0; i < WRITERS; i++) {
				writers.add(startWriter(file));
			}
			long applied = log.tail();
			long end = System.nanoTime() + RUN.toNanos();
			long nextKill = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
			while (System.nanoTime() - end < 0) {
				applied = log.readFrom(applied, checker);
				if (System.nanoTime() - nextKill >= 0) {
					// Only a writer that has written: it is killed in its loop of writes
					Process victim = writers.get(random.nextInt(writers.size()));
					if (checker.pids.contains(victim.pid())) {
						victim.destroyForcibly();
						writers.set(writers.indexOf(victim), startWriter(file));
						kills++;
					}
					nextKill = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50 + random.nextInt(250));
				}
				Thread.onSpinWait();
			}
			for (Process writer : writers) {
				writer.destroyForcibly();
			}
			for (Process writer : writers) {
				assertThat(writer.waitFor(30, TimeUnit.SECONDS)).isTrue();
			}
			// Slots left unpublished by the last kills are skipped after a bounded wait
			long drained = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (applied != log.tail() && System.nanoTime() - drained < 0) {
				applied = log.readFrom(applied, checker);
			}
			assertThat(applied).isEqualTo(log.tail());
		}
		finally {
			for (Process writer : writers) {
				writer.destroyForcibly();
			}
		}
		System.out.printf("%d writers, %d killed: %d entries checked, %d cache clears, gaps %s%n", WRITERS, kills,
				checker.checked, checker.clears, checker.gaps);
		assertThat(checker.failures).isEmpty();
		assertThat(kills).as("writers killed while they wrote").isGreaterThanOrEqualTo(3);
		assertThat(checker.checked).as("entries checked").isGreaterThan(1000);
		assertThat(checker.pids).as("writers that wrote").hasSizeGreaterThan(WRITERS);
	}

	private static Process startWriter(Path file) throws IOException {
		String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
		return new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
				System.getProperty("java.class.path"), Writer.class.getName(), file.toString())
			.redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.redirectError(ProcessBuilder.Redirect.INHERIT)
			.start();
	}

	/**
	 * A key that checks itself: a seed, then bytes drawn from it.
	 * @param seed the seed
	 * @param length the number of bytes drawn
	 * @return the key
	 */
	static byte[] key(long seed, int length) {
		byte[] drawn = new byte[length];
		new Random(seed).nextBytes(drawn);
		return ByteBuffer.allocate(Long.BYTES + length).putLong(seed).put(drawn).array();
	}

	/**
	 * Checks every entry it reads.
	 */
	static final class Checker implements InvalidationLog.Reader {

		final Set<Long> pids = ConcurrentHashMap.newKeySet();

		final List<String> failures = new ArrayList<>();

		final Map<InvalidationLog.Gap, Integer> gaps = new EnumMap<>(InvalidationLog.Gap.class);

		long checked;

		long clears;

		@Override
		public void entry(InvalidationLog.Entry entry) {
			this.pids.add(entry.pid());
			this.checked++;
			if (!"cacheManager".equals(entry.manager()) || !entry.cache().matches("cache-[0-6]")) {
				this.failures.add("entry " + entry.sequence() + " names " + entry.manager() + " " + entry.cache());
				return;
			}
			byte[] key = entry.key();
			if (key == null) {
				this.clears++;
				return;
			}
			if (key.length < Long.BYTES
					|| !Arrays.equals(key, key(ByteBuffer.wrap(key).getLong(), key.length - Long.BYTES))) {
				this.failures.add("entry " + entry.sequence() + " of pid " + entry.pid() + " has a torn key");
			}
		}

		@Override
		public void gap(InvalidationLog.Gap gap) {
			this.gaps.merge(gap, 1, Integer::sum);
		}

	}

	/**
	 * A writer process: writes entries with self-checking keys in bursts until it is
	 * killed.
	 */
	static final class Writer {

		public static void main(String[] args) throws IOException {
			try (InvalidationLog log = InvalidationLog.open(Path.of(args[0]), SLOTS)) {
				long pid = ProcessHandle.current().pid();
				Random random = new Random(pid);
				for (long n = 0;; n++) {
					boolean clear = random.nextInt(10) == 0;
					byte[] key = clear ? null : key(random.nextLong(), random.nextInt(900));
					log.append(pid, "cacheManager", "cache-" + (n % 7), key);
					if (n % 20 == 19) {
						LockSupport.parkNanos(200_000);
					}
				}
			}
		}

	}

}
