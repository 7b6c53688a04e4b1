package dev.forker.boot.session;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.session.MapSession;
import org.springframework.session.SaveMode;

import dev.forker.boot.control.StateDirectory;
import dev.forker.boot.master.SessionSweeperAccess;
import dev.forker.boot.session.SharedSessionRepository.SharedSession;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Writers of the same session files killed with {@code kill -9} at random points, about a
 * hundred times, while other processes write and this one reads: no reader ever sees part
 * of a session, every session whose save returned is still served (in that version or a
 * later one), and the files of the writes that were cut short are swept.
 */
class SessionFilesKilledWritersTests {

	private static final int WRITERS = 3;

	private static final int SESSIONS_PER_WRITER = 5;

	private static final int KILLS = 100;

	@TempDir
	Path state;

	Path directory;

	@BeforeEach
	void createStateDirectory() throws Exception {
		this.directory = Files.createDirectory(StateDirectory.sessions(this.state));
		SessionBoard.create(this.state);
	}

	@Test
	void writersKilledAtRandomPointsLeaveNoTornSessionAndLoseNoCommittedOne() throws Exception {
		Map<String, Integer> committed = new ConcurrentHashMap<>();
		List<Writer> writers = new ArrayList<>();
		AtomicInteger torn = new AtomicInteger();
		AtomicInteger reads = new AtomicInteger();
		SharedSessionRepository reader = repository(this.state);
		try {
			for (int i = 0; i < WRITERS; i++) {
				writers.add(new Writer(i, committed));
			}
			Random random = new Random();
			for (int kill = 0; kill < KILLS; kill++) {
				Writer writer = writers.get(kill % WRITERS);
				writer.awaitCommits(1 + random.nextInt(3));
				// A random point of a write: commits take tens of microseconds each
				Thread.sleep(0, random.nextInt(999_999));
				writer.kill();
				read(reader, torn, reads);
				writer.start();
			}
		}
		finally {
			for (Writer writer : writers) {
				writer.kill();
			}
		}
		assertThat(torn.get()).as("sessions read in part, of " + reads.get() + " reads").isZero();
		assertThat(committed).hasSize(WRITERS * SESSIONS_PER_WRITER);
		for (Map.Entry<String, Integer> entry : committed.entrySet()) {
			SharedSession session = reader.findById(entry.getKey());
			assertThat(session).as(entry.getKey()).isNotNull();
			assertThat(intact(session)).as(entry.getKey()).isTrue();
			assertThat((Integer) session.getAttribute("version")).as(entry.getKey())
				.isGreaterThanOrEqualTo(entry.getValue());
		}
		try (Stream<Path> files = Files.list(this.directory)) {
			System.out.println(KILLS + " writers killed, " + reads.get() + " reads while they wrote, "
					+ files.filter((file) -> file.getFileName().toString().endsWith(StateDirectory.PARTIAL_SUFFIX))
						.count()
					+ " writes left unfinished");
		}
		SessionSweeperAccess.sweepAfterPartialWrites(this.state, WRITERS * SESSIONS_PER_WRITER);
		try (Stream<Path> files = Files.list(this.directory)) {
			assertThat(files.map((file) -> file.getFileName().toString()))
				.noneMatch((name) -> name.endsWith(StateDirectory.PARTIAL_SUFFIX))
				.hasSize(WRITERS * SESSIONS_PER_WRITER);
		}
	}

	private void read(SharedSessionRepository reader, AtomicInteger torn, AtomicInteger reads) {
		for (int writer = 0; writer < WRITERS; writer++) {
			for (int i = 0; i < SESSIONS_PER_WRITER; i++) {
				try {
					SharedSession session = reader.findById(id(writer, i));
					reads.incrementAndGet();
					if (session != null && !intact(session)) {
						torn.incrementAndGet();
					}
				}
				catch (RuntimeException ex) {
					torn.incrementAndGet();
				}
			}
		}
	}

	static SharedSessionRepository repository(Path state) {
		try {
			return new SharedSessionRepository(state, SessionFilesKilledWritersTests.class.getClassLoader(),
					() -> Duration.ofMinutes(30), SaveMode.ON_SET_ATTRIBUTE, 64 * 1024 * 1024);
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static String id(int writer, int session) {
		return "w" + writer + "-s" + session;
	}

	static boolean intact(SharedSession session) {
		byte[] payload = session.getAttribute("payload");
		Long checksum = session.getAttribute("checksum");
		return payload != null && checksum != null && checksum == crc(payload);
	}

	static long crc(byte[] payload) {
		CRC32 crc = new CRC32();
		crc.update(payload);
		return crc.getValue();
	}

	/**
	 * A process that writes its sessions in a loop, each with a payload of random size
	 * and its checksum, and prints the version of each session whose save returned.
	 */
	public static final class WriterProcess {

		public static void main(String[] args) {
			Path state = Path.of(args[0]);
			int writer = Integer.parseInt(args[1]);
			SharedSessionRepository repository = repository(state);
			ThreadLocalRandom random = ThreadLocalRandom.current();
			for (long n = 0;; n++) {
				String id = id(writer, (int) (n % SESSIONS_PER_WRITER));
				SharedSession session = repository.findById(id);
				int version = 1;
				if (session == null) {
					session = new SharedSession(new MapSession(id), null, SaveMode.ON_SET_ATTRIBUTE);
				}
				else {
					Integer stored = session.getAttribute("version");
					version = (stored != null) ? stored + 1 : 1;
				}
				byte[] payload = new byte[1 + random.nextInt(64 * 1024)];
				random.nextBytes(payload);
				session.setAttribute("version", version);
				session.setAttribute("payload", payload);
				session.setAttribute("checksum", crc(payload));
				repository.save(session);
				System.out.println("committed " + id + " " + version);
				System.out.flush();
			}
		}

	}

	private final class Writer {

		private final int index;

		private final Map<String, Integer> committed;

		private final AtomicInteger commits = new AtomicInteger();

		private Process process;

		private Thread reader;

		Writer(int index, Map<String, Integer> committed) throws Exception {
			this.index = index;
			this.committed = committed;
			start();
		}

		void start() throws Exception {
			String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
			this.commits.set(0);
			Process process = new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp",
					System.getProperty("java.class.path"), WriterProcess.class.getName(),
					SessionFilesKilledWritersTests.this.state.toString(), Integer.toString(this.index))
				.redirectErrorStream(true)
				.start();
			this.process = process;
			this.reader = new Thread(() -> {
				try (BufferedReader lines = new BufferedReader(
						new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
					String line;
					while ((line = lines.readLine()) != null) {
						String[] words = line.split(" ");
						if (words.length == 3 && words[0].equals("committed")) {
							this.committed.merge(words[1], Integer.parseInt(words[2]), Math::max);
							this.commits.incrementAndGet();
						}
						else {
							System.err.println("writer " + this.index + ": " + line);
						}
					}
				}
				catch (Exception ex) {
					// The writer was killed
				}
			});
			this.reader.start();
		}

		void awaitCommits(int count) {
			await().atMost(Duration.ofSeconds(30)).until(() -> this.commits.get() >= count || !this.process.isAlive());
			assertThat(this.process.isAlive()).as("writer " + this.index + " is alive").isTrue();
		}

		void kill() throws Exception {
			this.process.destroyForcibly();
			this.process.waitFor(10, TimeUnit.SECONDS);
			// Every commit it printed is counted before the next writer of these sessions
			this.reader.join(TimeUnit.SECONDS.toMillis(10));
		}

	}

}
