package dev.forker.boot.session;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.session.SaveMode;

import dev.forker.boot.control.StateDirectory;
import dev.forker.boot.session.SharedSessionRepository.SharedSession;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link SharedSessionRepository}: two repositories on one directory stand for
 * two workers.
 */
class SharedSessionRepositoryTests {

	@TempDir
	Path state;

	Path directory;

	@BeforeEach
	void createStateDirectory() throws Exception {
		this.directory = Files.createDirectory(StateDirectory.sessions(this.state));
		SessionBoard.create(this.state);
	}

	private SharedSessionRepository worker(SaveMode saveMode) {
		try {
			return new SharedSessionRepository(this.state, getClass().getClassLoader(), () -> Duration.ofMinutes(30),
					saveMode, 1024 * 1024);
		}
		catch (java.io.IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private SharedSessionRepository worker() {
		return worker(SaveMode.ON_SET_ATTRIBUTE);
	}

	@Test
	void sessionSavedByOneWorkerIsSeenWithItsAttributesByAnother() {
		SharedSessionRepository one = worker();
		SharedSessionRepository two = worker();
		SharedSession session = one.createSession();
		session.setAttribute("visits", 1);
		one.save(session);
		SharedSession read = two.findById(session.getId());
		assertThat(read).isNotNull();
		assertThat((Integer) read.getAttribute("visits")).isEqualTo(1);
		assertThat(read.getMaxInactiveInterval()).isEqualTo(Duration.ofMinutes(30));
		read.setAttribute("visits", 2);
		two.save(read);
		SharedSession again = one.findById(session.getId());
		assertThat(again).isNotNull();
		assertThat((Integer) again.getAttribute("visits")).isEqualTo(2);
	}

	@Test
	void sessionThatIsOnlyReadIsNotWrittenAgain() throws Exception {
		SharedSessionRepository one = worker();
		SharedSession session = one.createSession();
		session.setAttribute("user", "betty");
		one.save(session);
		Path file = this.directory.resolve(session.getId());
		Object written = inode(file);
		SharedSession read = one.findById(session.getId());
		assertThat(read).isNotNull();
		assertThat((String) read.getAttribute("user")).isEqualTo("betty");
		read.setLastAccessedTime(Instant.now());
		one.save(read);
		assertThat(inode(file)).as("the same file, not a new one renamed over it").isEqualTo(written);
	}

	@Test
	void sessionThatIsOnlyReadHasItsExpiryMovedAtMostOnceASecond() throws Exception {
		SharedSessionRepository one = worker();
		SharedSession session = one.createSession();
		one.save(session);
		Path file = this.directory.resolve(session.getId());
		Instant expiry = Instant.now().minusSeconds(60).plus(Duration.ofMinutes(30));
		Files.setLastModifiedTime(file, FileTime.from(expiry));
		one = worker();
		SharedSession read = one.findById(session.getId());
		assertThat(read).isNotNull();
		assertThat(read.getLastAccessedTime()).isEqualTo(expiry.minus(Duration.ofMinutes(30)));
		Instant now = Instant.now();
		read.setLastAccessedTime(now);
		one.save(read);
		assertThat(Files.getLastModifiedTime(file).toInstant()).isEqualTo(now.plus(Duration.ofMinutes(30)));
		Instant moved = Files.getLastModifiedTime(file).toInstant();
		read.setLastAccessedTime(now.plusMillis(200));
		one.save(read);
		assertThat(Files.getLastModifiedTime(file).toInstant()).as("within a second: left alone").isEqualTo(moved);
	}

	@Test
	void sessionChangedInSaveModeAlwaysOrReadInOnGetAttributeIsWrittenAgain() throws Exception {
		for (SaveMode saveMode : List.of(SaveMode.ALWAYS, SaveMode.ON_GET_ATTRIBUTE)) {
			SharedSessionRepository one = worker(saveMode);
			SharedSession session = one.createSession();
			session.setAttribute("user", "betty");
			one.save(session);
			Path file = this.directory.resolve(session.getId());
			Object written = inode(file);
			SharedSession read = one.findById(session.getId());
			assertThat(read).isNotNull();
			assertThat((String) read.getAttribute("user")).isEqualTo("betty");
			one.save(read);
			assertThat(inode(file)).as(saveMode.name()).isNotEqualTo(written);
		}
	}

	@Test
	void workerReusesItsDecodedSessionWhileTheStoredBytesAreTheSame() {
		SharedSessionRepository one = worker();
		SharedSessionRepository two = worker();
		SharedSession session = one.createSession();
		session.setAttribute("cart", new java.util.ArrayList<>(List.of("book")));
		one.save(session);
		SharedSession first = two.findById(session.getId());
		SharedSession second = two.findById(session.getId());
		assertThat(first).isNotNull();
		assertThat(second).isNotNull();
		assertThat((Object) second.getAttribute("cart")).isSameAs(first.getAttribute("cart"));
		session.setAttribute("cart", new java.util.ArrayList<>(List.of("book", "pen")));
		one.save(session);
		SharedSession third = two.findById(session.getId());
		assertThat(third).isNotNull();
		List<String> cart = third.getAttribute("cart");
		assertThat(cart).containsExactly("book", "pen");
	}

	@Test
	void sessionChangedByAnotherWorkerIsReadAgainAndOneThatDidNotChangeIsNot() throws Exception {
		SharedSessionRepository one = worker();
		SharedSessionRepository two = worker();
		SharedSession session = one.createSession();
		session.setAttribute("visits", 1);
		one.save(session);
		assertThat(two.findById(session.getId())).isNotNull();
		Path file = this.directory.resolve(session.getId());
		Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(3600)));
		Files.write(file, new byte[] { 1, 2, 3 });
		SharedSession unchanged = two.findById(session.getId());
		assertThat(unchanged).as("the file was not rewritten by a worker: its version is the same").isNotNull();
		assertThat((Integer) unchanged.getAttribute("visits")).isEqualTo(1);
		SharedSession read = one.findById(session.getId());
		assertThat(read).isNotNull();
		read.setAttribute("visits", 2);
		one.save(read);
		SharedSession changed = two.findById(session.getId());
		assertThat(changed).isNotNull();
		assertThat((Integer) changed.getAttribute("visits")).isEqualTo(2);
	}

	@Test
	void changedIdLeavesNoSessionUnderTheOldOne() {
		SharedSessionRepository one = worker();
		SharedSession session = one.createSession();
		session.setAttribute("user", "betty");
		one.save(session);
		String before = session.getId();
		SharedSession read = one.findById(before);
		assertThat(read).isNotNull();
		String after = read.changeSessionId();
		one.save(read);
		assertThat(worker().findById(before)).isNull();
		assertThat(worker().findById(after)).isNotNull();
		assertThat(this.directory.resolve(before)).doesNotExist();
	}

	@Test
	void expiredSessionIsNotFoundAndIsDeleted() throws Exception {
		SharedSessionRepository one = worker();
		SharedSession session = one.createSession();
		one.save(session);
		Path file = this.directory.resolve(session.getId());
		Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(1)));
		assertThat(worker().findById(session.getId())).isNull();
		assertThat(file).doesNotExist();
	}

	@Test
	void deletedSessionIsGoneForEveryWorkerAndIsNotRevivedByAReader() {
		SharedSessionRepository one = worker();
		SharedSessionRepository two = worker();
		SharedSession session = one.createSession();
		one.save(session);
		SharedSession read = two.findById(session.getId());
		assertThat(read).isNotNull();
		one.deleteById(session.getId());
		read.setLastAccessedTime(Instant.now().plusSeconds(5));
		two.save(read);
		assertThat(one.findById(session.getId())).isNull();
		assertThat(two.findById(session.getId())).isNull();
	}

	@Test
	void idThatIsNotAPlainNameNeverNamesAFileElsewhere() throws Exception {
		SharedSessionRepository one = worker();
		Files.writeString(this.directory.getParent().resolve("secret"), "x");
		assertThat(one.findById("../secret")).isNull();
		assertThat(one.findById("")).isNull();
		assertThat(one.findById("x".repeat(5000))).isNull();
		try (Stream<Path> files = Files.list(this.directory)) {
			assertThat(files).isEmpty();
		}
	}

	@Test
	void sessionLargerThanTheMemoryOfAllSessionsIsRefusedNamingTheProperty() throws Exception {
		SharedSessionRepository small = new SharedSessionRepository(this.state, getClass().getClassLoader(), () -> null,
				SaveMode.ON_SET_ATTRIBUTE, 100);
		SharedSession session = small.createSession();
		session.setAttribute("blob", new byte[1000]);
		assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> small.save(session))
			.withMessageContaining("forker.sessions.max-memory (100 bytes)");
	}

	@Test
	void storeThatCannotBeWrittenGivesAClearErrorAndLeavesNothingBehind() throws Exception {
		Path gone = this.directory;
		Files.delete(gone);
		SharedSessionRepository one = new SharedSessionRepository(this.state, getClass().getClassLoader(), () -> null,
				SaveMode.ON_SET_ATTRIBUTE, 1024);
		SharedSession session = one.createSession();
		assertThatExceptionOfType(UncheckedIOException.class).isThrownBy(() -> one.save(session))
			.withMessageContaining("Cannot save an HTTP session in " + gone)
			.withMessageContaining("forker.sessions.max-memory lower (now 1024 bytes)")
			.withMessageContaining("forker.sessions.enabled=false");
		assertThat(gone).as("nothing left behind").doesNotExist();
	}

	private static Object inode(Path file) throws Exception {
		return Files.readAttributes(file, BasicFileAttributes.class).fileKey();
	}

}
