package dev.forker.boot.master;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SessionStore}.
 */
@ExtendWith(OutputCaptureExtension.class)
class SessionStoreTests {

	private static final long MINUTE = Duration.ofMinutes(1).toNanos();

	@Test
	void sessionsHandedOverToAReplacingMasterKeepTheirRemainingLifetime(@TempDir Path directory) throws Exception {
		SessionStore old = new SessionStore(10, 1 << 20);
		old.save("a", null, new byte[] { 1, 2 }, MINUTE, 0);
		old.save("b", null, new byte[] { 3 }, -1, 0);
		old.save("c", null, new byte[] { 4 }, MINUTE / 4, 0);
		Path file = directory.resolve("sessions.handover");
		assertThat(old.writeTo(file, MINUTE / 2)).as("c has expired").isEqualTo(2);
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
		// The new master's clock has another origin
		long now = 5 * MINUTE;
		SessionStore replacing = new SessionStore(10, 1 << 20);
		assertThat(replacing.readFrom(file, now)).isEqualTo(2);
		assertThat(replacing.load("a", now + MINUTE / 2 - 1)).containsExactly(1, 2);
		assertThat(replacing.load("a", now + MINUTE / 2)).isNull();
		assertThat(replacing.load("b", Long.MAX_VALUE / 2)).containsExactly(3);
		assertThat(replacing.load("c", now)).isNull();
	}

	@Test
	void savedSessionIsLoadedUntilItExpires() {
		SessionStore store = new SessionStore(10, 1 << 20);
		store.save("a", null, new byte[] { 1, 2 }, MINUTE, 0);
		assertThat(store.load("a", MINUTE - 1)).containsExactly(1, 2);
		assertThat(store.load("a", MINUTE)).isNull();
		assertThat(store.count()).isZero();
		assertThat(store.bytes()).isZero();
	}

	@Test
	void savingAgainRenewsTheSessionAndAChangedIdReplacesTheOldOne() {
		SessionStore store = new SessionStore(10, 1 << 20);
		store.save("a", null, new byte[] { 1 }, MINUTE, 0);
		store.save("b", "a", new byte[] { 2 }, MINUTE, MINUTE / 2);
		assertThat(store.load("a", MINUTE / 2)).isNull();
		assertThat(store.load("b", MINUTE)).containsExactly(2);
		assertThat(store.count()).isOne();
	}

	@Test
	void expiredSessionsAreRemovedBySweeps() {
		SessionStore store = new SessionStore(10, 1 << 20);
		store.save("a", null, new byte[] { 1 }, MINUTE, 0);
		store.save("b", null, new byte[] { 1 }, 2 * MINUTE, 0);
		store.save("c", null, new byte[] { 1 }, -1, 0);
		assertThat(store.removeExpired(MINUTE)).isOne();
		assertThat(store.count()).isEqualTo(2);
		assertThat(store.removeExpired(Long.MAX_VALUE / 2)).isOne();
		assertThat(store.load("c", Long.MAX_VALUE / 2)).as("a session that never expires").isNotNull();
	}

	@Test
	void floodOfSessionsEvictsTheLeastRecentlyUsedWithinTheLimits(CapturedOutput output) {
		SessionStore store = new SessionStore(1000, 64 * 1024);
		store.save("active", null, new byte[100], MINUTE, 0);
		for (int i = 0; i < 100_000; i++) {
			store.save("flood-" + i, null, new byte[100], MINUTE, i);
			if (i % 100 == 0) {
				assertThat(store.load("active", i)).as("a session in use stays").isNotNull();
			}
		}
		assertThat(store.count()).isLessThanOrEqualTo(1000);
		assertThat(store.bytes()).isLessThanOrEqualTo(64 * 1024);
		assertThat(store.evicted()).isGreaterThan(99_000);
		assertThat(output).containsOnlyOnce("The session store is full");
	}

	@Test
	void deletedSessionIsGone() {
		SessionStore store = new SessionStore(10, 1 << 20);
		store.save("a", null, new byte[] { 1 }, MINUTE, 0);
		store.delete("a");
		assertThat(store.load("a", 0)).isNull();
		assertThat(store.bytes()).isZero();
	}

}
