package dev.forker.boot.cache;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * Tests for {@link InvalidationLog}.
 */
class InvalidationLogTests {

	@TempDir
	Path directory;

	private final List<InvalidationLog> opened = new ArrayList<>();

	@AfterEach
	void close() throws IOException {
		for (InvalidationLog log : this.opened) {
			log.close();
		}
	}

	@Test
	void createsTheLogWholeForItsOwnerOnly() throws IOException {
		InvalidationLog log = open(8);
		assertThat(log.file()).isEqualTo(this.directory.resolve(InvalidationLog.FILE_NAME));
		assertThat(Files.size(log.file())).isEqualTo(InvalidationLog.size(8));
		assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(log.file()))).isEqualTo("rw-------");
		try (var files = Files.list(this.directory)) {
			assertThat(files).as("no temporary file left").containsExactly(log.file());
		}
		InvalidationLog other = open(16);
		assertThat(other.slots()).as("the log that exists, whatever was asked").isEqualTo(8);
		log.append(1, "cacheManager", "owners", null);
		assertThat(other.tail()).isOne();
	}

	@Test
	void refusesAFileThatIsNotALog() throws IOException {
		Path file = this.directory.resolve(InvalidationLog.FILE_NAME);
		Files.write(file, new byte[InvalidationLog.SLOT_BYTES]);
		assertThatIOException().isThrownBy(() -> InvalidationLog.open(file, 8))
			.withMessageContaining("Not a forker invalidation log");
	}

	@Test
	void entriesAreReadInOrderAsWritten() throws IOException {
		InvalidationLog log = open(8);
		byte[] key = "key".getBytes(StandardCharsets.UTF_8);
		assertThat(log.append(41, "cacheManager", "owners", key)).isZero();
		assertThat(log.append(42, "cacheManager", "vets", null)).isOne();
		Recorder recorder = new Recorder();
		assertThat(log.readFrom(0, recorder)).isEqualTo(2);
		assertThat(recorder.gaps).isEmpty();
		assertThat(recorder.entries).hasSize(2);
		InvalidationLog.Entry first = recorder.entries.get(0);
		assertThat(first.sequence()).isZero();
		assertThat(first.pid()).isEqualTo(41);
		assertThat(first.manager()).isEqualTo("cacheManager");
		assertThat(first.cache()).isEqualTo("owners");
		assertThat(first.key()).isEqualTo(key);
		InvalidationLog.Entry second = recorder.entries.get(1);
		assertThat(second.cache()).isEqualTo("vets");
		assertThat(second.key()).as("the whole cache").isNull();
		assertThat(log.readFrom(2, recorder)).as("nothing new").isEqualTo(2);
		assertThat(recorder.entries).hasSize(2);
	}

	@Test
	void keyTooLargeForASlotClearsTheCacheAndNamesTooLongClearEverything() throws IOException {
		InvalidationLog log = open(8);
		int room = InvalidationLog.maxKeyBytes("cacheManager", "owners");
		log.append(1, "cacheManager", "owners", new byte[room]);
		log.append(1, "cacheManager", "owners", new byte[room + 1]);
		log.append(1, "cacheManager", "x".repeat(InvalidationLog.PAYLOAD_BYTES), null);
		Recorder recorder = new Recorder();
		log.readFrom(0, recorder);
		assertThat(recorder.entries).hasSize(3);
		assertThat(recorder.entries.get(0).key()).hasSize(room);
		assertThat(recorder.entries.get(1).key()).isNull();
		assertThat(recorder.entries.get(1).manager()).isEqualTo("cacheManager");
		assertThat(recorder.entries.get(2).manager()).as("every cache").isNull();
	}

	@Test
	void readerThatKeepsUpReadsEveryEntryAcrossLaps() throws IOException {
		InvalidationLog log = open(8);
		Recorder recorder = new Recorder();
		long applied = 0;
		for (int i = 0; i < 50; i++) {
			log.append(1, "cacheManager", "owners", key(i));
			if (i % 5 == 4) {
				applied = log.readFrom(applied, recorder);
			}
		}
		assertThat(applied).isEqualTo(50);
		assertThat(recorder.gaps).isEmpty();
		assertThat(recorder.entries).extracting(InvalidationLog.Entry::sequence)
			.containsExactlyElementsOf(LongStream.range(0, 50).boxed().toList());
		for (int i = 0; i < 50; i++) {
			assertThat(recorder.entries.get(i).key()).isEqualTo(key(i));
		}
	}

	@Test
	void lappedReaderHasAGapAndGoesOnFromTheTail() throws IOException {
		InvalidationLog log = open(8);
		for (int i = 0; i < 9; i++) {
			log.append(1, "cacheManager", "owners", key(i));
		}
		Recorder recorder = new Recorder();
		assertThat(log.readFrom(0, recorder)).isEqualTo(9);
		assertThat(recorder.gaps).containsExactly(InvalidationLog.Gap.LAPPED);
		assertThat(recorder.entries).isEmpty();
		assertThat(log.read(0).state()).as("its slot holds entry 8").isEqualTo(InvalidationLog.State.LOST);
		assertThat(log.read(8).entry().key()).isEqualTo(key(8));
		log.append(1, "cacheManager", "owners", key(9));
		assertThat(log.readFrom(9, recorder)).isEqualTo(10);
		assertThat(recorder.entries).singleElement().satisfies((entry) -> assertThat(entry.key()).isEqualTo(key(9)));
	}

	@Test
	void slotNeverPublishedByItsWriterIsAGapOnceTheReaderWaitedABoundedTime() throws IOException {
		InvalidationLog log = open(8);
		log.append(1, "cacheManager", "owners", key(0));
		// A writer killed between its claim and its publication
		assertThat(log.claim()).isOne();
		log.append(1, "cacheManager", "owners", key(2));
		assertThat(log.read(1).state()).isEqualTo(InvalidationLog.State.PENDING);
		Recorder recorder = new Recorder();
		long start = System.nanoTime();
		assertThat(log.readFrom(0, recorder)).isEqualTo(3);
		assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(InvalidationLog.PUBLISH_TIMEOUT_NANOS)
			.isLessThan(InvalidationLog.PUBLISH_TIMEOUT_NANOS + 5_000_000_000L);
		assertThat(recorder.entries).extracting(InvalidationLog.Entry::sequence).containsExactly(0L);
		assertThat(recorder.gaps).containsExactly(InvalidationLog.Gap.UNPUBLISHED);
		// The next lap's writer takes the slot over
		for (int i = 3; i < 10; i++) {
			log.append(1, "cacheManager", "owners", key(i));
		}
		assertThat(log.read(9).entry().key()).isEqualTo(key(9));
	}

	@Test
	void entryThatDoesNotMatchItsChecksumIsAGap() throws IOException {
		InvalidationLog log = open(8);
		log.append(1, "cacheManager", "owners", key(0));
		log.append(1, "cacheManager", "owners", key(1));
		try (FileChannel channel = FileChannel.open(log.file(), StandardOpenOption.WRITE)) {
			// A byte of the key of entry 1, in the second slot
			channel.write(ByteBuffer.wrap(new byte[] { 0x55 }),
					InvalidationLog.size(1) + InvalidationLog.SLOT_BYTES - InvalidationLog.PAYLOAD_BYTES + 20);
		}
		Recorder recorder = new Recorder();
		assertThat(log.readFrom(0, recorder)).isEqualTo(2);
		assertThat(recorder.entries).extracting(InvalidationLog.Entry::sequence).containsExactly(0L);
		assertThat(recorder.gaps).containsExactly(InvalidationLog.Gap.CORRUPT);
	}

	@Test
	void readerOfAnotherMappingSeesTheEntries() throws IOException {
		InvalidationLog writer = open(8);
		InvalidationLog reader = open(8);
		writer.append(7, "cacheManager", "owners", key(3));
		Recorder recorder = new Recorder();
		assertThat(reader.readFrom(0, recorder)).isOne();
		assertThat(recorder.entries).singleElement().satisfies((entry) -> {
			assertThat(entry.pid()).isEqualTo(7);
			assertThat(entry.key()).isEqualTo(key(3));
		});
	}

	private InvalidationLog open(int slots) throws IOException {
		InvalidationLog log = InvalidationLog.open(this.directory.resolve(InvalidationLog.FILE_NAME), slots);
		this.opened.add(log);
		return log;
	}

	private static byte[] key(int i) {
		return ("key-" + i).getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Records what it reads.
	 */
	static final class Recorder implements InvalidationLog.Reader {

		final List<InvalidationLog.Entry> entries = new ArrayList<>();

		final List<InvalidationLog.Gap> gaps = new ArrayList<>();

		@Override
		public void entry(InvalidationLog.Entry entry) {
			this.entries.add(entry);
		}

		@Override
		public void gap(InvalidationLog.Gap gap) {
			this.gaps.add(gap);
		}

	}

}
