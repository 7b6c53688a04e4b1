package dev.forker.boot.session;

import java.io.Closeable;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Version numbers of the HTTP session files, in a small file that every worker (and the
 * master) maps into its memory, so that a request whose session has not changed since its
 * worker last read it costs no system call at all: the worker compares the number of the
 * session's slot with the one it read the session at. Whoever writes, renames or deletes
 * a session file adds one to its slot afterwards. Sessions share slots (a slot is chosen
 * by the hash of the file's name): a change to one costs the others of its slot a read of
 * their file, never a stale session.
 * <p>
 * Hand-written on {@link MethodHandles#byteBufferViewVarHandle}, as the other files that
 * workers map, so that it runs with no extra JVM flags. The file is written whole (zeros)
 * before anyone maps it, never sparse: a write through a mapping to a page that a full
 * tmpfs cannot allocate raises {@code SIGBUS}.
 *
 * @since 0.1.0
 */
public final class SessionBoard implements Closeable {

	/**
	 * The name of the board in the state directory.
	 */
	public static final String FILE_NAME = "sessions.board";

	static final int SLOTS = 65536;

	private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

	private final FileChannel channel;

	private final MappedByteBuffer buffer;

	private SessionBoard(FileChannel channel, MappedByteBuffer buffer) {
		this.channel = channel;
		this.buffer = buffer;
	}

	/**
	 * Create the board in a state directory, whole, unless it exists.
	 * @param stateDirectory the state directory
	 * @throws IOException if it cannot be written (no room left)
	 */
	public static void create(Path stateDirectory) throws IOException {
		Path file = stateDirectory.resolve(FILE_NAME);
		if (Files.exists(file)) {
			return;
		}
		Path partial = stateDirectory.resolve(FILE_NAME + ".partial");
		try (FileChannel channel = FileChannel.open(partial,
				Set.of(StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE),
				PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
			ByteBuffer zeros = ByteBuffer.allocate(64 * 1024);
			for (long written = 0; written < (long) SLOTS * Long.BYTES;) {
				zeros.clear();
				written += channel.write(zeros);
			}
		}
		catch (IOException ex) {
			Files.deleteIfExists(partial);
			throw ex;
		}
		Files.move(partial, file, StandardCopyOption.ATOMIC_MOVE);
	}

	/**
	 * Map the board of a state directory.
	 * @param stateDirectory the state directory
	 * @return the board
	 * @throws IOException if it does not exist or cannot be mapped
	 */
	public static SessionBoard open(Path stateDirectory) throws IOException {
		FileChannel channel = FileChannel.open(stateDirectory.resolve(FILE_NAME), StandardOpenOption.READ,
				StandardOpenOption.WRITE);
		try {
			if (channel.size() < (long) SLOTS * Long.BYTES) {
				throw new IOException(stateDirectory.resolve(FILE_NAME) + " is not whole");
			}
			return new SessionBoard(channel, channel.map(FileChannel.MapMode.READ_WRITE, 0, (long) SLOTS * Long.BYTES));
		}
		catch (IOException | RuntimeException ex) {
			channel.close();
			throw ex;
		}
	}

	/**
	 * Return the version of a session file.
	 * @param fileName the name of the session's file
	 * @return its version
	 */
	public long version(String fileName) {
		return (long) LONGS.getAcquire(this.buffer, offset(fileName));
	}

	/**
	 * Record that a session file was written, renamed or deleted.
	 * @param fileName the name of the session's file
	 */
	public void changed(String fileName) {
		LONGS.getAndAdd(this.buffer, offset(fileName), 1L);
	}

	private static int offset(String fileName) {
		int hash = fileName.hashCode();
		return ((hash ^ (hash >>> 16)) & (SLOTS - 1)) * Long.BYTES;
	}

	@Override
	public void close() throws IOException {
		this.channel.close();
	}

}
