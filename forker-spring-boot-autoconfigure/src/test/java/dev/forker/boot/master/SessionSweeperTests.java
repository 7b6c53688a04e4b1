package dev.forker.boot.master;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SessionSweeper}.
 */
@ExtendWith(OutputCaptureExtension.class)
class SessionSweeperTests {

	private static final Instant NOW = Instant.parse("2026-12-08T10:00:00Z");

	@TempDir
	Path directory;

	@Test
	void expiredSessionsAreDeletedAndTheOthersKept() throws Exception {
		Path expired = session("expired", NOW.minusSeconds(1), 100);
		Path alive = session("alive", NOW.plusSeconds(60), 100);
		SessionSweeper sweeper = new SessionSweeper(this.directory, null, 10, 1_000_000, () -> NOW);
		sweeper.sweep(0);
		assertThat(expired).doesNotExist();
		assertThat(alive).exists();
		assertThat(sweeper.count()).isOne();
		assertThat(sweeper.bytes()).isEqualTo(100 + SessionSweeper.OVERHEAD_BYTES);
	}

	@Test
	void unfinishedWriteIsDeletedOnceItIsOlderThanAnyWrite() throws Exception {
		Path partial = session("abc.1f.partial", NOW.plusSeconds(60), 10);
		SessionSweeper sweeper = new SessionSweeper(this.directory, null, 10, 1_000_000, () -> NOW);
		sweeper.sweep(0);
		assertThat(partial).as("a write may be under way").exists();
		sweeper.sweep(SessionSweeper.PARTIAL_NANOS - 1);
		assertThat(partial).exists();
		sweeper.sweep(SessionSweeper.PARTIAL_NANOS + TimeUnit.SECONDS.toNanos(1));
		assertThat(partial).doesNotExist();
		assertThat(sweeper.count()).isZero();
	}

	@Test
	void sessionsOverTheirCountGoNearestToExpiryFirstWithAWarning(CapturedOutput output) throws Exception {
		Path first = session("first", NOW.plusSeconds(10), 10);
		Path second = session("second", NOW.plusSeconds(20), 10);
		Path third = session("third", NOW.plusSeconds(30), 10);
		SessionSweeper sweeper = new SessionSweeper(this.directory, null, 2, 1_000_000, () -> NOW);
		sweeper.sweep(0);
		assertThat(first).doesNotExist();
		assertThat(second).exists();
		assertThat(third).exists();
		assertThat(sweeper.evicted()).isOne();
		assertThat(output).contains("The HTTP sessions are over their bounds (forker.sessions.max-sessions=2");
	}

	@Test
	void sessionsOverTheirMemoryGoNearestToExpiryFirst() throws Exception {
		Path first = session("first", NOW.plusSeconds(10), 1000);
		Path second = session("second", NOW.plusSeconds(20), 1000);
		SessionSweeper sweeper = new SessionSweeper(this.directory, null, 100,
				1000 + SessionSweeper.OVERHEAD_BYTES + 10, () -> NOW);
		sweeper.sweep(0);
		assertThat(first).doesNotExist();
		assertThat(second).exists();
		assertThat(sweeper.bytes()).isEqualTo(1000 + SessionSweeper.OVERHEAD_BYTES);
	}

	@Test
	void sweepsEverySecondAndLessOftenForManySessions() throws Exception {
		SessionSweeper sweeper = new SessionSweeper(this.directory, null, 10, 1_000_000, () -> NOW);
		sweeper.sweep(0);
		Path expired = session("expired", NOW.minusSeconds(1), 10);
		sweeper.sweep(TimeUnit.MILLISECONDS.toNanos(999));
		assertThat(expired).exists();
		sweeper.sweep(TimeUnit.SECONDS.toNanos(1));
		assertThat(expired).doesNotExist();
	}

	@Test
	void missingDirectoryIsNoSession() {
		SessionSweeper sweeper = new SessionSweeper(this.directory.resolve("missing"), null, 10, 1_000_000, () -> NOW);
		sweeper.sweep(0);
		assertThat(sweeper.count()).isZero();
	}

	private Path session(String name, Instant expiry, int bytes) throws Exception {
		Path file = this.directory.resolve(name);
		Files.write(file, new byte[bytes]);
		Files.setLastModifiedTime(file, FileTime.from(expiry));
		return file;
	}

}
