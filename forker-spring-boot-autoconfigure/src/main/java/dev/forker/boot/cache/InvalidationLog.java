package dev.forker.boot.cache;

import java.io.Closeable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.CRC32C;

import org.jspecify.annotations.Nullable;

/**
 * The log of cache invalidations that every worker of a deployment writes and reads
 * directly, in a file of the shared state directory that each worker maps into its
 * memory: a ring of {@link #DEFAULT_SLOTS} slots of {@link #SLOT_BYTES} bytes after a
 * header that holds the tail, the number of entries ever claimed.
 * <p>
 * A writer claims a sequence number with an atomic add to the tail, marks the slot of
 * that number as being written, writes its entry (its pid, the cache manager's bean name,
 * the cache name, the serialized key or nothing to clear the whole cache, and a CRC-32C
 * of it all) and publishes it by setting the slot's stamp to the number, with release
 * semantics. It waits for nobody. A reader compares the tail to what it has read; behind,
 * it reads each new slot seqlock style: stamp, entry, stamp again, checksum. A slot that
 * a later writer took before the reader got to it (the reader was lapped), one whose
 * entry does not match its checksum, and one whose writer did not publish it within
 * {@link #PUBLISH_TIMEOUT_NANOS} (killed mid-write, or stalled) are gaps: the reader
 * cannot know what it missed, and clears every coherent cache it has instead.
 * <p>
 * Hand-written on {@link MethodHandles#byteBufferViewVarHandle} rather than taken from
 * Agrona or lmdbjava, which need {@code --add-opens} or {@code sun.misc.Unsafe}: this
 * runs in the application's JVM with no extra flags.
 * <p>
 * The file is created whole (every byte written, under a temporary name, then linked to
 * its name), never sparse: a write through a mapping to a page of a full tmpfs that was
 * never allocated kills the process with {@code SIGBUS}.
 *
 * @since 0.1.0
 */
final class InvalidationLog implements Closeable {

	/**
	 * The name of the log in the shared state directory.
	 */
	static final String FILE_NAME = "cache-invalidations.log";

	/**
	 * Slots of the log: a worker that falls this many invalidations behind between two
	 * reads of its caches clears them.
	 */
	static final int DEFAULT_SLOTS = 4096;

	/**
	 * Bytes of a slot, header included.
	 */
	static final int SLOT_BYTES = 1024;

	/**
	 * Time a reader waits for a claimed slot to be published before it takes it for lost.
	 */
	static final long PUBLISH_TIMEOUT_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

	private static final int MAGIC = 0x464b494c;

	private static final int VERSION = 1;

	// Header: magic, version, slots, slot size; the tail on a cache line of its own
	private static final int HEADER_MAGIC = 0;

	private static final int HEADER_VERSION = 4;

	private static final int HEADER_SLOTS = 8;

	private static final int HEADER_SLOT_BYTES = 12;

	private static final int TAIL = 64;

	private static final int HEADER_BYTES = 128;

	// Slot: stamp (n + 1 once entry n is published, -(n + 1) while it is written, 0
	// never written), pid, checksum, lengths, then the names and the key
	private static final int STAMP = 0;

	private static final int PID = 8;

	private static final int CHECKSUM = 16;

	private static final int MANAGER_LENGTH = 20;

	private static final int CACHE_LENGTH = 24;

	private static final int KEY_LENGTH = 28;

	private static final int PAYLOAD = 32;

	/**
	 * Room in a slot for the names and the key.
	 */
	static final int PAYLOAD_BYTES = SLOT_BYTES - PAYLOAD;

	/**
	 * The key length of an entry that clears the whole cache.
	 */
	private static final int CLEAR_CACHE = -1;

	/**
	 * The key length of an entry that clears every cache (names too long for a slot).
	 */
	private static final int CLEAR_ALL = -2;

	private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

	private static final VarHandle INTS = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.nativeOrder());

	private final Path file;

	private final FileChannel channel;

	private final MappedByteBuffer buffer;

	private final int slots;

	private InvalidationLog(Path file, FileChannel channel, MappedByteBuffer buffer, int slots) {
		this.file = file;
		this.channel = channel;
		this.buffer = buffer;
		this.slots = slots;
	}

	/**
	 * Open the log of a state directory, creating it if it does not exist yet.
	 * @param directory the shared state directory
	 * @return the log
	 * @throws IOException if the log cannot be created or mapped (no room left)
	 */
	static InvalidationLog open(Path directory) throws IOException {
		return open(directory.resolve(FILE_NAME), DEFAULT_SLOTS);
	}

	/**
	 * Open a log, creating it if it does not exist yet.
	 * @param file the file of the log
	 * @param slots the number of slots, a power of two, if it is created
	 * @return the log
	 * @throws IOException if the log cannot be created or mapped
	 */
	static InvalidationLog open(Path file, int slots) throws IOException {
		if (slots <= 0 || Integer.bitCount(slots) != 1) {
			throw new IllegalArgumentException("The slots of an invalidation log must be a power of two: " + slots);
		}
		long size = size(slots);
		FileChannel channel;
		try {
			channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
		}
		catch (NoSuchFileException ex) {
			create(file, slots, size);
			channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
		}
		try {
			if (channel.size() < HEADER_BYTES) {
				throw new IOException("Not a forker invalidation log: " + file + " (" + channel.size() + " bytes)");
			}
			ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.nativeOrder());
			channel.read(header, 0);
			int existingSlots = header.getInt(HEADER_SLOTS);
			if (header.getInt(HEADER_MAGIC) != MAGIC || header.getInt(HEADER_VERSION) != VERSION
					|| header.getInt(HEADER_SLOT_BYTES) != SLOT_BYTES || existingSlots <= 0
					|| Integer.bitCount(existingSlots) != 1
					|| channel.size() != HEADER_BYTES + (long) existingSlots * SLOT_BYTES) {
				throw new IOException("Not a forker invalidation log of version " + VERSION + ": " + file);
			}
			MappedByteBuffer buffer = channel.map(FileChannel.MapMode.READ_WRITE, 0, channel.size());
			return new InvalidationLog(file, channel, buffer, existingSlots);
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

	/**
	 * Return the size of a log.
	 * @param slots its slots
	 * @return its size in bytes
	 */
	static long size(int slots) {
		return HEADER_BYTES + (long) slots * SLOT_BYTES;
	}

	/**
	 * Create the file whole under a temporary name, then give it its name, unless another
	 * process did first.
	 */
	private static void create(Path file, int slots, long size) throws IOException {
		Path temporary = Files.createTempFile(file.getParent(), FILE_NAME + "-", ".tmp",
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
		try {
			try (FileChannel channel = FileChannel.open(temporary, Set.of(StandardOpenOption.WRITE))) {
				ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.nativeOrder());
				header.putInt(HEADER_MAGIC, MAGIC)
					.putInt(HEADER_VERSION, VERSION)
					.putInt(HEADER_SLOTS, slots)
					.putInt(HEADER_SLOT_BYTES, SLOT_BYTES);
				writeFully(channel, header);
				ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
				for (long written = HEADER_BYTES; written < size; written += zeros.limit()) {
					zeros.clear().limit((int) Math.min(zeros.capacity(), size - written));
					writeFully(channel, zeros);
				}
				channel.force(false);
			}
			try {
				// A link, unlike a move, never replaces a log another worker created
				Files.createLink(file, temporary);
			}
			catch (FileAlreadyExistsException ex) {
				// Another worker created it first: theirs is used
			}
		}
		finally {
			Files.deleteIfExists(temporary);
		}
	}

	private static void writeFully(FileChannel channel, ByteBuffer bytes) throws IOException {
		while (bytes.hasRemaining()) {
			channel.write(bytes);
		}
	}

	/**
	 * Return the number of slots.
	 * @return the slots
	 */
	int slots() {
		return this.slots;
	}

	/**
	 * Return the tail: the sequence number the next entry gets.
	 * @return the tail
	 */
	long tail() {
		return (long) LONGS.getVolatile(this.buffer, TAIL);
	}

	/**
	 * Return the room in a slot for the serialized key of a cache.
	 * @param manager the name of the cache manager's bean
	 * @param cache the name of the cache
	 * @return the largest key, in bytes, that fits
	 */
	static int maxKeyBytes(String manager, String cache) {
		return PAYLOAD_BYTES - utf8(manager).length - utf8(cache).length;
	}

	/**
	 * Append an entry.
	 * @param pid the writer's pid
	 * @param manager the name of the cache manager's bean
	 * @param cache the name of the cache
	 * @param key the serialized key, or {@code null} to clear the whole cache; a key too
	 * large for a slot clears the whole cache too
	 * @return the sequence number of the entry
	 */
	long append(long pid, String manager, String cache, byte @Nullable [] key) {
		byte[] managerBytes = utf8(manager);
		byte[] cacheBytes = utf8(cache);
		int keyLength = (key != null) ? key.length : CLEAR_CACHE;
		if (managerBytes.length + cacheBytes.length > PAYLOAD_BYTES) {
			managerBytes = new byte[0];
			cacheBytes = managerBytes;
			keyLength = CLEAR_ALL;
		}
		else if (keyLength > PAYLOAD_BYTES - managerBytes.length - cacheBytes.length) {
			keyLength = CLEAR_CACHE;
		}
		// Everything that may fail or take time happens before the claim
		long sequence = claim();
		int slot = offset(sequence);
		long writing = -(sequence + 1);
		for (;;) {
			long stamp = (long) LONGS.getVolatile(this.buffer, slot + STAMP);
			if (Math.abs(stamp) > sequence + 1) {
				// A writer of a later lap has the slot already: readers of this entry
				// find it overwritten and clear their caches
				return sequence;
			}
			if (LONGS.compareAndSet(this.buffer, slot + STAMP, stamp, writing)) {
				break;
			}
		}
		VarHandle.storeStoreFence();
		LONGS.set(this.buffer, slot + PID, pid);
		INTS.set(this.buffer, slot + MANAGER_LENGTH, managerBytes.length);
		INTS.set(this.buffer, slot + CACHE_LENGTH, cacheBytes.length);
		INTS.set(this.buffer, slot + KEY_LENGTH, keyLength);
		int position = slot + PAYLOAD;
		this.buffer.put(position, managerBytes);
		position += managerBytes.length;
		this.buffer.put(position, cacheBytes);
		position += cacheBytes.length;
		if (key != null && keyLength >= 0) {
			this.buffer.put(position, key, 0, keyLength);
		}
		INTS.set(this.buffer, slot + CHECKSUM, checksum(sequence, pid, managerBytes, cacheBytes, keyLength, key));
		// Release: whoever reads the stamp reads the entry
		LONGS.compareAndSet(this.buffer, slot + STAMP, writing, sequence + 1);
		return sequence;
	}

	/**
	 * Claim the next sequence number.
	 * @return the sequence number
	 */
	long claim() {
		return (long) LONGS.getAndAdd(this.buffer, TAIL, 1L);
	}

	/**
	 * Read the entry of a sequence number.
	 * @param sequence the sequence number
	 * @return what the slot holds for it
	 */
	Read read(long sequence) {
		int slot = offset(sequence);
		long stamp = (long) LONGS.getVolatile(this.buffer, slot + STAMP);
		if (stamp != sequence + 1) {
			return (Math.abs(stamp) > sequence + 1) ? Read.LOST : Read.PENDING;
		}
		long pid = (long) LONGS.get(this.buffer, slot + PID);
		int managerLength = (int) INTS.get(this.buffer, slot + MANAGER_LENGTH);
		int cacheLength = (int) INTS.get(this.buffer, slot + CACHE_LENGTH);
		int keyLength = (int) INTS.get(this.buffer, slot + KEY_LENGTH);
		int checksum = (int) INTS.get(this.buffer, slot + CHECKSUM);
		boolean valid = managerLength >= 0 && cacheLength >= 0 && keyLength >= CLEAR_ALL
				&& (long) managerLength + cacheLength + Math.max(0, keyLength) <= PAYLOAD_BYTES;
		byte[] managerBytes = new byte[valid ? managerLength : 0];
		byte[] cacheBytes = new byte[valid ? cacheLength : 0];
		byte[] key = (valid && keyLength >= 0) ? new byte[keyLength] : null;
		if (valid) {
			this.buffer.get(slot + PAYLOAD, managerBytes);
			this.buffer.get(slot + PAYLOAD + managerLength, cacheBytes);
			if (key != null) {
				this.buffer.get(slot + PAYLOAD + managerLength + cacheLength, key);
			}
		}
		VarHandle.loadLoadFence();
		if ((long) LONGS.getVolatile(this.buffer, slot + STAMP) != stamp) {
			// Taken by a writer of a later lap while it was read
			return Read.LOST;
		}
		if (!valid || checksum != checksum(sequence, pid, managerBytes, cacheBytes, keyLength, key)) {
			return Read.CORRUPT;
		}
		return new Read(State.PUBLISHED,
				new Entry(sequence, pid,
						(keyLength == CLEAR_ALL) ? null : new String(managerBytes, StandardCharsets.UTF_8),
						new String(cacheBytes, StandardCharsets.UTF_8), key));
	}

	/**
	 * Read the entries from a sequence number on, up to the tail.
	 * @param from the first sequence number not read yet
	 * @param reader what to do with them
	 * @return the sequence number to read from next
	 */
	long readFrom(long from, Reader reader) {
		long tail = tail();
		if (tail - from > this.slots) {
			reader.gap(Gap.LAPPED);
			return tail;
		}
		long deadline = 0;
		int waits = 0;
		long sequence = from;
		while (sequence - tail < 0) {
			Read read = read(sequence);
			if (read.state() == State.PUBLISHED) {
				Entry entry = read.entry();
				if (entry != null) {
					reader.entry(entry);
				}
				sequence++;
				waits = 0;
				continue;
			}
			if (read.state() == State.PENDING) {
				long now = System.nanoTime();
				if (waits == 0) {
					deadline = now + PUBLISH_TIMEOUT_NANOS;
				}
				if (now - deadline < 0) {
					pause(waits++);
					continue;
				}
			}
			// Everything claimed until now was claimed before the clear
			long next = tail();
			reader.gap((read.state() == State.PENDING) ? Gap.UNPUBLISHED
					: (read.state() == State.CORRUPT) ? Gap.CORRUPT : Gap.LAPPED);
			return next;
		}
		return sequence;
	}

	private static void pause(int waits) {
		if (waits < 100) {
			Thread.onSpinWait();
		}
		else if (waits < 200) {
			Thread.yield();
		}
		else {
			LockSupport.parkNanos(TimeUnit.MICROSECONDS.toNanos(50));
		}
	}

	/**
	 * Return the checksum of an entry: of its sequence number too, so that an entry of
	 * another lap never passes for this one.
	 */
	private static int checksum(long sequence, long pid, byte[] manager, byte[] cache, int keyLength,
			byte @Nullable [] key) {
		CRC32C crc = new CRC32C();
		ByteBuffer fields = ByteBuffer.allocate(28)
			.putLong(sequence)
			.putLong(pid)
			.putInt(manager.length)
			.putInt(cache.length)
			.putInt(keyLength)
			.flip();
		crc.update(fields);
		crc.update(manager);
		crc.update(cache);
		if (key != null && keyLength >= 0) {
			crc.update(key, 0, keyLength);
		}
		return (int) crc.getValue();
	}

	private int offset(long sequence) {
		return HEADER_BYTES + (int) (sequence & (this.slots - 1)) * SLOT_BYTES;
	}

	private static byte[] utf8(String text) {
		return text.getBytes(StandardCharsets.UTF_8);
	}

	Path file() {
		return this.file;
	}

	@Override
	public void close() throws IOException {
		this.channel.close();
	}

	@Override
	public String toString() {
		return "InvalidationLog " + this.file;
	}

	/**
	 * What a slot holds for a sequence number.
	 */
	enum State {

		/**
		 * The entry, whole.
		 */
		PUBLISHED,

		/**
		 * Nothing yet: its writer has not published it.
		 */
		PENDING,

		/**
		 * Another entry: a writer of a later lap took the slot.
		 */
		LOST,

		/**
		 * An entry that does not match its checksum.
		 */
		CORRUPT

	}

	/**
	 * Why a reader could not read every entry.
	 */
	enum Gap {

		/**
		 * It fell more than a lap behind: writers reused slots it had not read.
		 */
		LAPPED,

		/**
		 * A writer claimed a slot and did not publish it in time (killed mid-write).
		 */
		UNPUBLISHED,

		/**
		 * An entry did not match its checksum.
		 */
		CORRUPT

	}

	/**
	 * What a reader does with the entries.
	 */
	interface Reader {

		/**
		 * An entry, in order.
		 * @param entry the entry
		 */
		void entry(Entry entry);

		/**
		 * Entries were missed: what they invalidated is unknown.
		 * @param gap why
		 */
		void gap(Gap gap);

	}

	/**
	 * The outcome of reading a slot.
	 *
	 * @param state what the slot holds
	 * @param entry the entry, when published
	 */
	record Read(State state, @Nullable Entry entry) {

		static final Read PENDING = new Read(State.PENDING, null);

		static final Read LOST = new Read(State.LOST, null);

		static final Read CORRUPT = new Read(State.CORRUPT, null);

	}

	/**
	 * One invalidation.
	 *
	 * @param sequence its sequence number
	 * @param pid the pid of the worker that wrote it
	 * @param manager the name of the cache manager's bean, or {@code null} to clear every
	 * cache
	 * @param cache the name of the cache
	 * @param key the serialized key, or {@code null} to clear the whole cache
	 */
	record Entry(long sequence, long pid, @Nullable String manager, String cache, byte @Nullable [] key) {

	}

}
